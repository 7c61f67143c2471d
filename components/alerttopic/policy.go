package alerttopic

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// topicKeyPolicy names exactly who may use the topic's key: its
// administrators manage it; the publishing services may generate data keys
// and decrypt on behalf of this account only; the account's principals
// (applications publishing their own alerts) only through SNS.
// Source: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
func topicKeyPolicy(a AlertTopicArgs) (string, error) {
	return iampolicy.New(
		keypolicy.Administration(a.KeyAdministrators),
		iampolicy.Statement{
			Sid:       "PublishingServices",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": a.Publishers},
			Action:    []string{"kms:GenerateDataKey*", "kms:Decrypt"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {a.AccountID}}},
		},
		keypolicy.ViaServices("AccountThroughSNS", a.Partition, a.AccountID, a.Region, []string{"sns"}),
	).JSON()
}

// topicPolicy replaces SNS's default topic policy: the account manages the
// topic and publishes to it, the publishing services publish on behalf of
// this account only, and nobody publishes without TLS.
// Source: https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
func topicPolicy(a AlertTopicArgs, topicARN pulumi.StringOutput) pulumi.StringOutput {
	return iampolicy.StringOutput([]pulumi.Input{topicARN}, func(v []any) (iampolicy.Document, error) {
		arn := v[0].(string)
		return iampolicy.New(
			iampolicy.Statement{
				Sid:       "AccountManagesAndPublishes",
				Effect:    iampolicy.Allow,
				Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(a.Partition, a.AccountID)}},
				Action: []string{
					"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission",
					"sns:RemovePermission", "sns:DeleteTopic", "sns:Subscribe",
					"sns:ListSubscriptionsByTopic", "sns:Publish",
				},
				Resource: []string{arn},
			},
			iampolicy.Statement{
				Sid:       "PublishingServices",
				Effect:    iampolicy.Allow,
				Principal: iampolicy.Principal{"Service": a.Publishers},
				Action:    []string{"sns:Publish"},
				Resource:  []string{arn},
				Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {a.AccountID}}},
			},
			iampolicy.Statement{
				Sid:       "DenyPublishWithoutTLS",
				Effect:    iampolicy.Deny,
				Principal: iampolicy.Principal{"AWS": {"*"}},
				Action:    []string{"sns:Publish"},
				Resource:  []string{arn},
				Condition: iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
			},
		), nil
	})
}
