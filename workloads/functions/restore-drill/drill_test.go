package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/restoredrill"
)

const (
	planName    = "refarch_prod_db_drill"
	secretARN   = "arn:aws:secretsmanager:us-west-2:123456789012:secret:refarch-prod-db/master-AbCdEf"
	restoredARN = "arn:aws:rds:us-west-2:123456789012:db:awsbackup-restore-test-123"
	dbKeyARN    = "arn:aws:kms:us-west-2:123456789012:key/1111"
)

var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// world is a drill with fake AWS APIs and a recording check.
type world struct {
	d       *drill
	backup  *fakeBackup
	rds     *fakeRDS
	metrics *fakeCloudWatch
	planARN string
	checked []target
	checkFn func(target) (string, error)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{backup: newFakeBackup(), metrics: &fakeCloudWatch{}}
	w.planARN = w.backup.addPlan(planName, now.Add(-100*24*time.Hour))
	w.rds = &fakeRDS{instances: map[string]rdstypes.DBInstance{restoredARN: {
		DBInstanceIdentifier: aws.String("awsbackup-restore-test-123"),
		Endpoint:             &rdstypes.Endpoint{Address: aws.String("awsbackup-restore-test-123.abc.us-west-2.rds.amazonaws.com"), Port: aws.Int32(5432)},
		PubliclyAccessible:   aws.Bool(false),
		StorageEncrypted:     aws.Bool(true),
		KmsKeyId:             aws.String(dbKeyARN),
	}}}
	secrets := &fakeSecrets{arn: secretARN, stages: map[string]string{
		"AWSCURRENT":  `{"username":"dbadmin","password":"current"}`,
		"AWSPREVIOUS": `{"username":"dbadmin","password":"previous"}`,
	}}
	w.checkFn = func(target) (string, error) { return "notes table (3 rows)", nil }
	w.d = &drill{
		s:      settings{plan: planName, namespace: "refarch/RestoreDrill", secretARN: secretARN, keyARN: dbKeyARN, database: "app"},
		c:      clients{backup: w.backup, rds: w.rds, secrets: secrets, metrics: w.metrics},
		logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		now:    func() time.Time { return now },
	}
	w.d.check = func(_ context.Context, tg target) (string, error) {
		w.checked = append(w.checked, tg)
		return w.checkFn(tg)
	}
	return w
}

// job adds a restore job of the plan: created at created, taking took,
// restoring a backup of age hours.
func (w *world) job(id string, status backuptypes.RestoreJobStatus, created time.Time, took time.Duration, age float64) {
	j := &backup.DescribeRestoreJobOutput{
		RestoreJobId:              aws.String(id),
		Status:                    status,
		CreationDate:              aws.Time(created),
		RecoveryPointCreationDate: aws.Time(created.Add(-time.Duration(age * float64(time.Hour)))),
		CreatedResourceArn:        aws.String(restoredARN),
	}
	if status == backuptypes.RestoreJobStatusCompleted {
		j.CompletionDate = aws.Time(created.Add(took))
	}
	w.backup.addJob(w.planARN, j)
}

func restoreEvent(id string) json.RawMessage {
	return json.RawMessage(`{"source":"aws.backup","detail-type":"Restore Job State Change","detail":{"restoreJobId":"` + id + `","status":"COMPLETED"}}`)
}

func TestACompletedRestoreThatPassesItsCheckIsReportedAndMeasured(t *testing.T) {
	w := newWorld(t)
	w.job("job-1", backuptypes.RestoreJobStatusCompleted, now.Add(-time.Hour), 42*time.Minute, 5)
	require.NoError(t, w.d.Handle(context.Background(), restoreEvent("job-1")))

	j := w.backup.job("job-1")
	assert.Equal(t, backuptypes.RestoreValidationStatusSuccessful, j.ValidationStatus)
	assert.Contains(t, aws.ToString(j.ValidationStatusMessage), "notes table (3 rows)")
	require.Len(t, w.checked, 1)
	tg := w.checked[0]
	assert.Equal(t, "awsbackup-restore-test-123.abc.us-west-2.rds.amazonaws.com", tg.host, "the restored instance, not the writer")
	assert.Equal(t, 5432, tg.port)
	assert.Equal(t, "app", tg.database)
	assert.Equal(t, "dbadmin", tg.user)
	assert.Equal(t, []string{"current", "previous"}, tg.passwords, "the backup may predate the last rotation")
	assert.Equal(t, map[string]float64{"DrillSucceeded": 1, "RestoreMinutes": 42, "DataAgeHours": 5}, w.metrics.values())
	assert.Equal(t, []string{"RestoreTestingPlan=" + planName}, w.metrics.dimensions())
}

func TestARestoreThatFailsItsCheckIsReportedFailed(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(w *world)
		reason string
	}{
		{"the check fails", func(w *world) {
			w.checkFn = func(target) (string, error) {
				return "", errors.New("the restored database lacks what the migration creates: [the notes table]")
			}
		}, "the notes table"},
		{"the instance is public", func(w *world) {
			inst := w.rds.instances[restoredARN]
			inst.PubliclyAccessible = aws.Bool(true)
			w.rds.instances[restoredARN] = inst
		}, "publicly accessible"},
		{"the instance has another key", func(w *world) {
			inst := w.rds.instances[restoredARN]
			inst.KmsKeyId = aws.String("arn:aws:kms:us-west-2:123456789012:key/2222")
			w.rds.instances[restoredARN] = inst
		}, "not encrypted with the database's key"},
		{"the instance is gone", func(w *world) { delete(w.rds.instances, restoredARN) }, "not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.job("job-2", backuptypes.RestoreJobStatusCompleted, now.Add(-time.Hour), 30*time.Minute, 2)
			tc.mutate(w)
			require.NoError(t, w.d.Handle(context.Background(), restoreEvent("job-2")), "a failed drill is a metric, not a function error")
			j := w.backup.job("job-2")
			assert.Equal(t, backuptypes.RestoreValidationStatusFailed, j.ValidationStatus)
			assert.Contains(t, aws.ToString(j.ValidationStatusMessage), tc.reason)
			v := w.metrics.values()
			assert.Equal(t, 0.0, v["DrillSucceeded"])
			assert.Equal(t, 30.0, v["RestoreMinutes"], "the restore itself is still measured")
		})
	}
}

func TestARestoreThatDidNotCompleteCountsAsAFailedDrill(t *testing.T) {
	for _, status := range []backuptypes.RestoreJobStatus{backuptypes.RestoreJobStatusFailed, backuptypes.RestoreJobStatusAborted} {
		t.Run(string(status), func(t *testing.T) {
			w := newWorld(t)
			w.job("job-3", status, now.Add(-time.Hour), 0, 26)
			require.NoError(t, w.d.Handle(context.Background(), restoreEvent("job-3")))
			assert.Empty(t, w.checked, "nothing to connect to")
			assert.NotContains(t, w.backup.calls, "PutRestoreValidationResult", "AWS Backup validates completed jobs only")
			assert.Equal(t, map[string]float64{"DrillSucceeded": 0, "DataAgeHours": 26}, w.metrics.values())
		})
	}
}

func TestAnUnknownRestoreJobIsAFunctionError(t *testing.T) {
	w := newWorld(t)
	err := w.d.Handle(context.Background(), restoreEvent("job-nope"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "job-nope")
	assert.Empty(t, w.metrics.calls, "nothing counted: the event is retried")
}

func TestTheDailyRunPublishesTheDaysSinceTheLastSuccessfulDrill(t *testing.T) {
	w := newWorld(t)
	// Five completed jobs over three pages: the newest success is 10 days
	// old; a newer one failed its validation and another plan's succeeded
	// yesterday.
	for i, days := range []int{70, 40, 10, 3} {
		w.job("ok-"+string(rune('a'+i)), backuptypes.RestoreJobStatusCompleted, now.Add(-time.Duration(days)*24*time.Hour), time.Hour, 5)
		status := backuptypes.RestoreValidationStatusSuccessful
		if days == 3 {
			status = backuptypes.RestoreValidationStatusFailed
		}
		j := w.backup.job("ok-" + string(rune('a'+i)))
		j.ValidationStatus = status
	}
	w.job("failed", backuptypes.RestoreJobStatusFailed, now.Add(-24*time.Hour), 0, 5)
	other := w.backup.addPlan("other", now.Add(-200*24*time.Hour))
	w.backup.addJob(other, &backup.DescribeRestoreJobOutput{RestoreJobId: aws.String("other-1"), Status: backuptypes.RestoreJobStatusCompleted,
		CompletionDate: aws.Time(now.Add(-24 * time.Hour)), ValidationStatus: backuptypes.RestoreValidationStatusSuccessful})

	require.NoError(t, w.d.Handle(context.Background(), json.RawMessage(`{}`)))
	// The success completed an hour after it was created, 10 days ago.
	assert.InDelta(t, 10-1.0/24, w.metrics.values()["DaysSinceLastSuccess"], 1e-9)
	assert.Equal(t, []string{"RestoreTestingPlan=" + planName}, w.metrics.dimensions())
}

func TestBeforeTheFirstSuccessTheDaysCountFromThePlansCreation(t *testing.T) {
	w := newWorld(t)
	w.job("failed", backuptypes.RestoreJobStatusFailed, now.Add(-24*time.Hour), 0, 5)
	require.NoError(t, w.d.Handle(context.Background(), nil))
	assert.InDelta(t, 100, w.metrics.values()["DaysSinceLastSuccess"], 1e-9)
}

func TestTheMetricsAreTheOnesTheAlarmsWatch(t *testing.T) {
	assert.Equal(t, restoredrill.MetricSucceeded, metricSucceeded)
	assert.Equal(t, restoredrill.MetricRestoreMinutes, metricRestoreMinutes)
	assert.Equal(t, restoredrill.MetricDataAgeHours, metricDataAgeHours)
	assert.Equal(t, restoredrill.MetricDaysSinceSuccess, metricDaysSinceSuccess)
	assert.Equal(t, restoredrill.DimensionPlan, dimensionPlan)
}

func TestABadEnvironmentFailsEveryInvocationNamingTheVariables(t *testing.T) {
	env := map[string]string{envPlan: "has-hyphens", envNamespace: "AWS/Backup", envSecret: "nope", envCABundle: "http://example.com/b.pem"}
	loaded := false
	d := newFromEnv(context.Background(), func(k string) string { return env[k] }, func(context.Context) (clients, error) {
		loaded = true
		return clients{}, nil
	}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := d.Handle(context.Background(), nil)
	require.Error(t, err)
	for _, v := range []string{envPlan, envNamespace, envSecret, envKey, envDatabase, envCABundle} {
		assert.Contains(t, err.Error(), v)
	}
	assert.False(t, loaded, "no client before the settings are right")
}

func TestTheDefaultCABundleIsAWSsGlobalBundleOverHTTPS(t *testing.T) {
	s, err := configFromEnv(func(k string) string {
		return map[string]string{envPlan: planName, envNamespace: "refarch/RestoreDrill", envSecret: secretARN, envKey: dbKeyARN, envDatabase: "app"}[k]
	})
	require.NoError(t, err)
	assert.Equal(t, "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem", s.caBundleURL)
}
