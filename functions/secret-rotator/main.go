// Command secret-rotator is an example Secrets Manager rotation function for
// generated secrets: values such as a session signing key that only the
// application reads, so rotating one means writing a new random value and
// moving the AWSCURRENT label to it, with nothing outside to update.
//
// Environment: none. AWS calls, on the rotated secret: secretsmanager:
// DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/refarch/refarch/functions/internal/lambdaenv"
)

// main starts the Lambda runtime loop. If the AWS configuration cannot be
// loaded, every invocation fails with that error.
func main() {
	logger := lambdaenv.Logger()
	lambda.Start(newFromEnvironment(context.Background(), loadSecretsClient, logger).Handle)
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
