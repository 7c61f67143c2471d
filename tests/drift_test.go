package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// TestDriftAlertsReachEveryAccountsTopic: the nightly drift check
// (cmd/drift, the drift workflow) publishes as the account's preview role
// to refarch-<stack>-alerts, which cmd/bootstrap lets it do on that topic
// and on the key whose alias is alias/refarch-<stack>-alerts, through SNS
// (cmd/bootstrap's TestPreviewRolesMayAlertThroughTheirAccountsTopic).
// AWS lets it only when the topic has that name, its key that alias
// (kms:ResourceAliases is evaluated against the key's aliases), and the
// key policy leaves the account's principals its use through SNS (an IAM
// policy grants a key only where the key policy delegates to the
// account).
// Sources: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases,
// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam,
// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse
func TestDriftAlertsReachEveryAccountsTopic(t *testing.T) {
	for _, name := range baselineStacks() {
		p := plan(t, name)
		topicName := "refarch-" + name + "-alerts"
		topic := p.Require(t, "aws:sns/topic:Topic", topicName)
		assert.Equal(t, topicName, topic.String("name"), name)
		var key *offline.Resource
		for _, k := range p.ByType("aws:kms/key:Key") {
			if k.Output("arn") == topic.Get("kmsMasterKeyId") {
				key = k
			}
		}
		require.NotNil(t, key, "%s's topic is encrypted with a key of the stack", name)
		aliased := false
		for _, a := range p.ByType("aws:kms/alias:Alias") {
			target := a.Get("targetKeyId")
			if (target == key.Output("keyId") || target == key.Output("arn")) && a.String("name") == "alias/"+topicName {
				aliased = true
			}
		}
		assert.True(t, aliased, "%s's topic key has the alias the preview role's policy names", name)
		st := key.Statements(t, "policy")["AccountThroughSNS"]
		require.NotNil(t, st, "%s's topic key delegates its use through SNS to the account", name)
		assert.Equal(t, []string{"arn:aws:iam::" + accountOf(t)[name] + ":root"}, offline.Strings(st["Principal"].(map[string]any)["AWS"]), name)
		assert.Subset(t, offline.Strings(st["Action"]), []string{"kms:GenerateDataKey*", "kms:Decrypt"}, name)
	}
}
