package function

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// key creates the function's own key: CloudWatch Logs may use it for the
// function's log group only, the account's principals only through SQS
// (the function's role, to write to its dead-letter queue), and the
// administrators manage it.
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html,
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
func (b *builder) key() (pulumi.StringOutput, error) {
	doc, err := iampolicy.New(
		keypolicy.Administration(b.a.KeyAdministrators),
		keypolicy.CloudWatchLogs(b.env.Partition, b.env.Region, b.env.Account, b.logGroup()),
		keypolicy.ViaServices("DeadLetterQueueThroughSQS", b.env.Partition, b.env.Account, b.env.Region, []string{"sqs"}),
	).JSON()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	key, err := kms.NewKey(b.ctx, b.name, &kms.KeyArgs{
		Description:       pulumi.Sprintf("Lambda function %s: logs and dead letters", b.name),
		EnableKeyRotation: pulumi.Bool(true),
		// A key deleted by mistake can be restored for 30 days.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(doc),
	}, b.child, pulumi.Protect(b.a.Protect), pulumi.RetainOnDelete(b.a.Protect))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := kms.NewAlias(b.ctx, b.name, &kms.AliasArgs{
		Name:        pulumi.Sprintf("alias/lambda/%s", b.name),
		TargetKeyId: key.KeyId,
	}, b.child); err != nil {
		return pulumi.StringOutput{}, err
	}
	return key.Arn, nil
}
