// Package alerttopic provides AlertTopic, an account's alert topic: the SNS
// topic that CloudWatch alarms and EventBridge rules (security findings)
// publish to, with its e-mail subscriptions.
//
// The topic is encrypted with its own customer-managed KMS key, because
// CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed
// alias/aws/sns key (its policy cannot be changed to admit
// cloudwatch.amazonaws.com). The key and topic policies admit exactly the
// publishing services, on behalf of this account only, plus the account's
// own principals through SNS.
// Source: https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
package alerttopic

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// AlertTopic is an account's alert topic. It creates:
//
//   - a KMS key (rotated yearly, 30-day deletion window when Protect) whose
//     policy lets Args.KeyAdministrators manage it, Args.Publishers
//     (default cloudwatch.amazonaws.com and events.amazonaws.com) generate
//     data keys and decrypt with the statement SNS documents (no condition:
//     the key serves this topic alone), and the account's principals use it
//     through SNS only; and an alias alias/<name>;
//   - the SNS topic <name>, encrypted with that key, whose policy lets the
//     account manage and publish, the publishers publish on behalf of the
//     account only (aws:SourceAccount) except EventBridge, whose statement
//     AWS documents without conditions (Unconditioned), and refuses
//     publishing without TLS;
//   - one e-mail subscription per Args.Emails (each recipient confirms once).
//
// Arguments (all validated before anything is registered): AccountID,
// Region and KeyAdministrators are required; Partition defaults to the
// region's; Emails default to none; Publishers default to
// DefaultPublishers; DisplayName defaults to the name; Protect (default
// false) protects and retains the key.
type AlertTopic struct {
	pulumi.ResourceState

	// TopicARN is the alert topic's ARN: pass it to alarm actions and
	// EventBridge targets.
	TopicARN pulumi.StringOutput `pulumi:"topicArn"`
	// TopicName is the alert topic's name.
	TopicName pulumi.StringOutput `pulumi:"topicName"`
	// KeyARN is the ARN of the key encrypting the topic.
	KeyARN pulumi.StringOutput `pulumi:"keyArn"`
}

// NewAlertTopic creates the alert topic of an account. It validates args
// before registering anything.
func NewAlertTopic(ctx *pulumi.Context, name string, args *AlertTopicArgs, opts ...pulumi.ResourceOption) (*AlertTopic, error) {
	if args == nil {
		args = &AlertTopicArgs{}
	}
	a := args.withDefaults(name)
	if err := validate.Component("alert topic arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("alert topic %q: %w", name, err)
	}
	c := &AlertTopic{}
	if err := ctx.RegisterComponentResource("refarch:alerttopic:AlertTopic", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)

	keyPolicy, err := topicKeyPolicy(a)
	if err != nil {
		return nil, fmt.Errorf("alert topic %q: %w", name, err)
	}
	deletionWindow := 7
	if a.Protect {
		deletionWindow = 30
	}
	key, err := kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the alert topic " + name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(deletionWindow),
		Policy:               pulumi.String(keyPolicy),
	}, child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect))
	if err != nil {
		return nil, err
	}
	if _, err := kms.NewAlias(ctx, name+"-key", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + name),
		TargetKeyId: key.KeyId,
	}, child); err != nil {
		return nil, err
	}
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{
		Name:           pulumi.String(name),
		DisplayName:    pulumi.String(a.DisplayName),
		KmsMasterKeyId: key.Arn,
	}, child)
	if err != nil {
		return nil, err
	}
	if _, err := sns.NewTopicPolicy(ctx, name, &sns.TopicPolicyArgs{
		Arn:    topic.Arn,
		Policy: topicPolicy(a, topic.Arn),
	}, child); err != nil {
		return nil, err
	}
	for _, email := range a.Emails {
		if _, err := sns.NewTopicSubscription(ctx, name+"-"+subscriptionSuffix(email), &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, child); err != nil {
			return nil, err
		}
	}

	c.TopicARN = topic.Arn
	c.TopicName = topic.Name
	c.KeyARN = key.Arn
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"topicArn":  c.TopicARN,
		"topicName": c.TopicName,
		"keyArn":    c.KeyARN,
	})
}

// subscriptionSuffix turns an address into a stable logical-name part, so
// reordering Args.Emails never replaces a confirmed subscription.
func subscriptionSuffix(email string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '-'
	}, email)
}
