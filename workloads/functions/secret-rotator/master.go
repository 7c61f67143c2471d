package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The tags that make a secret an RDS master password, as
// components/postgres sets them (RotationTag, RotationKindMasterPassword,
// InstanceTag there).
const (
	rotationTag        = "SecretRotation"
	kindMasterPassword = "rds-master-password"
	instanceTag        = "DBInstanceIdentifier"
)

// Master passwords: what RDS accepts for RDS for PostgreSQL is "any
// printable ASCII character except "/", """, or "@"" (and no space), from
// 8 to 128 characters. The generated ones use letters, digits, '-' and '_'
// (64 symbols: one random byte picks one without bias), 32 of them: 192
// bits.
// Source: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html
const (
	passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	passwordLength   = 32
)

// How long a step waits for RDS, and how often it asks. RDS applies a new
// master password "asynchronously ... as soon as possible", with no
// documented bound; a step waits at most maxMasterWait (and never past the
// invocation's deadline, less deadlineMargin), so the function's timeout
// (stacks/functionpart: 300 s) covers it.
// Source: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html
const (
	maxMasterWait  = 4 * time.Minute
	pollInterval   = 10 * time.Second
	deadlineMargin = 15 * time.Second
)

// statusAvailable is the status of an instance RDS may modify.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html
const statusAvailable = "available"

// masterSecret is AWS's JSON structure of an RDS for PostgreSQL secret, as
// rotation functions expect it, with the instance it belongs to.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
type masterSecret struct {
	Engine               string `json:"engine"`
	Host                 string `json:"host"`
	Port                 int    `json:"port"`
	Username             string `json:"username"`
	Password             string `json:"password"`
	DBName               string `json:"dbname"`
	DBInstanceIdentifier string `json:"dbInstanceIdentifier"`
}

// check returns why the value cannot be the master secret of instance, or
// nil. It never quotes the password.
func (m masterSecret) check(instance string) error {
	switch {
	case m.DBInstanceIdentifier != instance:
		return fmt.Errorf("the value names instance %q, the secret's tag %q", m.DBInstanceIdentifier, instance)
	case m.Engine == "" || m.Host == "" || m.Port == 0 || m.Username == "":
		return errors.New("the value lacks engine, host, port or username")
	}
	return checkPassword(m.Password)
}

// checkPassword returns why RDS would refuse pw as a master password, or
// nil.
func checkPassword(pw string) error {
	if len(pw) < 8 || len(pw) > 128 {
		return fmt.Errorf("the password has %d characters, RDS wants 8 to 128", len(pw))
	}
	for _, c := range pw {
		if c <= ' ' || c > '~' || c == '/' || c == '"' || c == '@' {
			return errors.New(`the password holds a character RDS refuses (not printable ASCII, or one of '/', '"', '@', space)`)
		}
	}
	return nil
}

// generatePassword returns a new master password read from random.
func generatePassword(random io.Reader) (string, error) {
	b := make([]byte, passwordLength)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generating the new password: %w", err)
	}
	for i := range b {
		b[i] = passwordAlphabet[int(b[i])%len(passwordAlphabet)]
	}
	return string(b), nil
}

// rotateMaster runs a step of the rotation of an RDS master password,
// AWS's single-user strategy with the password changed through the RDS API
// instead of a database connection:
//
//   - createSecret: the AWSPENDING version, from DescribeDBInstances of
//     the instance the tag names (endpoint, port, user, database) and a new
//     password;
//   - setSecret: ModifyDBInstance(MasterUserPassword, ApplyImmediately)
//     once the instance is available; if RDS still manages the instance's
//     password in Secrets Manager (an instance created so), the same call
//     turns that off (ManageMasterUserPassword false), which RDS accepts
//     only with a new MasterUserPassword, and RDS deletes its own secret;
//   - testSecret: waits until DescribeDBInstances shows the instance
//     available, no MasterUserPassword pending and no RDS-managed secret:
//     RDS applies the password asynchronously, and the version must not
//     become AWSCURRENT before the database takes it;
//   - finishSecret: moves AWSCURRENT, as for every secret.
//
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotation-strategy.html,
// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html,
// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/manage-master-user-password.html
func (r *rotator) rotateMaster(ctx context.Context, log *slog.Logger, event rotationEvent, instance string, versions map[string][]string) error {
	if instance == "" {
		return fmt.Errorf("the secret has no %s tag: which instance's password is it?", instanceTag)
	}
	if r.rds == nil {
		return errors.New("no RDS client")
	}
	log = log.With(slog.String("dbInstanceIdentifier", instance))
	switch event.Step {
	case stepCreate:
		return r.createMaster(ctx, log, event, instance)
	case stepSet:
		return r.setMaster(ctx, log, event, instance)
	case stepTest:
		return r.testMaster(ctx, log, event, instance)
	default:
		return r.finishSecret(ctx, log, event, versions)
	}
}

// createMaster stores the AWSPENDING version: the instance's coordinates
// and master user as RDS reports them, and a new password. A retried step
// finds the version and keeps it.
func (r *rotator) createMaster(ctx context.Context, log *slog.Logger, event rotationEvent, instance string) error {
	if done, err := r.pendingExists(ctx, log, event); done || err != nil {
		return err
	}
	db, err := r.describe(ctx, instance)
	if err != nil {
		return err
	}
	if db.Address == "" || db.Port == 0 {
		return fmt.Errorf("instance %s has no endpoint yet (status %s)", instance, db.Status)
	}
	pw, err := generatePassword(r.random)
	if err != nil {
		return err
	}
	value, err := json.Marshal(masterSecret{
		Engine: db.Engine, Host: db.Address, Port: db.Port, Username: db.MasterUsername,
		Password: pw, DBName: db.DBName, DBInstanceIdentifier: instance,
	})
	if err != nil {
		return fmt.Errorf("encoding the pending version: %w", err)
	}
	in := &secretsmanager.PutSecretValueInput{
		SecretId:           aws.String(event.SecretID),
		ClientRequestToken: aws.String(event.ClientRequestToken),
		SecretString:       aws.String(string(value)),
		VersionStages:      []string{stagePending},
	}
	if event.RotationToken != "" {
		in.RotationToken = aws.String(event.RotationToken)
	}
	if _, err := r.secrets.PutSecretValue(ctx, in); err != nil {
		return fmt.Errorf("storing the pending version: %w", err)
	}
	log.InfoContext(ctx, "stored a new pending version", slog.String("host", db.Address), slog.String("username", db.MasterUsername))
	return nil
}

// setMaster gives the instance the pending password.
func (r *rotator) setMaster(ctx context.Context, log *slog.Logger, event rotationEvent, instance string) error {
	pending, err := r.pendingMaster(ctx, event, instance)
	if err != nil {
		return err
	}
	db, err := r.waitFor(ctx, instance, "available", func(db *dbInstance) bool { return db.Status == statusAvailable })
	if err != nil {
		return err
	}
	in := modifyPassword{Identifier: instance, Password: pending.Password, StopManaging: db.ManagedSecretARN != ""}
	if err := r.rds.ModifyMasterUserPassword(ctx, in); err != nil {
		return fmt.Errorf("setting the master password of %s: %w", instance, err)
	}
	log.InfoContext(ctx, "asked RDS for the new master password", slog.Bool("stopsRDSManagement", in.StopManaging))
	return nil
}

// testMaster waits until RDS has applied the pending password.
func (r *rotator) testMaster(ctx context.Context, log *slog.Logger, event rotationEvent, instance string) error {
	if _, err := r.pendingMaster(ctx, event, instance); err != nil {
		return err
	}
	if _, err := r.waitFor(ctx, instance, "the new master password applied", func(db *dbInstance) bool {
		return db.Status == statusAvailable && !db.PendingMasterUserPassword && db.ManagedSecretARN == ""
	}); err != nil {
		return err
	}
	log.InfoContext(ctx, "RDS applied the new master password")
	return nil
}

// pendingMaster reads and checks the AWSPENDING version.
func (r *rotator) pendingMaster(ctx context.Context, event rotationEvent, instance string) (masterSecret, error) {
	out, err := r.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(event.SecretID),
		VersionId:    aws.String(event.ClientRequestToken),
		VersionStage: aws.String(stagePending),
	})
	if err != nil {
		return masterSecret{}, fmt.Errorf("reading the pending version: %w", err)
	}
	var m masterSecret
	// The decoding error could quote the value: it is not wrapped.
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &m); err != nil {
		return masterSecret{}, errors.New("the pending version is not the JSON of an RDS secret")
	}
	if err := m.check(instance); err != nil {
		return masterSecret{}, fmt.Errorf("the pending version: %w", err)
	}
	return m, nil
}

// describe reads the instance, which must be a source, not a replica: a
// PostgreSQL replica's master password is its source's.
func (r *rotator) describe(ctx context.Context, instance string) (*dbInstance, error) {
	db, err := r.rds.DescribeDBInstance(ctx, instance)
	if err != nil {
		return nil, fmt.Errorf("describing instance %s: %w", instance, err)
	}
	if db.ReplicaSourceIdentifier != "" {
		return nil, fmt.Errorf("instance %s is a read replica of %s: its master password is its source's", instance, db.ReplicaSourceIdentifier)
	}
	return db, nil
}

// waitFor polls the instance until ready holds, at most r.maxWait and
// never past the invocation's deadline (less deadlineMargin), and returns
// it; what names the awaited state in the error.
func (r *rotator) waitFor(ctx context.Context, instance, what string, ready func(*dbInstance) bool) (*dbInstance, error) {
	budget := r.maxWait
	if deadline, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(deadline)-deadlineMargin)
	}
	waited := time.Duration(0)
	for {
		db, err := r.describe(ctx, instance)
		if err != nil {
			return nil, err
		}
		if ready(db) {
			return db, nil
		}
		if waited+pollInterval > budget {
			return nil, fmt.Errorf("instance %s: not %s after %s (status %s, master password pending %t, managed by RDS %t)",
				instance, what, waited, db.Status, db.PendingMasterUserPassword, db.ManagedSecretARN != "")
		}
		if err := r.sleep(ctx, pollInterval); err != nil {
			return nil, fmt.Errorf("instance %s: waiting for %s: %w", instance, what, err)
		}
		waited += pollInterval
	}
}

// sleepContext waits d, or less if ctx ends first.
func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
