package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The metrics, each with the dimension dimensionPlan (components/restoredrill
// alarms on them under the same names).
const (
	metricSucceeded        = "DrillSucceeded"
	metricRestoreMinutes   = "RestoreMinutes"
	metricDataAgeHours     = "DataAgeHours"
	metricDaysSinceSuccess = "DaysSinceLastSuccess"
	dimensionPlan          = "RestoreTestingPlan"
)

// restoreJobEvent is the detail type of AWS Backup's restore job events.
// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
const restoreJobEvent = "Restore Job State Change"

// The clients' calls the function makes.
type (
	// backupAPI: backup:DescribeRestoreJob, PutRestoreValidationResult,
	// GetRestoreTestingPlan, ListRestoreJobs.
	backupAPI interface {
		DescribeRestoreJob(ctx context.Context, in *backup.DescribeRestoreJobInput, optFns ...func(*backup.Options)) (*backup.DescribeRestoreJobOutput, error)
		PutRestoreValidationResult(ctx context.Context, in *backup.PutRestoreValidationResultInput, optFns ...func(*backup.Options)) (*backup.PutRestoreValidationResultOutput, error)
		GetRestoreTestingPlan(ctx context.Context, in *backup.GetRestoreTestingPlanInput, optFns ...func(*backup.Options)) (*backup.GetRestoreTestingPlanOutput, error)
		ListRestoreJobs(ctx context.Context, in *backup.ListRestoreJobsInput, optFns ...func(*backup.Options)) (*backup.ListRestoreJobsOutput, error)
	}
	// rdsAPI: rds:DescribeDBInstances (the restored instance's endpoint).
	rdsAPI interface {
		DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	}
	// secretsAPI: secretsmanager:GetSecretValue (the master user's).
	secretsAPI interface {
		GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	}
	// cloudWatchAPI: cloudwatch:PutMetricData.
	cloudWatchAPI interface {
		PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
	}
)

// clients are the AWS clients.
type clients struct {
	backup  backupAPI
	rds     rdsAPI
	secrets secretsAPI
	metrics cloudWatchAPI
}

// target is what the check connects to.
type target struct {
	host           string
	port           int
	database, user string
	passwords      []string
}

// checkFunc connects to the restored database over TLS and reads what the
// migration created; it returns what it found, or why it failed.
type checkFunc func(ctx context.Context, t target) (string, error)

// drill handles the function's two invocations: EventBridge's restore job
// events, and the daily schedule's.
type drill struct {
	s       settings
	c       clients
	check   checkFunc
	logger  *slog.Logger
	now     func() time.Time
	initErr error
}

// event is the part of an EventBridge event the function reads. The
// scheduler's payload has no detail-type.
type event struct {
	DetailType string `json:"detail-type"`
	Detail     struct {
		RestoreJobID string `json:"restoreJobId"`
	} `json:"detail"`
}

// Handle validates and counts a restore job when the event is one,
// otherwise publishes the days since the last successful drill. A drill
// that fails is a metric (and a FAILED validation), not a function error:
// the function fails only when it could not report.
func (d *drill) Handle(ctx context.Context, raw json.RawMessage) error {
	if d.initErr != nil {
		return d.initErr
	}
	var e event
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("reading the event: %w", err)
		}
	}
	if e.DetailType == restoreJobEvent {
		if e.Detail.RestoreJobID == "" {
			return errors.New("a restore job event without detail.restoreJobId")
		}
		return d.restoreJob(ctx, e.Detail.RestoreJobID)
	}
	return d.daysSinceSuccess(ctx)
}

// restoreJob reads the job (the event is a notice; the job is the
// record), checks a completed one, reports the validation to AWS Backup
// and publishes the metrics.
// Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutRestoreValidationResult.html
func (d *drill) restoreJob(ctx context.Context, id string) error {
	job, err := d.c.backup.DescribeRestoreJob(ctx, &backup.DescribeRestoreJobInput{RestoreJobId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("describing restore job %s: %w", id, err)
	}
	log := d.logger.With("restoreJobId", id, "status", string(job.Status))
	var data []cwtypes.MetricDatum
	if job.CreationDate != nil && job.RecoveryPointCreationDate != nil {
		data = append(data, d.datum(metricDataAgeHours, job.CreationDate.Sub(*job.RecoveryPointCreationDate).Hours(), cwtypes.StandardUnitNone))
	}
	if job.Status != backuptypes.RestoreJobStatusCompleted {
		log.ErrorContext(ctx, "the drill's restore did not complete", "message", aws.ToString(job.StatusMessage))
		return d.publish(ctx, append(data, d.datum(metricSucceeded, 0, cwtypes.StandardUnitCount)))
	}
	if job.CreationDate != nil && job.CompletionDate != nil {
		data = append(data, d.datum(metricRestoreMinutes, job.CompletionDate.Sub(*job.CreationDate).Minutes(), cwtypes.StandardUnitNone))
	}
	found, checkErr := d.checkRestored(ctx, aws.ToString(job.CreatedResourceArn))
	status, message, ok := backuptypes.RestoreValidationStatusSuccessful, found, 1.0
	if checkErr != nil {
		status, message, ok = backuptypes.RestoreValidationStatusFailed, checkErr.Error(), 0
		log.ErrorContext(ctx, "the restored database failed its check", "error", checkErr)
	} else {
		log.InfoContext(ctx, "the restored database passed its check", "found", found)
	}
	if _, err := d.c.backup.PutRestoreValidationResult(ctx, &backup.PutRestoreValidationResultInput{
		RestoreJobId:            aws.String(id),
		ValidationStatus:        status,
		ValidationStatusMessage: aws.String(truncate(message, 1000)),
	}); err != nil {
		return fmt.Errorf("reporting the validation of restore job %s: %w", id, err)
	}
	return d.publish(ctx, append(data, d.datum(metricSucceeded, ok, cwtypes.StandardUnitCount)))
}

// checkRestored finds the restored instance's endpoint and the master
// user's credentials, and runs the check.
func (d *drill) checkRestored(ctx context.Context, arn string) (string, error) {
	if arn == "" {
		return "", errors.New("the restore job names no restored resource")
	}
	out, err := d.c.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("describing the restored instance %s: %w", arn, err)
	}
	if len(out.DBInstances) != 1 || out.DBInstances[0].Endpoint == nil {
		return "", fmt.Errorf("the restored instance %s has no endpoint", arn)
	}
	inst := out.DBInstances[0]
	if aws.ToBool(inst.PubliclyAccessible) {
		return "", fmt.Errorf("the restored instance %s is publicly accessible", arn)
	}
	if !aws.ToBool(inst.StorageEncrypted) || aws.ToString(inst.KmsKeyId) != d.s.keyARN {
		return "", fmt.Errorf("the restored instance %s is not encrypted with the database's key %s (storage encrypted %t, key %q)",
			arn, d.s.keyARN, aws.ToBool(inst.StorageEncrypted), aws.ToString(inst.KmsKeyId))
	}
	t := target{host: aws.ToString(inst.Endpoint.Address), port: int(aws.ToInt32(inst.Endpoint.Port)), database: d.s.database}
	// The restored instance has the master password of the backup's day.
	// The rotator changes it every 30 days and the drill restores a backup
	// at most a week old, so it is the current value or the previous one.
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/getting-started.html#term_version
	for _, stage := range []string{"AWSCURRENT", "AWSPREVIOUS"} {
		v, err := d.c.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(d.s.secretARN), VersionStage: aws.String(stage)})
		if err != nil {
			if stage == "AWSPREVIOUS" && isNotFound(err) {
				continue // never rotated yet
			}
			return "", fmt.Errorf("reading the master secret (%s): %w", stage, err)
		}
		var creds struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(v.SecretString)), &creds); err != nil || creds.Username == "" || creds.Password == "" {
			return "", fmt.Errorf("the master secret (%s) holds no username and password", stage)
		}
		if t.user == "" {
			t.user = creds.Username
		}
		t.passwords = append(t.passwords, creds.Password)
	}
	return d.check(ctx, t)
}

// daysSinceSuccess publishes the days since the last successful drill of
// the plan, or since the plan was created before the first.
// Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListRestoreJobs.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetRestoreTestingPlan.html
func (d *drill) daysSinceSuccess(ctx context.Context) error {
	plan, err := d.c.backup.GetRestoreTestingPlan(ctx, &backup.GetRestoreTestingPlanInput{RestoreTestingPlanName: aws.String(d.s.plan)})
	if err != nil {
		return fmt.Errorf("reading restore testing plan %s: %w", d.s.plan, err)
	}
	if plan.RestoreTestingPlan == nil || plan.RestoreTestingPlan.CreationTime == nil {
		return fmt.Errorf("restore testing plan %s has no creation time", d.s.plan)
	}
	since := *plan.RestoreTestingPlan.CreationTime
	in := &backup.ListRestoreJobsInput{
		ByRestoreTestingPlanArn: plan.RestoreTestingPlan.RestoreTestingPlanArn,
		ByStatus:                backuptypes.RestoreJobStatusCompleted,
	}
	for {
		page, err := d.c.backup.ListRestoreJobs(ctx, in)
		if err != nil {
			return fmt.Errorf("listing the restore jobs of %s: %w", d.s.plan, err)
		}
		for _, j := range page.RestoreJobs {
			if j.ValidationStatus == backuptypes.RestoreValidationStatusSuccessful && j.CompletionDate != nil && j.CompletionDate.After(since) {
				since = *j.CompletionDate
			}
		}
		if page.NextToken == nil {
			break
		}
		in.NextToken = page.NextToken
	}
	days := d.now().Sub(since).Hours() / 24
	d.logger.InfoContext(ctx, "days since the last successful drill", "plan", d.s.plan, "since", since, "days", days)
	return d.publish(ctx, []cwtypes.MetricDatum{d.datum(metricDaysSinceSuccess, math.Max(days, 0), cwtypes.StandardUnitNone)})
}

// datum is one value of a metric of the plan, now.
func (d *drill) datum(name string, v float64, unit cwtypes.StandardUnit) cwtypes.MetricDatum {
	return cwtypes.MetricDatum{
		MetricName: aws.String(name),
		Dimensions: []cwtypes.Dimension{{Name: aws.String(dimensionPlan), Value: aws.String(d.s.plan)}},
		Timestamp:  aws.Time(d.now()),
		Value:      aws.Float64(v),
		Unit:       unit,
	}
}

// publish sends the data in one PutMetricData call.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
func (d *drill) publish(ctx context.Context, data []cwtypes.MetricDatum) error {
	if _, err := d.c.metrics.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String(d.s.namespace), MetricData: data}); err != nil {
		return fmt.Errorf("publishing the drill's metrics: %w", err)
	}
	return nil
}

// truncate keeps a message within n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
