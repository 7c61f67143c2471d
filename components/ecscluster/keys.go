package ecscluster

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// logKey creates the customer-managed key of the cluster's log groups and
// ECS Exec sessions. CloudWatch Logs may use it only for log groups of this
// account and region (the encryption context names the log group), and
// every other use goes through the account's IAM policies.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
func (b *builder) logKey() (pulumi.StringOutput, error) {
	stmts := []iampolicy.Statement{
		keypolicy.Administration(b.args.KeyAdministrators),
		keypolicy.CloudWatchLogs(b.partition, b.region, b.account, "*"),
	}
	if b.args.ExecuteCommand {
		// ECS Exec encrypts each session with the key: the task role
		// decrypts and the operator's session generates data keys, both
		// through their IAM policies, which this statement lets decide for
		// these two actions only.
		// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
		stmts = append(stmts, iampolicy.Statement{
			Sid:       "ExecSessionsThroughIAM",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(b.partition, b.account)}},
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource:  []string{"*"},
		})
	}
	doc, err := iampolicy.New(stmts...).JSON()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	keep := []pulumi.ResourceOption{b.child, pulumi.Protect(b.args.Protect), pulumi.RetainOnDelete(b.args.Protect)}
	key, err := kms.NewKey(b.ctx, b.name+"-logs", &kms.KeyArgs{
		Description:       pulumi.Sprintf("ECS cluster %s: container and ECS Exec logs", b.name),
		EnableKeyRotation: pulumi.Bool(true),
		// The longest waiting period: a key deleted by mistake can be
		// restored for 30 days before its logs become unreadable.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(doc),
	}, keep...)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := kms.NewAlias(b.ctx, b.name+"-logs", &kms.AliasArgs{
		Name:        pulumi.Sprintf("alias/ecs/%s/logs", b.name),
		TargetKeyId: key.KeyId,
	}, b.child); err != nil {
		return pulumi.StringOutput{}, err
	}
	return key.Arn, nil
}
