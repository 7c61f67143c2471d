// Command secret-rotator is an example Secrets Manager rotation function for
// two kinds of secrets, told apart by the secret's tag SecretRotation:
//
//   - Generated secrets (no tag): values such as a session signing key that
//     only the application reads, so rotating one means writing a new
//     random value and moving the AWSCURRENT label to it, with nothing
//     outside to update.
//   - RDS master passwords (SecretRotation = rds-master-password, and
//     DBInstanceIdentifier naming the instance): AWS's JSON structure of an
//     RDS for PostgreSQL secret, whose password the function sets with the
//     RDS API (ModifyDBInstance), waiting until RDS reports it applied
//     before the new version becomes AWSCURRENT. It needs no network path
//     to the database (master.go).
//
// Environment: none. AWS calls, on the rotated secret: secretsmanager:
// DescribeSecret, GetSecretValue, PutSecretValue, UpdateSecretVersionStage;
// for a master password, on its instance: rds:DescribeDBInstances,
// rds:ModifyDBInstance.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// main starts the Lambda runtime loop. If the AWS configuration cannot be
// loaded, every invocation fails with that error.
func main() {
	logger := lambdaenv.Logger()
	lambda.Start(newFromEnvironment(context.Background(), loadClients, logger).Handle)
}

// loadClients builds the Secrets Manager and RDS clients from the
// execution environment's region and role credentials.
func loadClients(ctx context.Context) (clients, error) {
	cfg, err := lambdaenv.AWSConfig(ctx)
	if err != nil {
		return clients{}, err
	}
	db, err := newSDKRDS(cfg)
	if err != nil {
		return clients{}, err
	}
	return clients{secrets: secretsmanager.NewFromConfig(cfg), rds: db}, nil
}
