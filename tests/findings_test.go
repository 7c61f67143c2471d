package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/policies"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// TestSecurityAdministersTheOrganizationsFindings checks delegated
// administration on the real stack files: management deploys first and
// trusts the services; security designates itself (through management's
// delegate role) the administrator of GuardDuty, Security Hub, CloudTrail,
// AWS Config and IAM Access Analyzer, enables GuardDuty in every account
// (auto-enable ALL, every protection) and Security Hub with both standards
// through one central configuration policy on the root, aggregates Config
// and analyzes access across the organization; no other account declares a
// detector, a hub or an invitation, and AWS's order rules hold.
func TestSecurityAdministersTheOrganizationsFindings(t *testing.T) {
	names := stack.Names()
	require.Equal(t, []string{"management", "security"}, names[:2], "the organization, then its administrator, before any member")
	plans := map[string]*offline.Plan{}
	for _, name := range names {
		plans[name] = plan(t, name)
	}

	org := plans["management"].Require(t, "aws:organizations/organization:Organization", "refarch-organization")
	for _, principal := range []string{"guardduty.amazonaws.com", "securityhub.amazonaws.com", "cloudtrail.amazonaws.com", "config.amazonaws.com", "access-analyzer.amazonaws.com"} {
		assert.Contains(t, org.Strings("awsServiceAccessPrincipals"), principal, "trusted access before delegation")
	}

	sec := plans["security"]
	_, inside := baselineOf(t, sec)
	detector := blFind(t, inside, "aws:guardduty/detector:Detector", "-security")
	gd := blFind(t, inside, "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount", "-guardduty")
	assert.Equal(t, securityAccount(t), gd.String("adminAccountId"))
	assert.Contains(t, gd.DependsOn, detector.URN, "security's own detector first: designation would create one")
	conf := blFind(t, inside, "aws:guardduty/organizationConfiguration:OrganizationConfiguration", "-security")
	assert.Equal(t, "ALL", conf.String("autoEnableOrganizationMembers"))
	for _, f := range blOfType(inside, "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature") {
		assert.Equal(t, "ALL", f.String("autoEnable"), f.String("name"))
	}
	assert.Equal(t, securityAccount(t), blFind(t, inside, "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount", "-securityhub").String("adminAccountId"))
	assert.Equal(t, "CENTRAL", blFind(t, inside, "aws:securityhub/organizationConfiguration:OrganizationConfiguration", "-security").String("organizationConfiguration.configurationType"))
	assert.Equal(t, "ALL_REGIONS", blFind(t, inside, "aws:securityhub/findingAggregator:FindingAggregator", "-security").String("linkingMode"))
	policy := blFind(t, inside, "aws:securityhub/configurationPolicy:ConfigurationPolicy", "-security")
	assert.Len(t, policy.Strings("configurationPolicy.enabledStandardArns"), 2, "FSBP and CIS v3.0.0, as the baseline enables them")
	agg := blFind(t, inside, "aws:cfg/configurationAggregator:ConfigurationAggregator", "-security")
	assert.Equal(t, []string{"us-west-2"}, agg.Strings("organizationAggregationSource.regions"))
	assert.Empty(t, agg.Strings("accountAggregationSource.accountIds"), "the organization, not a list")
	assert.Len(t, blOfType(inside, "aws:organizations/delegatedAdministrator:DelegatedAdministrator"), 2, "Config and Access Analyzer")
	trail := blFind(t, inside, "aws:cloudtrail/trail:Trail", "-organization-trail")
	assert.True(t, trail.Bool("isOrganizationTrail"))

	// The administrator's rules match findings of any account: no account
	// filter may narrow them to security's own.
	for _, rule := range []string{"-guardduty-findings", "-securityhub-findings"} {
		pattern, err := blFind(t, inside, "aws:cloudwatch/eventRule:EventRule", rule).JSON("eventPattern")
		require.NoError(t, err)
		_, byAccount := offline.Lookup(pattern, "account")
		assert.False(t, byAccount, "%s must not filter by account", rule)
	}

	for _, name := range names[2:] {
		for _, typ := range []string{
			"aws:guardduty/detector:Detector", "aws:securityhub/account:Account",
			"aws:guardduty/member:Member", "aws:guardduty/inviteAccepter:InviteAccepter",
			"aws:securityhub/member:Member", "aws:securityhub/inviteAccepter:InviteAccepter",
			"aws:cfg/aggregateAuthorization:AggregateAuthorization",
		} {
			assert.Empty(t, plans[name].ByType(typ), "%s: the organization enables it, nothing is invited: %s", name, typ)
		}
	}

	var list []*offline.Plan
	for _, name := range names {
		list = append(list, plans[name])
	}
	for _, s := range policies.DeployPlans(list...) {
		for _, r := range policies.Evaluate(s, policies.AWSCatalog()) {
			for _, prefix := range []string{"guardduty-", "securityhub-", "organizations-", "config-", "accessanalyzer-", "cloudtrail-"} {
				if strings.HasPrefix(r.Rule.ID, prefix) {
					assert.NotEqual(t, policies.Fail, r.Status, "%s on %s: %v", r.Rule.ID, s.Name, r.Findings)
				}
			}
		}
	}
}

func TestDirectoryNeedsTheRootAddressOfEveryMember(t *testing.T) {
	rejects(t, "security", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		delete(a["stage"], "email")
	})}, "refarch:accounts.stage.email", "management stack creates the account")
	rejects(t, "dev", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		a["prod"]["email"] = "root(at)example.com"
	})}, "refarch:accounts.prod.email", "e-mail")
}
