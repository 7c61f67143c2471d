package alerttopic_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/alerttopic"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

const deployRole = "arn:aws:iam::123456789012:role/refarch-deploy"

func validArgs() *alerttopic.AlertTopicArgs {
	return &alerttopic.AlertTopicArgs{
		AccountID:         offline.UnitAccount,
		Region:            offline.UnitRegion,
		KeyAdministrators: []string{deployRole},
		Emails:            []string{"oncall@example.com", "Platform@example.com"},
	}
}

func run(t *testing.T, args *alerttopic.AlertTopicArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := alerttopic.NewAlertTopic(ctx, "alerts", args, pulumi.Provider(p))
		return err
	})
}

func TestTopicIsEncryptedWithItsOwnRotatingKey(t *testing.T) {
	p, err := run(t, validArgs())
	require.NoError(t, err)
	key := p.Find("aws:kms/key:Key", "alerts-key")
	topic := p.Find("aws:sns/topic:Topic", "alerts")
	require.NotNil(t, key)
	require.NotNil(t, topic)
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.Equal(t, key.Output("arn"), topic.Get("kmsMasterKeyId"), "the topic is encrypted with the component's key, not alias/aws/sns")
	assert.NotContains(t, topic.String("kmsMasterKeyId"), "alias/aws/sns")
	assert.Equal(t, "alerts", topic.String("name"))
	assert.False(t, key.Protect, "unprotected by default")

	alias := p.Find("aws:kms/alias:Alias", "alerts-key")
	require.NotNil(t, alias)
	assert.Equal(t, "alias/alerts", alias.String("name"))
	assert.Equal(t, key.Output("keyId"), alias.Get("targetKeyId"))

	comp := p.Find("refarch:alerttopic:AlertTopic", "alerts")
	require.NotNil(t, comp)
	for _, r := range []*offline.Resource{key, topic, alias} {
		assert.Equal(t, comp.URN, r.Parent, "%s is a child of the component", r.Name)
	}
}

func TestKeyPolicyNamesExactlyWhoMayUseTheKey(t *testing.T) {
	p, err := run(t, validArgs())
	require.NoError(t, err)
	st := p.Find("aws:kms/key:Key", "alerts-key").Statements(t, "policy")
	require.Len(t, st, 3)

	admin := st["KeyAdministration"]
	assert.Equal(t, map[string]any{"AWS": []any{deployRole}}, admin["Principal"])
	for _, action := range admin["Action"].([]any) {
		assert.NotContains(t, []string{"kms:*", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"}, action, "administrators may not use the key")
	}

	svc := st["PublishingServices"]
	assert.ElementsMatch(t, []any{"cloudwatch.amazonaws.com", "events.amazonaws.com"}, svc["Principal"].(map[string]any)["Service"])
	assert.Equal(t, []any{"kms:GenerateDataKey*", "kms:Decrypt"}, svc["Action"])
	// SNS's documented statement has no condition: EventBridge's deliveries
	// carry no aws:SourceAccount to KMS, and a condition would drop them.
	assert.Nil(t, svc["Condition"])

	via := st["AccountThroughSNS"]
	assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::" + offline.UnitAccount + ":root"}}, via["Principal"])
	cond := via["Condition"].(map[string]any)["StringEquals"].(map[string]any)
	assert.Equal(t, []any{"sns.us-west-2.amazonaws.com"}, cond["kms:ViaService"])
	assert.Equal(t, []any{offline.UnitAccount}, cond["kms:CallerAccount"])
}

func TestTopicPolicyAdmitsPublishersForThisAccountOnly(t *testing.T) {
	p, err := run(t, validArgs())
	require.NoError(t, err)
	topic := p.Find("aws:sns/topic:Topic", "alerts")
	pol := p.Find("aws:sns/topicPolicy:TopicPolicy", "alerts")
	require.NotNil(t, pol)
	assert.Equal(t, topic.Output("arn"), pol.Get("arn"))
	st := pol.Statements(t, "policy")

	pub := st["PublishingServices"]
	assert.Equal(t, []any{"cloudwatch.amazonaws.com"}, pub["Principal"].(map[string]any)["Service"])
	assert.Equal(t, []any{"sns:Publish"}, pub["Action"])
	assert.Equal(t, []any{topic.Output("arn")}, pub["Resource"])
	assert.Equal(t, []any{offline.UnitAccount}, pub["Condition"].(map[string]any)["StringEquals"].(map[string]any)["aws:SourceAccount"])

	// EventBridge: "You can't use of Condition blocks in Amazon SNS topic
	// policies for EventBridge."
	events := st["PublishingServicesWithoutConditions"]
	assert.Equal(t, []any{"events.amazonaws.com"}, events["Principal"].(map[string]any)["Service"])
	assert.Equal(t, []any{"sns:Publish"}, events["Action"])
	assert.Nil(t, events["Condition"], "no condition for EventBridge")

	tls := st["DenyPublishWithoutTLS"]
	assert.Equal(t, "Deny", tls["Effect"])
	assert.Equal(t, map[string]any{"Bool": map[string]any{"aws:SecureTransport": []any{"false"}}}, tls["Condition"])

	owner := st["AccountManagesAndPublishes"]
	assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::" + offline.UnitAccount + ":root"}}, owner["Principal"])
}

func TestEverySubscriberGetsAnEmailSubscription(t *testing.T) {
	p, err := run(t, validArgs())
	require.NoError(t, err)
	topic := p.Find("aws:sns/topic:Topic", "alerts")
	subs := p.ByType("aws:sns/topicSubscription:TopicSubscription")
	require.Len(t, subs, 2)
	var endpoints []string
	for _, s := range subs {
		assert.Equal(t, "email", s.String("protocol"))
		assert.Equal(t, topic.Output("arn"), s.Get("topic"))
		endpoints = append(endpoints, s.String("endpoint"))
	}
	assert.ElementsMatch(t, []string{"oncall@example.com", "Platform@example.com"}, endpoints)
	assert.NotNil(t, p.Find("aws:sns/topicSubscription:TopicSubscription", "alerts-platform-example-com"), "logical names derive from the address, not the list position")

	args := validArgs()
	args.Emails = nil
	p, err = run(t, args)
	require.NoError(t, err)
	assert.Empty(t, p.ByType("aws:sns/topicSubscription:TopicSubscription"), "no recipients, no subscription")
	assert.NotNil(t, p.Find("aws:sns/topic:Topic", "alerts"), "the topic exists even without recipients")
}

func TestProtectRetainsTheKey(t *testing.T) {
	args := validArgs()
	args.Protect = true
	p, err := run(t, args)
	require.NoError(t, err)
	key := p.Find("aws:kms/key:Key", "alerts-key")
	assert.True(t, key.Protect)
	assert.True(t, key.RetainOnDelete)
	assert.Equal(t, 30, key.Int("deletionWindowInDays"))
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(a *alerttopic.AlertTopicArgs)
		field string
	}{
		{"no account", func(a *alerttopic.AlertTopicArgs) { a.AccountID = "" }, "Args.AccountID"},
		{"bad region", func(a *alerttopic.AlertTopicArgs) { a.Region = "mars-1" }, "Args.Region"},
		{"no key administrator", func(a *alerttopic.AlertTopicArgs) { a.KeyAdministrators = nil }, "Args.KeyAdministrators"},
		{"administrator not an ARN", func(a *alerttopic.AlertTopicArgs) { a.KeyAdministrators = []string{"deploy"} }, "Args.KeyAdministrators[0]"},
		{"malformed email", func(a *alerttopic.AlertTopicArgs) { a.Emails = []string{"oncall"} }, "Args.Emails[0]"},
		{"duplicate email", func(a *alerttopic.AlertTopicArgs) { a.Emails = []string{"a@example.com", "A@example.com"} }, "Args.Emails[1]"},
		{"publisher not a service", func(a *alerttopic.AlertTopicArgs) { a.Publishers = []string{"*"} }, "Args.Publishers[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := validArgs()
			tc.edit(args)
			p, err := run(t, args)
			require.Error(t, err)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field), "error must name %s: %v", tc.field, err)
			assert.Empty(t, p.ByType("refarch:alerttopic:AlertTopic"), "nothing is registered before validation passes")
			assert.Empty(t, p.ByType("aws:sns/topic:Topic"))
		})
	}
}

func TestNameMustBeATopicName(t *testing.T) {
	for name, rule := range map[string]string{
		"alerts.prod":            "lower-case letters, digits and inner hyphens", // SNS refuses dots
		strings.Repeat("a", 101): "at most 100",                                  // the display name it defaults to
	} {
		_, err := offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
			_, err := alerttopic.NewAlertTopic(ctx, name, validArgs(), pulumi.Provider(p))
			return err
		})
		offline.RequireProblem(t, err, "name", rule)
	}
}

func TestCallerArgsAreNotModified(t *testing.T) {
	args := validArgs()
	_, err := run(t, args)
	require.NoError(t, err)
	assert.Empty(t, args.Publishers, "defaults are applied to a copy")
	assert.Empty(t, args.Partition)
}
