package secret_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
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
