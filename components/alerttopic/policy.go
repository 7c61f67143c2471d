package alerttopic

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
)

// topicKeyPolicy names exactly who may use the topic's key: its
// administrators manage it; the publishing services may generate data keys
// and decrypt, with the statement SNS documents for them, which has no
// condition: SNS makes the KMS calls of a service's delivery, and AWS
// documents no condition key those calls carry for every publisher
// (EventBridge's do not carry aws:SourceAccount), so a condition would
// drop every alert silently. The key encrypts this topic alone, so the
// services can use it for nothing else. The account's principals
// (applications publishing their own alerts) use it only through SNS.
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
		},
		keypolicy.ViaServices("AccountThroughSNS", a.Partition, a.AccountID, a.Region, []string{"sns"}),
	).JSON()
}

// Unconditioned are the publishers whose topic-policy statement may carry
// no condition, with the page that says so: "You can't use of Condition
// blocks in Amazon SNS topic policies for EventBridge" (sic).
var Unconditioned = map[string]string{
	"events.amazonaws.com": "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
}

// publisherStatements let each publishing service publish: on behalf of
// this account only (aws:SourceAccount) where the service supports the
// condition, without a condition where AWS documents that it does not
// (Unconditioned).
func publisherStatements(a AlertTopicArgs, arn string) []iampolicy.Statement {
	var conditioned, free []string
	for _, p := range a.Publishers {
		if _, ok := Unconditioned[p]; ok {
			free = append(free, p)
		} else {
			conditioned = append(conditioned, p)
		}
	}
	var out []iampolicy.Statement
	if len(conditioned) > 0 {
		out = append(out, iampolicy.Statement{
			Sid:       "PublishingServices",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": conditioned},
			Action:    []string{"sns:Publish"},
			Resource:  []string{arn},
			Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {a.AccountID}}},
		})
	}
	if len(free) > 0 {
		out = append(out, iampolicy.Statement{
			Sid:       "PublishingServicesWithoutConditions",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"Service": free},
			Action:    []string{"sns:Publish"},
			Resource:  []string{arn},
		})
	}
	return out
}

// topicPolicy replaces SNS's default topic policy: the account manages the
// topic and publishes to it, the publishing services publish (on behalf of
// this account only where the service supports the condition:
// publisherStatements), and nobody publishes without TLS.
// Source: https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
func topicPolicy(a AlertTopicArgs, topicARN pulumi.StringOutput) pulumi.StringOutput {
	return iampolicy.StringOutput([]pulumi.Input{topicARN}, func(v []any) (iampolicy.Document, error) {
		arn := v[0].(string)
		statements := []iampolicy.Statement{
			{
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
		}
		statements = append(statements, publisherStatements(a, arn)...)
		statements = append(statements, iampolicy.Statement{
			Sid:       "DenyPublishWithoutTLS",
			Effect:    iampolicy.Deny,
			Principal: iampolicy.Principal{"AWS": {"*"}},
			Action:    []string{"sns:Publish"},
			Resource:  []string{arn},
			Condition: iampolicy.Conditions{"Bool": {"aws:SecureTransport": {"false"}}},
		})
		return iampolicy.New(statements...), nil
	})
}
