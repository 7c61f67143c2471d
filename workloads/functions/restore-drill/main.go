// Command restore-drill is the validator of the restore drills of
// components/restoredrill, with two invocations:
//
//   - EventBridge's "Restore Job State Change" event of the drill's
//     restore testing plan (COMPLETED, FAILED, ABORTED): it reads the job,
//     and for a completed one connects to the restored instance over TLS
//     (verify-full against RDS's CA bundle) as the master user, reads what
//     the backend's migration creates (the notes table, its index, the app
//     role, the table's rows), after checking that the copy is private and
//     encrypted with the database's key, reports SUCCESSFUL or FAILED to AWS Backup
//     (PutRestoreValidationResult) and publishes DrillSucceeded,
//     RestoreMinutes and DataAgeHours; a restore that did not complete
//     publishes DrillSucceeded 0.
//   - EventBridge Scheduler's daily run: it publishes DaysSinceLastSuccess,
//     the days since the plan's last restore job whose validation
//     succeeded (or since the plan was created), which CloudWatch can alarm
//     on however long the drills' schedule is.
//
// Environment: RESTORE_TESTING_PLAN, METRIC_NAMESPACE, DB_SECRET_ARN,
// DB_KEY_ARN, DB_NAME (required), RDS_CA_BUNDLE_URL (optional). AWS calls: backup:
// DescribeRestoreJob, PutRestoreValidationResult, GetRestoreTestingPlan,
// ListRestoreJobs; rds:DescribeDBInstances; secretsmanager:GetSecretValue
// on the master secret; cloudwatch:PutMetricData.
// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing-validation.html
package main

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// main starts the Lambda runtime loop. A bad environment does not stop the
// process: every invocation then fails with the error naming the variable.
func main() {
	logger := lambdaenv.Logger()
	lambda.Start(newFromEnv(context.Background(), os.Getenv, loadClients, http.DefaultClient, logger).Handle)
}

// loadClients builds the clients from the execution environment's region
// and role credentials.
func loadClients(ctx context.Context) (clients, error) {
	cfg, err := lambdaenv.AWSConfig(ctx)
	if err != nil {
		return clients{}, err
	}
	return clients{
		backup:  backup.NewFromConfig(cfg),
		rds:     rds.NewFromConfig(cfg),
		secrets: secretsmanager.NewFromConfig(cfg),
		metrics: cloudwatch.NewFromConfig(cfg),
	}, nil
}

// newFromEnv reads the settings, builds the clients and downloads the CA
// bundle once per execution environment; a failure is kept and returned
// by every invocation.
func newFromEnv(ctx context.Context, getenv func(string) string, load func(context.Context) (clients, error), httpClient *http.Client, logger *slog.Logger) *drill {
	d := &drill{logger: logger, now: time.Now}
	s, err := configFromEnv(getenv)
	if err != nil {
		d.initErr = err
		return d
	}
	d.s = s
	if d.c, err = load(ctx); err != nil {
		d.initErr = err
		return d
	}
	d.check = lazyRoots(httpClient, s.caBundleURL)
	return d
}

// lazyRoots is the check with the CA bundle downloaded at the first
// check and kept once it parsed: the daily run never needs it, and a
// failed download is retried at the next drill.
func lazyRoots(httpClient *http.Client, url string) checkFunc {
	var (
		mu    sync.Mutex
		check checkFunc
	)
	return func(ctx context.Context, t target) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if check == nil {
			roots, err := fetchCABundle(ctx, httpClient, url)
			if err != nil {
				return "", err
			}
			check = pgCheck(roots)
		}
		return check(ctx, t)
	}
}
