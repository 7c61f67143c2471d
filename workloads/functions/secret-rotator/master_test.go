package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	masterARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:refarch-prod-db/master-AbCdEf"
	writerID  = "refarch-prod-db"
	// managedARN is the secret RDS keeps a password it manages in.
	managedARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:rds!db-0123-AbCdEf"
)

// masterFixture is the master secret of writerID, tagged as
// components/postgres tags it, with a rotation of it to v2 started.
type masterFixture struct {
	sm    *fakeSecretsManager
	db    *fakeRDS
	r     *rotator
	logs  *bytes.Buffer
	slept time.Duration
}

func newMasterFixture(t *testing.T, writer dbInstance) *masterFixture {
	t.Helper()
	sm := newFakeSecretsManager(masterARN)
	sm.tags = map[string]string{rotationTag: kindMasterPassword, instanceTag: writerID}
	sm.startRotation("v2")
	db := newFakeRDS()
	db.add(writer)
	logs := &bytes.Buffer{}
	f := &masterFixture{sm: sm, db: db, logs: logs}
	f.r = newRotator(clients{secrets: sm, rds: db}, rand.Reader, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	f.r.sleep = func(_ context.Context, d time.Duration) error {
		f.slept += d
		return nil
	}
	return f
}

func (f *masterFixture) step(step string) error {
	return f.r.Handle(context.Background(), rotationEvent{SecretID: masterARN, ClientRequestToken: "v2", Step: step})
}

// writer is the instance components/postgres creates, available.
func writer() dbInstance {
	return dbInstance{
		Identifier: writerID, Status: statusAvailable, Engine: "postgres",
		Address: writerID + ".c0abcdefghij.us-west-2.rds.amazonaws.com", Port: 5432,
		MasterUsername: "dbadmin", DBName: "app",
	}
}

func (f *masterFixture) pending(t *testing.T) masterSecret {
	t.Helper()
	var m masterSecret
	require.NoError(t, json.Unmarshal([]byte(f.sm.valueOf("v2")), &m))
	return m
}

func TestMasterRotationSetsThePasswordThroughRDSAndWaitsForIt(t *testing.T) {
	f := newMasterFixture(t, writer())
	f.sm.addVersion("v1", aws.String(`{"username":"dbadmin","password":"old-password"}`), stageCurrent)

	require.NoError(t, f.step("createSecret"))
	m := f.pending(t)
	assert.Equal(t, masterSecret{
		Engine: "postgres", Host: writer().Address, Port: 5432, Username: "dbadmin", Password: m.Password, DBName: "app",
		DBInstanceIdentifier: writerID,
	}, m, "AWS's JSON structure of an RDS for PostgreSQL secret, from DescribeDBInstances")
	assert.Len(t, m.Password, passwordLength)
	require.NoError(t, checkPassword(m.Password))
	assert.Equal(t, []string{"AWSCURRENT"}, f.sm.stagesOf("v1"), "nothing is current before the database has the password")
	assert.Equal(t, []string{"DescribeDBInstances"}, f.db.calls)

	require.NoError(t, f.step("setSecret"))
	require.Len(t, f.db.modifies, 1)
	assert.Equal(t, modifyPassword{Identifier: writerID, Password: m.Password}, f.db.modifies[0], "ApplyImmediately, RDS keeps not managing it")
	assert.Empty(t, f.db.password(writerID), "RDS applies it asynchronously")

	// testSecret polls until RDS has applied it (two polls pending here).
	require.NoError(t, f.step("testSecret"))
	assert.Equal(t, m.Password, f.db.password(writerID))
	assert.Equal(t, 2*pollInterval, f.slept)
	assert.Equal(t, []string{"DescribeDBInstances", "DescribeDBInstances", "ModifyDBInstance", "DescribeDBInstances", "DescribeDBInstances", "DescribeDBInstances"}, f.db.calls)

	require.NoError(t, f.step("finishSecret"))
	assert.Equal(t, []string{"AWSCURRENT"}, f.sm.stagesOf("v2"))
	assert.Equal(t, []string{"AWSPREVIOUS"}, f.sm.stagesOf("v1"))

	// The password never reaches the log; the instance and host do.
	assert.NotContains(t, f.logs.String(), m.Password)
	assert.Contains(t, f.logs.String(), `"dbInstanceIdentifier":"`+writerID+`"`)
}

// The first rotation of a writer created while RDS managed its password
// (dev before the fix) turns that off in the same ModifyDBInstance: RDS
// requires a new MasterUserPassword with it.
func TestMasterFirstRotationEndsRDSManagement(t *testing.T) {
	w := writer()
	w.ManagedSecretARN = managedARN
	f := newMasterFixture(t, w)
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		require.NoError(t, f.step(step), step)
	}
	require.Len(t, f.db.modifies, 1)
	assert.True(t, f.db.modifies[0].StopManaging, "ManageMasterUserPassword false with the new password")
	assert.Equal(t, f.pending(t).Password, f.db.password(writerID))
	assert.Equal(t, []string{"AWSCURRENT"}, f.sm.stagesOf("v2"), "a first rotation: nothing was current")
}

func TestMasterSetSecretWaitsForAnAvailableInstance(t *testing.T) {
	f := newMasterFixture(t, writer())
	require.NoError(t, f.step("createSecret"))
	f.db.busyPolls[writerID] = 2 // e.g. a replica being created from it
	f.db.calls = nil
	require.NoError(t, f.step("setSecret"))
	assert.Equal(t, []string{"DescribeDBInstances", "DescribeDBInstances", "DescribeDBInstances", "ModifyDBInstance"}, f.db.calls)
	assert.Equal(t, 2*pollInterval, f.slept)
}

// testSecret waits a bounded time: at most maxWait, and never past the
// invocation's deadline; the version then stays pending.
func TestMasterTestSecretWaitIsBounded(t *testing.T) {
	f := newMasterFixture(t, writer())
	f.db.applyAfter = 1000
	require.NoError(t, f.step("createSecret"))
	require.NoError(t, f.step("setSecret"))

	f.r.maxWait = time.Minute
	err := f.step("testSecret")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not the new master password applied after 1m0s (status resetting-master-credentials, master password pending true")
	assert.Equal(t, time.Minute, f.slept)
	assert.Equal(t, []string{"AWSPENDING"}, f.sm.stagesOf("v2"), "not current")

	// A deadline 20 s away leaves 5 s: one poll, no wait.
	f.slept = 0
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = f.r.Handle(ctx, rotationEvent{SecretID: masterARN, ClientRequestToken: "v2", Step: "testSecret"})
	require.Error(t, err)
	assert.Zero(t, f.slept)
	assert.Equal(t, maxMasterWait, newRotator(clients{}, rand.Reader, slog.New(slog.DiscardHandler)).maxWait, "4 minutes outside tests")
}

func TestMasterCreateSecretIsIdempotent(t *testing.T) {
	f := newMasterFixture(t, writer())
	require.NoError(t, f.step("createSecret"))
	first := f.sm.valueOf("v2")
	require.NoError(t, f.step("createSecret"))
	assert.Equal(t, first, f.sm.valueOf("v2"))
	assert.Len(t, f.sm.puts, 1)
}

func TestMasterRefusals(t *testing.T) {
	replica := writer()
	replica.ReplicaSourceIdentifier = "refarch-prod-db-source"
	noEndpoint := writer()
	noEndpoint.Address, noEndpoint.Port = "", 0
	tests := []struct {
		name  string
		setup func(*masterFixture)
		step  string
		want  string
	}{
		{"no instance tag", func(f *masterFixture) { delete(f.sm.tags, instanceTag) }, "createSecret", "no DBInstanceIdentifier tag"},
		{"unknown kind", func(f *masterFixture) { f.sm.tags[rotationTag] = "ldap" }, "createSecret", `unknown kind of secret "ldap"`},
		{"a replica", func(f *masterFixture) { f.db.add(replica) }, "createSecret", "is a read replica of refarch-prod-db-source"},
		{"an instance being created", func(f *masterFixture) { f.db.add(noEndpoint) }, "createSecret", "has no endpoint yet"},
		{"an instance that is gone", func(f *masterFixture) { f.sm.tags[instanceTag] = "gone" }, "createSecret", "DBInstanceNotFound"},
		{"a value of another instance", func(f *masterFixture) {
			f.sm.addVersion("v2", aws.String(`{"engine":"postgres","host":"h","port":5432,"username":"u","password":"abcdefgh12","dbInstanceIdentifier":"other"}`), stagePending)
		}, "setSecret", `names instance "other"`},
		{"a password RDS refuses", func(f *masterFixture) {
			f.sm.addVersion("v2", aws.String(`{"engine":"postgres","host":"h","port":5432,"username":"u","password":"has@sign","dbInstanceIdentifier":"`+writerID+`"}`), stagePending)
		}, "setSecret", "a character RDS refuses"},
		{"not JSON", func(f *masterFixture) { f.sm.addVersion("v2", aws.String("s3cr3t-not-json"), stagePending) }, "testSecret", "not the JSON of an RDS secret"},
		{"no RDS client", func(f *masterFixture) { f.r.rds = nil }, "createSecret", "no RDS client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newMasterFixture(t, writer())
			tt.setup(f)
			err := f.step(tt.step)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "s3cr3t")
			assert.NotContains(t, err.Error(), "has@sign")
			assert.Empty(t, f.db.modifies, "nothing changed in RDS")
		})
	}
}

// A generated secret (no tag) never reaches RDS.
func TestGeneratedSecretsNeverCallRDS(t *testing.T) {
	sm := newFakeSecretsManager(testARN)
	sm.startRotation("v1")
	db := newFakeRDS()
	r := newRotator(clients{secrets: sm, rds: db}, rand.Reader, slog.New(slog.DiscardHandler))
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		require.NoError(t, r.Handle(context.Background(), rotationEvent{SecretID: testARN, ClientRequestToken: "v1", Step: step}), step)
	}
	assert.Empty(t, db.calls)
	assert.False(t, strings.HasPrefix(sm.valueOf("v1"), "{"), "a base64 key, not JSON")
}

func TestGeneratedPasswordsAreWhatRDSAccepts(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		pw, err := generatePassword(rand.Reader)
		require.NoError(t, err)
		require.NoError(t, checkPassword(pw))
		assert.False(t, seen[pw])
		seen[pw] = true
	}
	_, err := generatePassword(strings.NewReader("short"))
	require.Error(t, err)
	for pw, ok := range map[string]bool{
		"abcdefgh": true, strings.Repeat("x", 128): true, "Ab1!#$%^&*()~": true,
		"seven77": false, strings.Repeat("x", 129): false, "a/bcdefgh": false, `a"bcdefgh`: false,
		"a@bcdefgh": false, "a bcdefgh": false, "a\tbcdefgh": false, "aébcdefgh": false,
	} {
		assert.Equal(t, ok, checkPassword(pw) == nil, "%q", pw)
	}
}
