// Command edge-probe is an example Lambda function invoked every minute by
// EventBridge Scheduler. It GETs each configured https URL and publishes,
// per URL, whether it answered (Success) and how fast (Latency) to
// CloudWatch, where alarms on those metrics mean "the site is down or
// slow". A failed probe is a metric, not a function error, so the
// function's own error alarm means "the probe itself is broken".
//
// Environment: PROBE_URLS (required: 1 to 10 comma-separated https URLs),
// METRIC_NAMESPACE (required, e.g. refarch/EdgeProbe),
// PROBE_TIMEOUT_SECONDS (optional, default 5, 1-30). AWS calls:
// cloudwatch:PutMetricData (the action takes no resource; restrict it
// with the cloudwatch:namespace condition key).
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// main starts the Lambda runtime loop. A bad environment does not stop the
// process: every invocation then fails with the error naming the variable.
func main() {
	logger := lambdaenv.Logger()
	lambda.Start(newFromEnv(context.Background(), os.Getenv, loadCloudWatchClient, logger).Handle)
}

// loadCloudWatchClient builds the CloudWatch client from the execution
// environment's region and role credentials.
func loadCloudWatchClient(ctx context.Context) (cloudWatchAPI, error) {
	cfg, err := lambdaenv.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return cloudwatch.NewFromConfig(cfg), nil
}
