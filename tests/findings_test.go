package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// rootEmails are the directory's root-user addresses (Pulumi.yaml).
var rootEmails = map[string]string{
	"shared-services": "aws-shared-services@example.com",
	"dev":             "aws-dev@example.com",
	"stage":           "aws-stage@example.com",
	"prod":            "aws-prod@example.com",
}

// TestSecurityAdministersEveryOtherAccountsFindings checks both sides of
// the invitation flow on the real stack files: security invites the four
// other accounts to GuardDuty and Security Hub and aggregates their Config
// history; each of them accepts security's invitations and authorizes
// security's aggregator in the audit region.
func TestSecurityAdministersEveryOtherAccountsFindings(t *testing.T) {
	require.Equal(t, "security", stack.Names()[0], "security deploys first, so its invitations wait for the others")

	_, inside := baselineOf(t, plan(t, "security"))
	detector := blFind(t, inside, "aws:guardduty/detector:Detector", "-security")
	gd := map[string]string{}
	for _, m := range blOfType(inside, "aws:guardduty/member:Member") {
		assert.True(t, m.Bool("invite"), m.Name)
		assert.Equal(t, detector.ID, m.String("detectorId"))
		gd[m.String("accountId")] = m.String("email")
	}
	hub := map[string]string{}
	for _, m := range blOfType(inside, "aws:securityhub/member:Member") {
		assert.True(t, m.Bool("invite"), m.Name)
		hub[m.String("accountId")] = m.String("email")
	}
	want := map[string]string{}
	for name, email := range rootEmails {
		want[accountOf[name]] = email
	}
	assert.Equal(t, want, gd, "GuardDuty members: every account but security")
	assert.Equal(t, want, hub, "Security Hub members: every account but security")
	assert.Equal(t, "ALL_REGIONS", blFind(t, inside, "aws:securityhub/findingAggregator:FindingAggregator", "-security").String("linkingMode"))
	agg := blFind(t, inside, "aws:cfg/configurationAggregator:ConfigurationAggregator", "-security")
	assert.ElementsMatch(t, allAccounts(), agg.Strings("accountAggregationSource.accountIds"))
	assert.Equal(t, []string{"us-west-2"}, agg.Strings("accountAggregationSource.regions"))

	// The administrator's rules match findings of any account: no account
	// filter may narrow them to security's own.
	for _, rule := range []string{"-guardduty-findings", "-securityhub-findings"} {
		pattern, err := blFind(t, inside, "aws:cloudwatch/eventRule:EventRule", rule).JSON("eventPattern")
		require.NoError(t, err)
		_, byAccount := offline.Lookup(pattern, "account")
		assert.False(t, byAccount, "%s must not filter by account", rule)
	}

	for name := range rootEmails {
		t.Run(name, func(t *testing.T) {
			_, inside := baselineOf(t, plan(t, name))
			own := blFind(t, inside, "aws:guardduty/detector:Detector", "-"+name)
			acc := blFind(t, inside, "aws:guardduty/inviteAccepter:InviteAccepter", "-"+name)
			assert.Equal(t, securityAccount, acc.String("masterAccountId"))
			assert.Equal(t, own.ID, acc.String("detectorId"))
			assert.Equal(t, securityAccount, blFind(t, inside, "aws:securityhub/inviteAccepter:InviteAccepter", "-"+name).String("masterId"))
			auth := blFind(t, inside, "aws:cfg/aggregateAuthorization:AggregateAuthorization", "-"+name)
			assert.Equal(t, securityAccount, auth.String("accountId"))
			assert.Equal(t, "us-west-2", auth.String("region"))
			assert.Empty(t, blOfType(inside, "aws:guardduty/member:Member"), "only security invites")
		})
	}
}

func TestDirectoryNeedsTheRootAddressOfEveryMember(t *testing.T) {
	rejects(t, "security", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		delete(a["stage"], "email")
	})}, "refarch:accounts.stage.email", "GuardDuty")
	rejects(t, "dev", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		a["prod"]["email"] = "root(at)example.com"
	})}, "refarch:accounts.prod.email", "e-mail")
}
