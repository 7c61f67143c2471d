package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The tags of the master user's secret, which tell its rotation function
// what to rotate: the secret's kind and the writer it holds the master
// user of. workloads/functions/secret-rotator reads the same two keys.
const (
	// RotationTag names the kind of a rotated secret; its value here is
	// RotationKindMasterPassword.
	RotationTag = "SecretRotation"
	// RotationKindMasterPassword is the kind of the master user's secret:
	// the rotation function sets the new password with
	// rds:ModifyDBInstance on the instance InstanceTag names.
	RotationKindMasterPassword = "rds-master-password"
	// InstanceTag holds the writer's RDS identifier.
	InstanceTag = "DBInstanceIdentifier"
)

// MasterSecretName is the Secrets Manager name of the master user's secret
// of the database named name.
func MasterSecretName(name string) string { return name + "/master" }

// Master passwords: what RDS accepts for RDS for PostgreSQL, "any printable
// ASCII character except "/", """, or "@"" (and no space), from 8 to 128
// characters (CheckMasterPassword). The initial one is 32 letters and
// digits from Secrets Manager; the rotator's are its own.
// Source: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html

// CheckMasterPassword returns the rule an RDS for PostgreSQL master
// password breaks, or "": 8 to 128 printable ASCII characters, none of
// '/', '"', '@' or a space.
func CheckMasterPassword(pw string) string {
	if len(pw) < 8 || len(pw) > 128 {
		return "must hold 8 to 128 characters (RDS for PostgreSQL)"
	}
	for _, c := range pw {
		if c <= ' ' || c > '~' || c == '/' || c == '"' || c == '@' {
			return `must hold printable ASCII characters only, none of '/', '"', '@' or a space`
		}
	}
	return ""
}

// initialPassword is the password the writer is created with: a random
// password Secrets Manager generates at every run (GetRandomPassword, 32
// letters and digits, which RDS accepts), marked secret, and never applied
// again after the creation (the writer ignores changes to it). The first
// rotation of the master secret replaces it within minutes, so the value
// Pulumi's state keeps is dead by the time anyone could read it. The
// randomness comes from AWS, not from the program: a program that plans
// (the offline engine answers the call) plans the same twice.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
func (b *builder) initialPassword() (pulumi.StringOutput, error) {
	got, err := secretsmanager.GetRandomPassword(b.ctx, &secretsmanager.GetRandomPasswordArgs{
		PasswordLength:     pulumi.IntRef(32),
		ExcludePunctuation: pulumi.BoolRef(true),
	}, b.child)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("the writer's initial password: %w", err)
	}
	if rule := CheckMasterPassword(got.RandomPassword); rule != "" {
		return pulumi.StringOutput{}, fmt.Errorf("the writer's initial password %s", rule)
	}
	return pulumi.ToSecret(pulumi.String(got.RandomPassword)).(pulumi.StringOutput), nil
}

// masterSecret creates the Secrets Manager secret of the master user,
// without a value: encrypted with the database's key, tagged for the
// rotation function (RotationTag, InstanceTag), recoverable for 30 days
// and protected with the database. The stack's rotation function writes
// every value, starting with the first rotation, in AWS's JSON structure
// of an RDS for PostgreSQL secret ({"engine", "host", "port", "username",
// "password", "dbname", "dbInstanceIdentifier"}), so a reader takes
// "username" and "password" from it.
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html,
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html
func (b *builder) masterSecret() error {
	name := MasterSecretName(b.name)
	secret, err := secretsmanager.NewSecret(b.ctx, name, &secretsmanager.SecretArgs{
		Name:                 pulumi.String(name),
		Description:          pulumi.Sprintf("master user of the PostgreSQL database %s (JSON: engine, host, port, username, password, dbname), written and rotated by the stack's secret rotator", b.name),
		KmsKeyId:             b.keyARN,
		RecoveryWindowInDays: pulumi.Int(30),
		Tags: pulumi.StringMap{
			"Name":      pulumi.String(name),
			RotationTag: pulumi.String(RotationKindMasterPassword),
			InstanceTag: pulumi.String(b.name),
		},
	}, b.protected()...)
	if err != nil {
		return fmt.Errorf("master user secret: %w", err)
	}
	b.pg.SecretARN = secret.Arn
	return nil
}
