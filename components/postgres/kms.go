package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// keyUseActions are what RDS and Secrets Manager need of a key they encrypt
// with on a caller's behalf: data keys, grants for the instance's storage,
// and decryption.
var keyUseActions = []string{
	"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
	"kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey",
}

// KeyPolicy is the policy of the database's key. Two statements:
//
//   - admins (the deploy role) administer the key and cannot use it; the
//     account's IAM policies get no say over it;
//   - any principal of this account may use it, but only through RDS (the
//     instances, their snapshots, Performance Insights) and Secrets Manager
//     (the master user's secret) in this region: kms:ViaService and
//     kms:CallerAccount, the model of AWS managed keys. A service reading
//     the secret therefore needs secretsmanager:GetSecretValue on it and
//     nothing on the key, and nobody can decrypt with the key directly.
//
// Sources: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html,
// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.access-control.cmk-policy.html
func KeyPolicy(partition, account, region, name string, admins []string) iampolicy.Document {
	suffix := "amazonaws.com"
	if partition == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return iampolicy.New(
		keypolicy.Administration(admins),
		iampolicy.Statement{
			Sid:       "UseThroughRDSAndSecretsManager",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {"*"}},
			Action:    keyUseActions,
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {
				"kms:CallerAccount": {account},
				"kms:ViaService": {
					fmt.Sprintf("rds.%s.%s", region, suffix),
					fmt.Sprintf("secretsmanager.%s.%s", region, suffix),
				},
			}},
		},
		// The log groups RDS exports the writer's and the replicas' logs
		// to (LogGroupName), encrypted with the database's key too.
		keypolicy.CloudWatchLogs(partition, region, account, LogGroupName(name, "*"), LogGroupName(name+"-replica-*", "*")),
	)
}

// key creates the customer-managed key of the database and its alias.
func (b *builder) key() error {
	policy, err := KeyPolicy(b.partition, b.account, b.region, b.name, b.args.KeyAdministrators).JSON()
	if err != nil {
		return fmt.Errorf("key policy: %w", err)
	}
	key, err := kms.NewKey(b.ctx, b.name, &kms.KeyArgs{
		Description: pulumi.Sprintf("PostgreSQL %s: storage, snapshots, Performance Insights and the master user secret", b.name),
		// Yearly rotation (CIS AWS Foundations 3.6); the old material stays
		// for decrypting what it encrypted.
		EnableKeyRotation: pulumi.Bool(true),
		// The longest window: a scheduled deletion of the key that holds a
		// database's data can be cancelled for a month.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policy),
		Tags:                 tags(b.name + "-postgres"),
	}, b.protected()...)
	if err != nil {
		return fmt.Errorf("kms key: %w", err)
	}
	if _, err := kms.NewAlias(b.ctx, b.name, &kms.AliasArgs{
		Name:        pulumi.String("alias/" + b.name + "-postgres"),
		TargetKeyId: key.KeyId,
	}, b.child); err != nil {
		return fmt.Errorf("kms alias: %w", err)
	}
	b.keyARN = key.Arn
	b.pg.KeyARN = key.Arn
	return nil
}
