package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// keyBytes is the size of a generated value: 256 bits, enough for an HMAC
// key (RFC 2104 recommends at least the hash's output length, 32 bytes for
// SHA-256) or an AES-256 key.
const keyBytes = 32

// Staging labels of a rotation.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html
const (
	stageCurrent = "AWSCURRENT"
	stagePending = "AWSPENDING"
)

// The steps Secrets Manager invokes the function with, in order.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html#rotate-secrets_lambda-functions-code
const (
	stepCreate = "createSecret"
	stepSet    = "setSecret"
	stepTest   = "testSecret"
	stepFinish = "finishSecret"
)

// secretsAPI is the part of the Secrets Manager client the function uses.
type secretsAPI interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

// rotationEvent is what Secrets Manager invokes a rotation function with.
// RotationToken is set when the function rotates through an assumed role or
// across accounts; it is passed back to PutSecretValue and never logged.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html
type rotationEvent struct {
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	Step               string `json:"Step"`
	RotationToken      string `json:"RotationToken,omitempty"`
}

// clients are the AWS APIs the function calls.
type clients struct {
	secrets secretsAPI
	rds     rdsAPI
}

// rotator is the function's handler.
type rotator struct {
	secrets secretsAPI
	rds     rdsAPI
	// random is the source of new values: crypto/rand.Reader outside tests.
	random io.Reader
	logger *slog.Logger
	// startErr, when set, is returned by every invocation.
	startErr error
	// sleep waits between two polls of RDS (a timer outside tests);
	// maxWait bounds a wait (maxMasterWait outside tests).
	sleep   func(context.Context, time.Duration) error
	maxWait time.Duration
}

// newFromEnvironment builds the handler of an execution environment with
// the clients from load; if that fails, every invocation returns the
// error.
func newFromEnvironment(ctx context.Context, load func(context.Context) (clients, error), logger *slog.Logger) *rotator {
	c, err := load(ctx)
	if err != nil {
		err = fmt.Errorf("secret-rotator: %w", err)
		logger.Error("no AWS clients", slog.String("error", err.Error()))
		return &rotator{startErr: err, logger: logger}
	}
	return newRotator(c, rand.Reader, logger)
}

// newRotator returns a handler generating values from random.
func newRotator(c clients, random io.Reader, logger *slog.Logger) *rotator {
	return &rotator{secrets: c.secrets, rds: c.rds, random: random, logger: logger, sleep: sleepContext, maxWait: maxMasterWait}
}

// Handle runs one step of a rotation. An error makes Secrets Manager retry
// the rotation a few times and then mark it failed; until finishSecret
// succeeds, AWSCURRENT stays on the old version, so readers never see a
// half-made value.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html
func (r *rotator) Handle(ctx context.Context, event rotationEvent) error {
	if r.startErr != nil {
		return r.startErr
	}
	// The version id and step are not secret; the rotation token is.
	log := r.logger.With(
		slog.String("secretId", event.SecretID),
		slog.String("versionId", event.ClientRequestToken),
		slog.String("step", event.Step))
	if err := r.rotate(ctx, log, event); err != nil {
		// Errors name the secret, the step and the cause, never a value.
		log.ErrorContext(ctx, "rotation step failed", slog.String("error", err.Error()))
		return err
	}
	return nil
}

// rotate checks the event and the secret, then runs the step.
func (r *rotator) rotate(ctx context.Context, log *slog.Logger, event rotationEvent) error {
	if event.SecretID == "" || event.ClientRequestToken == "" {
		return errors.New("the rotation event needs SecretId and ClientRequestToken")
	}
	switch event.Step {
	case stepCreate, stepSet, stepTest, stepFinish:
	default:
		return fmt.Errorf("secret %s: unknown rotation step %q (want %s, %s, %s or %s)", event.SecretID, event.Step, stepCreate, stepSet, stepTest, stepFinish)
	}

	// As in AWS's rotation template: the secret must have rotation on, and
	// the token must be a version labelled AWSPENDING; a version already
	// AWSCURRENT means an earlier run finished (nothing to do).
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
	meta, err := r.secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(event.SecretID)})
	if err != nil {
		return fmt.Errorf("secret %s: describing the secret: %w", event.SecretID, err)
	}
	if !aws.ToBool(meta.RotationEnabled) {
		return fmt.Errorf("secret %s: rotation is not enabled", event.SecretID)
	}
	stages, ok := meta.VersionIdsToStages[event.ClientRequestToken]
	if !ok {
		return fmt.Errorf("secret %s: version %s is not a version of the secret", event.SecretID, event.ClientRequestToken)
	}
	if slices.Contains(stages, stageCurrent) {
		log.InfoContext(ctx, "version already AWSCURRENT: nothing to do")
		return nil
	}
	if !slices.Contains(stages, stagePending) {
		return fmt.Errorf("secret %s: version %s is not labelled AWSPENDING", event.SecretID, event.ClientRequestToken)
	}

	switch kind := tagValue(meta.Tags, rotationTag); kind {
	case "":
		err = r.rotateGenerated(ctx, log, event, meta.VersionIdsToStages)
	case kindMasterPassword:
		err = r.rotateMaster(ctx, log, event, tagValue(meta.Tags, instanceTag), meta.VersionIdsToStages)
	default:
		err = fmt.Errorf("unknown kind of secret %q (tag %s): want none (a generated value) or %q", kind, rotationTag, kindMasterPassword)
	}
	if err != nil {
		return fmt.Errorf("secret %s, %s: %w", event.SecretID, event.Step, err)
	}
	return nil
}

// tagValue returns the value of the secret's tag key, or "".
func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

// rotateGenerated runs a step of the rotation of a generated value.
func (r *rotator) rotateGenerated(ctx context.Context, log *slog.Logger, event rotationEvent, versions map[string][]string) error {
	var err error
	switch event.Step {
	case stepCreate:
		err = r.createSecret(ctx, log, event)
	case stepSet:
		// Nothing outside Secrets Manager holds the value: the application
		// reads AWSCURRENT, so there is nothing to set.
		log.InfoContext(ctx, "nothing to set: no other system holds the value")
	case stepTest:
		err = r.testSecret(ctx, log, event)
	case stepFinish:
		err = r.finishSecret(ctx, log, event, versions)
	}
	return err
}

// pendingExists reports whether the AWSPENDING version of this rotation
// already has a value: the create step is retried, and a retry keeps the
// value an earlier attempt stored.
func (r *rotator) pendingExists(ctx context.Context, log *slog.Logger, event rotationEvent) (bool, error) {
	_, err := r.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(event.SecretID),
		VersionId:    aws.String(event.ClientRequestToken),
		VersionStage: aws.String(stagePending),
	})
	if err == nil {
		log.InfoContext(ctx, "pending version already has a value")
		return true, nil
	}
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		return false, fmt.Errorf("reading the pending version: %w", err)
	}
	return false, nil
}

// createSecret stores a new random value as the AWSPENDING version, unless
// an earlier attempt of the step already did (the step is retried).
func (r *rotator) createSecret(ctx context.Context, log *slog.Logger, event rotationEvent) error {
	if done, err := r.pendingExists(ctx, log, event); done || err != nil {
		return err
	}

	key := make([]byte, keyBytes)
	if _, err := io.ReadFull(r.random, key); err != nil {
		return fmt.Errorf("generating the new value: %w", err)
	}
	in := &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(event.SecretID),
		ClientRequestToken: aws.String(event.ClientRequestToken),
		SecretString:       aws.String(base64.StdEncoding.EncodeToString(key)),
		VersionStages:      []string{stagePending},
	}
	if event.RotationToken != "" {
		in.RotationToken = aws.String(event.RotationToken)
	}
	// PutSecretValue with the token as ClientRequestToken is idempotent
	// for the same value.
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
	if _, err := r.secrets.PutSecretValue(ctx, in); err != nil {
		return fmt.Errorf("storing the pending version: %w", err)
	}
	log.InfoContext(ctx, "stored a new pending version", slog.Int("bytes", keyBytes))
	return nil
}

// testSecret checks the pending version holds a usable key: standard base64
// of at least keyBytes bytes. Neither the value nor its decoding error
// (which quotes no input) is logged.
func (r *rotator) testSecret(ctx context.Context, log *slog.Logger, event rotationEvent) error {
	out, err := r.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(event.SecretID),
		VersionId:    aws.String(event.ClientRequestToken),
		VersionStage: aws.String(stagePending),
	})
	if err != nil {
		return fmt.Errorf("reading the pending version: %w", err)
	}
	if out.SecretString == nil {
		return errors.New("the pending version has no SecretString")
	}
	key, err := base64.StdEncoding.DecodeString(*out.SecretString)
	if err != nil {
		return errors.New("the pending version is not standard base64")
	}
	if len(key) < keyBytes {
		return fmt.Errorf("the pending version decodes to %d bytes, fewer than %d", len(key), keyBytes)
	}
	log.InfoContext(ctx, "pending version is a valid key", slog.Int("bytes", len(key)))
	return nil
}

// finishSecret moves AWSCURRENT to the token's version (Secrets Manager
// moves AWSPREVIOUS to the version it leaves), then takes AWSPENDING off
// it, as AWS's rotation template does. On a secret's first rotation no
// version is AWSCURRENT yet.
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html,
// https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/blob/master/SecretsManagerRotationTemplate/lambda_function.py
func (r *rotator) finishSecret(ctx context.Context, log *slog.Logger, event rotationEvent, versions map[string][]string) error {
	current := ""
	for id, stages := range versions {
		if slices.Contains(stages, stageCurrent) {
			current = id
			break
		}
	}
	if current == event.ClientRequestToken {
		// Handle returned before this; kept so the step is safe on its own.
		log.InfoContext(ctx, "version already AWSCURRENT")
		return nil
	}
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:        aws.String(event.SecretID),
		VersionStage:    aws.String(stageCurrent),
		MoveToVersionId: aws.String(event.ClientRequestToken),
	}
	if current != "" {
		in.RemoveFromVersionId = aws.String(current)
	}
	if _, err := r.secrets.UpdateSecretVersionStage(ctx, in); err != nil {
		return fmt.Errorf("moving AWSCURRENT to the new version: %w", err)
	}
	if _, err := r.secrets.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:            aws.String(event.SecretID),
		VersionStage:        aws.String(stagePending),
		RemoveFromVersionId: aws.String(event.ClientRequestToken),
	}); err != nil {
		return fmt.Errorf("removing AWSPENDING from the new version: %w", err)
	}
	log.InfoContext(ctx, "AWSCURRENT moved to the new version", slog.String("previousVersionId", current))
	return nil
}
