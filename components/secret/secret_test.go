package secret_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/secret"
	"github.com/refarch/refarch/offline"
)

// account is where the unit provider deploys.
const account = offline.UnitAccount

const secretsKey = "arn:aws:kms:us-west-2:" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"

func runSecret(t *testing.T, args *secret.SecretArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := secret.NewSecret(ctx, "refarch/prod/api-key", args, pulumi.Provider(p))
		return err
	})
}

func TestSecretUsesTheSecretsKeyAndRotates(t *testing.T) {
	p, err := runSecret(t, &secret.SecretArgs{
		KMSKeyARN:         pulumi.String(secretsKey),
		RotationLambdaARN: pulumi.String("arn:aws:lambda:us-west-2:" + account + ":function:rotate"),
		Protect:           true,
	})
	require.NoError(t, err)
	s := p.Require(t, "aws:secretsmanager/secret:Secret", "refarch/prod/api-key")
	assert.Equal(t, secretsKey, s.String("kmsKeyId"), "never the AWS-managed key")
	assert.Equal(t, 30, s.Int("recoveryWindowInDays"))
	assert.True(t, s.Protect)
	assert.True(t, s.RetainOnDelete)
	rot := p.Require(t, "aws:secretsmanager/secretRotation:SecretRotation", "refarch/prod/api-key")
	assert.Equal(t, s.ID, rot.String("secretId"))
	assert.Equal(t, 30, rot.Int("rotationRules.automaticallyAfterDays"))
	assert.Empty(t, p.ByType("aws:secretsmanager/secretVersion:SecretVersion"), "the value never passes through the program")
}

func TestSecretWithoutRotationOrKey(t *testing.T) {
	p, err := runSecret(t, &secret.SecretArgs{KMSKeyARN: pulumi.String(secretsKey)})
	require.NoError(t, err)
	assert.Empty(t, p.ByType("aws:secretsmanager/secretRotation:SecretRotation"), "no rotation without a rotation function")
	assert.False(t, p.Require(t, "aws:secretsmanager/secret:Secret", "refarch/prod/api-key").Protect)

	p, err = runSecret(t, &secret.SecretArgs{RecoveryWindowDays: 3})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Args.KMSKeyARN")
	assert.Contains(t, err.Error(), "Args.RecoveryWindowDays")
	assert.Empty(t, p.ByType("aws:secretsmanager/secret:Secret"))
}

// TestRotationWaitsForTheInvokePermission checks a rotation is created
// after what RotationDependsOn names (the Lambda permission Secrets
// Manager needs to invoke the function at once), and rotates immediately.
func TestRotationWaitsForTheInvokePermission(t *testing.T) {
	fnARN := "arn:aws:lambda:us-west-2:" + account + ":function:rotate"
	p, err := offline.RunComponent(func(ctx *pulumi.Context, prov *aws.Provider) error {
		perm, err := lambda.NewPermission(ctx, "rotate-secrets", &lambda.PermissionArgs{
			Function: pulumi.String("rotate"), Action: pulumi.String("lambda:InvokeFunction"),
			Principal: pulumi.String("secretsmanager.amazonaws.com"),
		}, pulumi.Provider(prov))
		if err != nil {
			return err
		}
		_, err = secret.NewSecret(ctx, "refarch/prod/api-key", &secret.SecretArgs{
			KMSKeyARN:         pulumi.String(secretsKey),
			RotationLambdaARN: pulumi.String(fnARN),
			RotationDependsOn: []pulumi.Resource{perm},
		}, pulumi.Provider(prov))
		return err
	})
	require.NoError(t, err)
	perm := p.Require(t, "aws:lambda/permission:Permission", "rotate-secrets")
	rot := p.Require(t, "aws:secretsmanager/secretRotation:SecretRotation", "refarch/prod/api-key")
	assert.Contains(t, rot.DependsOn, perm.URN)
	assert.True(t, rot.Bool("rotateImmediately"))
	assert.Equal(t, fnARN, rot.String("rotationLambdaArn"))
}

func TestRotateRefusesIncompleteArgs(t *testing.T) {
	_, err := offline.RunComponent(func(ctx *pulumi.Context, prov *aws.Provider) error {
		_, err := secret.Rotate(ctx, "r", &secret.RotationArgs{SecretID: pulumi.String("s")}, pulumi.Provider(prov))
		return err
	})
	require.ErrorContains(t, err, "SecretID and LambdaARN are required")
	_, err = offline.RunComponent(func(ctx *pulumi.Context, prov *aws.Provider) error {
		_, err := secret.Rotate(ctx, "r", &secret.RotationArgs{SecretID: pulumi.String("s"), LambdaARN: pulumi.String("f"), Days: 1001}, pulumi.Provider(prov))
		return err
	})
	require.ErrorContains(t, err, "must be between 1 and 1000")
}
