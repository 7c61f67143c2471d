package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:refarch/prod/web/SESSION_KEY-AbCdEf"
	// oldKey is the current value before the rotation: base64 of 32 bytes.
	oldKey = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleSE="
	// counting32 is base64 of the bytes 0, 1, …, 31.
	counting32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	// rotationToken is the sensitive token of an assumed-role rotation.
	rotationToken = "rt-3f9c1d0e-very-secret-rotation-token"
)

// counting returns a reader yielding 0, 1, 2, …
func counting() io.Reader {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return bytes.NewReader(b)
}

// rotationFixture is a secret with a current version v1 (oldKey) and a
// rotation of it to v2 started.
type rotationFixture struct {
	sm   *fakeSecretsManager
	r    *rotator
	logs *bytes.Buffer
}

func newRotationFixture(t *testing.T, random io.Reader) *rotationFixture {
	t.Helper()
	sm := newFakeSecretsManager(testARN)
	sm.addVersion("v1", aws.String(oldKey), stageCurrent)
	sm.startRotation("v2")
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &rotationFixture{sm: sm, r: newRotator(clients{secrets: sm}, random, logger), logs: logs}
}

func (f *rotationFixture) step(step, token string) error {
	return f.r.Handle(context.Background(), rotationEvent{SecretID: testARN, ClientRequestToken: token, Step: step, RotationToken: rotationToken})
}

func TestFullRotation(t *testing.T) {
	f := newRotationFixture(t, rand.Reader)
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		require.NoError(t, f.step(step, "v2"), step)
	}

	assert.Equal(t, []string{"AWSCURRENT"}, f.sm.stagesOf("v2"), "the new version is current and no longer pending")
	assert.Equal(t, []string{"AWSPREVIOUS"}, f.sm.stagesOf("v1"))

	newKey := f.sm.valueOf("v2")
	assert.NotEqual(t, oldKey, newKey)
	decoded, err := base64.StdEncoding.DecodeString(newKey)
	require.NoError(t, err)
	assert.Len(t, decoded, 32)

	// Readers of AWSCURRENT get the new value.
	out, err := f.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(testARN)})
	require.NoError(t, err)
	assert.Equal(t, newKey, aws.ToString(out.SecretString))

	assert.Equal(t, []string{
		"DescribeSecret", "GetSecretValue", "PutSecretValue", // createSecret
		"DescribeSecret",                   // setSecret
		"DescribeSecret", "GetSecretValue", // testSecret
		"DescribeSecret", "UpdateSecretVersionStage", "UpdateSecretVersionStage", // finishSecret
		"GetSecretValue", // this test's read
	}, f.sm.calls, "only the four allowed actions")

	require.Len(t, f.sm.updates, 2)
	assert.Equal(t, "AWSCURRENT", aws.ToString(f.sm.updates[0].VersionStage))
	assert.Equal(t, "v2", aws.ToString(f.sm.updates[0].MoveToVersionId))
	assert.Equal(t, "v1", aws.ToString(f.sm.updates[0].RemoveFromVersionId))
	assert.Equal(t, "AWSPENDING", aws.ToString(f.sm.updates[1].VersionStage))
	assert.Nil(t, f.sm.updates[1].MoveToVersionId)
	assert.Equal(t, "v2", aws.ToString(f.sm.updates[1].RemoveFromVersionId))

	// Secrets Manager may invoke a step again: after the finish every step
	// finds the version current and does nothing.
	before := len(f.sm.calls)
	require.NoError(t, f.step("finishSecret", "v2"))
	require.NoError(t, f.step("createSecret", "v2"))
	assert.Equal(t, []string{"DescribeSecret", "DescribeSecret"}, f.sm.calls[before:])
}

func TestCreateSecretStoresBase64OfTheRandomBytes(t *testing.T) {
	f := newRotationFixture(t, counting())
	require.NoError(t, f.step("createSecret", "v2"))

	require.Len(t, f.sm.puts, 1)
	put := f.sm.puts[0]
	assert.Equal(t, testARN, aws.ToString(put.SecretId))
	assert.Equal(t, "v2", aws.ToString(put.ClientRequestToken))
	assert.Equal(t, counting32, aws.ToString(put.SecretString))
	assert.Equal(t, []string{"AWSPENDING"}, put.VersionStages)
	assert.Equal(t, rotationToken, aws.ToString(put.RotationToken), "the rotation token is passed back")
	assert.Equal(t, []string{"AWSPENDING"}, f.sm.stagesOf("v2"))
	assert.Equal(t, []string{"AWSCURRENT"}, f.sm.stagesOf("v1"), "AWSCURRENT does not move before finishSecret")
}

func TestCreateSecretWithoutRotationToken(t *testing.T) {
	f := newRotationFixture(t, counting())
	require.NoError(t, f.r.Handle(context.Background(), rotationEvent{SecretID: testARN, ClientRequestToken: "v2", Step: "createSecret"}))
	require.Len(t, f.sm.puts, 1)
	assert.Nil(t, f.sm.puts[0].RotationToken)
}

func TestCreateSecretIsIdempotent(t *testing.T) {
	f := newRotationFixture(t, counting())
	require.NoError(t, f.step("createSecret", "v2"))
	// A retry with another random source keeps the first value.
	f.r.random = bytes.NewReader(bytes.Repeat([]byte{0xff}, 64))
	require.NoError(t, f.step("createSecret", "v2"))

	assert.Len(t, f.sm.puts, 1, "the second run finds the pending value and stores nothing")
	assert.Equal(t, counting32, f.sm.valueOf("v2"))
}

func TestCreateSecretFailures(t *testing.T) {
	t.Run("the pending version cannot be read", func(t *testing.T) {
		f := newRotationFixture(t, counting())
		f.sm.getErr = errors.New("AccessDeniedException: no")
		err := f.step("createSecret", "v2")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "reading the pending version: AccessDeniedException")
		assert.Empty(t, f.sm.puts, "only a missing value means create")
	})
	t.Run("no randomness", func(t *testing.T) {
		f := newRotationFixture(t, bytes.NewReader(make([]byte, 10)))
		err := f.step("createSecret", "v2")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "generating the new value")
		assert.Empty(t, f.sm.puts)
	})
}

// The first rotation of a secret created without a value (secret.Secret
// creates none): no version is current, so AWSCURRENT is only added.
func TestFirstRotationOfAnEmptySecret(t *testing.T) {
	sm := newFakeSecretsManager(testARN)
	sm.startRotation("v1")
	r := newRotator(clients{secrets: sm}, counting(), slog.New(slog.DiscardHandler))
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		require.NoError(t, r.Handle(context.Background(), rotationEvent{SecretID: testARN, ClientRequestToken: "v1", Step: step}), step)
	}
	assert.Equal(t, []string{"AWSCURRENT"}, sm.stagesOf("v1"))
	assert.Equal(t, counting32, sm.valueOf("v1"))
	require.NotEmpty(t, sm.updates)
	assert.Nil(t, sm.updates[0].RemoveFromVersionId)
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*fakeSecretsManager)
		event rotationEvent
		want  string
		calls []string
	}{
		{
			name:  "rotation disabled",
			setup: func(sm *fakeSecretsManager) { sm.rotationEnabled = false },
			event: rotationEvent{SecretID: testARN, ClientRequestToken: "v2", Step: "createSecret"},
			want:  "rotation is not enabled",
			calls: []string{"DescribeSecret"},
		},
		{
			name:  "unknown token",
			event: rotationEvent{SecretID: testARN, ClientRequestToken: "v9", Step: "createSecret"},
			want:  "version v9 is not a version of the secret",
			calls: []string{"DescribeSecret"},
		},
		{
			name:  "a version that is not pending",
			setup: func(sm *fakeSecretsManager) { sm.addVersion("v0", aws.String(oldKey), "AWSPREVIOUS") },
			event: rotationEvent{SecretID: testARN, ClientRequestToken: "v0", Step: "finishSecret"},
			want:  "version v0 is not labelled AWSPENDING",
			calls: []string{"DescribeSecret"},
		},
		{
			name:  "unknown step",
			event: rotationEvent{SecretID: testARN, ClientRequestToken: "v2", Step: "create_secret"},
			want:  `unknown rotation step "create_secret"`,
		},
		{
			name:  "no step",
			event: rotationEvent{SecretID: testARN, ClientRequestToken: "v2"},
			want:  `unknown rotation step ""`,
		},
		{
			name:  "no secret",
			event: rotationEvent{ClientRequestToken: "v2", Step: "createSecret"},
			want:  "needs SecretId and ClientRequestToken",
		},
		{
			name:  "no token",
			event: rotationEvent{SecretID: testARN, Step: "createSecret"},
			want:  "needs SecretId and ClientRequestToken",
		},
		{
			name:  "another secret",
			event: rotationEvent{SecretID: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:other-XyZ123", ClientRequestToken: "v2", Step: "testSecret"},
			want:  "describing the secret: ResourceNotFoundException",
			calls: []string{"DescribeSecret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRotationFixture(t, counting())
			if tt.setup != nil {
				tt.setup(f.sm)
			}
			err := f.r.Handle(context.Background(), tt.event)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, tt.calls, f.sm.calls)
			assert.Equal(t, []string{"AWSCURRENT"}, f.sm.stagesOf("v1"), "nothing moved")
		})
	}
}

func TestTestSecretRefusesABadPendingValue(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("only-sixteen-byt"))
	tests := []struct {
		name  string
		value string
		want  string
	}{
		{"too short", short, "the pending version decodes to 16 bytes, fewer than 32"},
		{"31 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 31)), "decodes to 31 bytes"},
		{"not base64", "correct horse battery staple, not base64!", "the pending version is not standard base64"},
		{"URL-safe base64", strings.Repeat("-_", 22), "the pending version is not standard base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRotationFixture(t, counting())
			f.sm.addVersion("v2", aws.String(tt.value), stagePending)

			err := f.step("testSecret", "v2")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), tt.value)
			assert.NotContains(t, f.logs.String(), tt.value)
		})
	}
}

func TestTestSecretWithoutAPendingValue(t *testing.T) {
	f := newRotationFixture(t, counting())
	err := f.step("testSecret", "v2") // createSecret never ran
	require.Error(t, err)
	assert.Contains(t, err.Error(), "reading the pending version: ResourceNotFoundException")
}

// Neither the old value, the new one nor the rotation token reaches the log,
// at any level, through a rotation and a failed test.
func TestLogsNeverHoldTheSecret(t *testing.T) {
	f := newRotationFixture(t, rand.Reader)
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		require.NoError(t, f.step(step, "v2"))
	}
	newKey := f.sm.valueOf("v2")
	require.NotEmpty(t, newKey)
	f.sm.startRotation("v3")
	f.sm.addVersion("v3", aws.String("dG9vLXNob3J0"), stagePending)
	require.Error(t, f.step("testSecret", "v3"))

	logs := f.logs.String()
	require.NotEmpty(t, logs)
	for _, secret := range []string{newKey, oldKey, "dG9vLXNob3J0", rotationToken} {
		assert.NotContains(t, logs, secret)
	}
	raw, err := base64.StdEncoding.DecodeString(newKey)
	require.NoError(t, err)
	assert.NotContains(t, logs, string(raw))

	// The log is JSON lines naming the secret, version and step.
	var steps []string
	for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
		var entry map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &entry), line)
		assert.Equal(t, testARN, entry["secretId"])
		steps = append(steps, entry["step"].(string))
	}
	assert.Equal(t, []string{"createSecret", "setSecret", "testSecret", "finishSecret", "testSecret"}, steps)
	assert.Contains(t, logs, `"level":"ERROR","msg":"rotation step failed"`)
}

func TestNewFromEnvironmentWithoutAClient(t *testing.T) {
	var logs bytes.Buffer
	r := newFromEnvironment(context.Background(),
		func(context.Context) (clients, error) {
			return clients{}, errors.New("loading the AWS configuration: no region")
		},
		slog.New(slog.NewJSONHandler(&logs, nil)))
	err := r.Handle(context.Background(), rotationEvent{SecretID: testARN, ClientRequestToken: "v2", Step: "createSecret"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "loading the AWS configuration: no region")
	assert.Contains(t, logs.String(), "no region")
}

func TestNewFromEnvironmentUsesCryptoRand(t *testing.T) {
	sm := newFakeSecretsManager(testARN)
	db := newFakeRDS()
	r := newFromEnvironment(context.Background(), func(context.Context) (clients, error) { return clients{secrets: sm, rds: db}, nil }, slog.New(slog.DiscardHandler))
	require.NoError(t, r.startErr)
	assert.Same(t, sm, r.secrets)
	assert.Same(t, db, r.rds)
	assert.Equal(t, rand.Reader, r.random)
}
