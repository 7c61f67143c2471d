package policies

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// awsCases are the unit cases of the AWS area's rules, one file per group
// (rules_aws_<group>_test.go).
func awsCases() map[string]ruleCase {
	out := map[string]ruleCase{}
	for _, group := range []map[string]ruleCase{
		awsDataCases(), awsComputeCases(), awsEdgeCases(), awsNetworkCases(),
		awsAuditCases(), awsDetectionCases(), awsFunctionCases(), awsOrgCases(),
		awsObservabilityCases(), awsBackupCases(),
	} {
		for id, tc := range group {
			out[id] = tc
		}
	}
	return out
}

// TestEveryAWSRuleCitesAWS: each rule of the catalog names a page of AWS's
// documentation (or the provider's) and quotes the sentence that states
// the rule, has a dimension and a kind, and the catalog has at least 40.
func TestEveryAWSRuleCitesAWS(t *testing.T) {
	catalog := AWSCatalog()
	require.GreaterOrEqual(t, len(catalog), 40, "the catalog of AWS's rules")
	for _, r := range catalog {
		c := r.AWS
		require.NotNil(t, c, r.ID)
		u, err := url.Parse(c.URL)
		require.NoError(t, err, r.ID)
		assert.Equal(t, "https", u.Scheme, "%s: %s", r.ID, c.URL)
		assert.Contains(t, []string{"docs.aws.amazon.com", "www.pulumi.com", "aws.amazon.com"}, u.Host, "%s cites AWS's (or the provider's) own page: %s", r.ID, c.URL)
		assert.GreaterOrEqual(t, len(c.Quote), 40, "%s quotes AWS's sentence", r.ID)
		assert.Contains(t, Dimensions(), c.Dimension, r.ID)
		assert.Contains(t, []Kind{Static, CrossStack, OrderOrState}, c.Kind, r.ID)
		assert.Equal(t, []string{AWSControl}, r.Controls, r.ID)
	}
}

// TestOrderRulesAreKeptByTheStandInCloud: every rule of kind order-or-state
// has the stand-in cloud's precondition of the same ID (which refuses the
// create with AWS's error code), and every precondition documents a rule.
func TestOrderRulesAreKeptByTheStandInCloud(t *testing.T) {
	rules := map[string]*Rule{}
	for _, r := range AWSCatalog() {
		if r.AWS.Kind == OrderOrState {
			rules[r.ID] = r
		}
	}
	kept := map[string]bool{}
	for _, p := range offline.Preconditions() {
		kept[p.Rule] = true
		r, ok := rules[p.Rule]
		if assert.True(t, ok, "precondition of %s names no order-or-state rule", p.Type) {
			want := r.AWS.Error
			if want == "" {
				want = offline.SilentFailure
			}
			assert.Equal(t, want, p.Code, "%s: the stand-in refuses with the error the catalog names", p.Rule)
		}
	}
	for id := range rules {
		assert.True(t, kept[id], "order-or-state rule %s has no precondition in the stand-in cloud (offline.Preconditions)", id)
	}
}
