package statebackend

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// keyDeletionWindowDays is KMS's longest: a scheduled deletion of the key
// that every stack's secrets depend on can be cancelled for 30 days.
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
const keyDeletionWindowDays = 30

// key creates the backend's key and its alias. The alias is protected like
// the key: every stack's secrets provider names it.
func (b *builder) key() (*kms.Key, *kms.Alias, error) {
	policy, err := keyPolicy(b.a)
	if err != nil {
		return nil, nil, err
	}
	key, err := kms.NewKey(b.ctx, b.name, &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the Pulumi state in s3://" + b.a.BucketName + " and the secrets of every stack stored there"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(keyDeletionWindowDays),
		Policy:               pulumi.String(policy),
	}, b.always()...)
	if err != nil {
		return nil, nil, err
	}
	alias, err := kms.NewAlias(b.ctx, b.name, &kms.AliasArgs{
		Name:        pulumi.String(AliasName(b.name)),
		TargetKeyId: key.KeyId,
	}, b.always()...)
	if err != nil {
		return nil, nil, err
	}
	return key, alias, nil
}
