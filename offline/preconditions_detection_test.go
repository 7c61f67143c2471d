package offline

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standInCloud is the stand-in cloud of a provider acting in account, in
// us-west-2, remembering in w.
func standInCloud(w *World, account string) *Cloud {
	return NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{account}}).Remember(w)
}

// create creates a resource of typ named name in stack with inputs.
func create(c *Cloud, stack, typ, name string, inputs map[string]any) error {
	urn := resource.URN("urn:pulumi:" + stack + "::refarch::" + typ + "::" + name)
	_, _, err := c.Create(urn, resource.NewPropertyMapFromMap(inputs))
	return err
}

// requireRefusal requires err to be the stand-in's refusal of rule with code.
func requireRefusal(t *testing.T, err error, rule, code string) {
	t.Helper()
	var refusal *Refusal
	require.True(t, errors.As(err, &refusal), "want AWS's refusal, got %v", err)
	assert.Equal(t, rule, refusal.Rule)
	assert.Equal(t, code, refusal.Code)
	assert.Contains(t, err.Error(), code, "the engine shows AWS's error code")
}

func TestSecurityHubNeedsTheHub(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	security := standInCloud(w, "111111111111")
	standard := map[string]any{"standardsArn": "arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/3.0.0"}
	requireRefusal(t, create(security, "security", "aws:securityhub/standardsSubscription:StandardsSubscription", "cis", standard), "securityhub-after-hub-enabled", "InvalidAccessException")
	requireRefusal(t, create(security, "security", "aws:securityhub/findingAggregator:FindingAggregator", "all", map[string]any{"linkingMode": "ALL_REGIONS"}),
		"securityhub-after-hub-enabled", "InvalidAccessException")
	require.NoError(t, create(security, "security", "aws:securityhub/account:Account", "hub", map[string]any{}))
	require.NoError(t, create(security, "security", "aws:securityhub/standardsSubscription:StandardsSubscription", "cis", standard))
	require.NoError(t, create(security, "security", "aws:securityhub/findingAggregator:FindingAggregator", "all", map[string]any{"linkingMode": "ALL_REGIONS"}))
	// Another account's hub is not this one's.
	requireRefusal(t, create(standInCloud(w, "333333333333"), "dev", "aws:securityhub/standardsSubscription:StandardsSubscription", "cis", standard),
		"securityhub-after-hub-enabled", "InvalidAccessException")
}

func TestTheWorldForgetsDeletedResources(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	dev := standInCloud(w, "333333333333")
	urn := resource.URN("urn:pulumi:dev::refarch::aws:securityhub/account:Account::hub")
	_, _, err = dev.Create(urn, resource.PropertyMap{})
	require.NoError(t, err)
	require.NoError(t, create(dev, "dev", "aws:securityhub/member:Member", "m", map[string]any{"accountId": "1"}))
	require.NoError(t, dev.Delete(urn))
	requireRefusal(t, create(dev, "dev", "aws:securityhub/member:Member", "m2", map[string]any{"accountId": "1"}), "securityhub-after-hub-enabled", "InvalidAccessException")
	// An update checks no precondition of a create.
	_, _, err = dev.Update(resource.URN("urn:pulumi:dev::refarch::aws:securityhub/member:Member::m"), resource.NewPropertyMapFromMap(map[string]any{"accountId": "2"}))
	require.NoError(t, err)
}
