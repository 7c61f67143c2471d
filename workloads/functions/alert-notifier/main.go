// Command alert-notifier is an example Lambda function subscribed to an
// account's alert topic (SNS). It turns each message (a CloudWatch alarm
// notification, a Security Hub or GuardDuty finding forwarded by EventBridge,
// or anything else) into one readable text and posts it to a chat webhook
// (Slack, Microsoft Teams, Mattermost), whose URL it reads from Secrets
// Manager.
//
// Environment: WEBHOOK_SECRET_ARN (required: the secret whose SecretString
// is the https webhook URL), HTTP_TIMEOUT_SECONDS (optional, default 5,
// 1-30). AWS calls: secretsmanager:GetSecretValue on that secret.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// main starts the Lambda runtime loop. A bad environment does not stop the
// process: every invocation then fails with the error naming the variable.
func main() {
	logger := lambdaenv.Logger()
	lambda.Start(newFromEnv(context.Background(), os.Getenv, loadSecretsClient, logger).Handle)
}

// loadSecretsClient builds the Secrets Manager client from the execution
// environment's region and role credentials.
func loadSecretsClient(ctx context.Context) (secretsAPI, error) {
	cfg, err := lambdaenv.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(cfg), nil
}
