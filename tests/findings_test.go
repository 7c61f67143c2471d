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

// rootEmails are the directory's root-user addresses (refarch:accounts),
// by stack: every account's but security's.
func rootEmails(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, acct := range stackConfig(t, "security").Accounts {
		if name != "security" {
			require.NotEmpty(t, acct.Email, "refarch:accounts.%s.email", name)
			out[name] = acct.Email
		}
	}
	return out
}

// allGuardDutyMembers is refarch:guardDutyMembers naming every member stack,
// as an operator sets it once each stack has been deployed.
const allGuardDutyMembers = `["shared-services","dev","stage","prod"]`

// TestSecurityAdministersEveryOtherAccountsFindings checks both sides of
// the invitation flow on the real stack files: security invites the four
// other accounts to Security Hub and aggregates their Config history, and
// invites to GuardDuty the accounts refarch:guardDutyMembers lists (none in
// the committed files: GuardDuty invites only accounts whose detector
// exists, and security is deployed first); each of them accepts security's
// invitations and authorizes security's aggregator in the audit region.
func TestSecurityAdministersEveryOtherAccountsFindings(t *testing.T) {
	require.Equal(t, "security", stack.Names()[0], "security deploys first, so its Security Hub invitations wait for the others")

	for _, phase := range []struct {
		name      string
		set       map[string]string
		guardDuty bool
	}{
		{"first deployment: no GuardDuty invitation", nil, false},
		{"every member deployed and listed", map[string]string{"refarch:guardDutyMembers": allGuardDutyMembers}, true},
	} {
		t.Run(phase.name, func(t *testing.T) {
			plans := map[string]*offline.Plan{}
			for _, name := range stack.Names() {
				p, err := planWith(t, name, phase.set)
				require.NoError(t, err, name)
				plans[name] = p
			}
			_, inside := baselineOf(t, plans["security"])
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
			for name, email := range rootEmails(t) {
				want[accountOf(t)[name]] = email
			}
			if phase.guardDuty {
				assert.Equal(t, want, gd, "GuardDuty members: every account but security")
			} else {
				assert.Empty(t, gd, "no GuardDuty invitation before the members' detectors exist")
			}
			assert.Equal(t, want, hub, "Security Hub members: every account but security")
			assert.Equal(t, "ALL_REGIONS", blFind(t, inside, "aws:securityhub/findingAggregator:FindingAggregator", "-security").String("linkingMode"))
			agg := blFind(t, inside, "aws:cfg/configurationAggregator:ConfigurationAggregator", "-security")
			assert.ElementsMatch(t, allAccounts(t), agg.Strings("accountAggregationSource.accountIds"))
			assert.Equal(t, []string{"us-west-2"}, agg.Strings("accountAggregationSource.regions"))

			// The administrator's rules match findings of any account: no
			// account filter may narrow them to security's own.
			for _, rule := range []string{"-guardduty-findings", "-securityhub-findings"} {
				pattern, err := blFind(t, inside, "aws:cloudwatch/eventRule:EventRule", rule).JSON("eventPattern")
				require.NoError(t, err)
				_, byAccount := offline.Lookup(pattern, "account")
				assert.False(t, byAccount, "%s must not filter by account", rule)
			}

			for name := range rootEmails(t) {
				_, inside := baselineOf(t, plans[name])
				own := blFind(t, inside, "aws:guardduty/detector:Detector", "-"+name)
				accepters := blOfType(inside, "aws:guardduty/inviteAccepter:InviteAccepter")
				if phase.guardDuty {
					require.Len(t, accepters, 1, "%s accepts GuardDuty's invitation", name)
					assert.Equal(t, securityAccount(t), accepters[0].String("masterAccountId"))
					assert.Equal(t, own.ID, accepters[0].String("detectorId"))
				} else {
					assert.Empty(t, accepters, "%s: no invitation to accept yet", name)
				}
				assert.Equal(t, securityAccount(t), blFind(t, inside, "aws:securityhub/inviteAccepter:InviteAccepter", "-"+name).String("masterId"))
				auth := blFind(t, inside, "aws:cfg/aggregateAuthorization:AggregateAuthorization", "-"+name)
				assert.Equal(t, securityAccount(t), auth.String("accountId"))
				assert.Equal(t, "us-west-2", auth.String("region"))
				assert.Empty(t, blOfType(inside, "aws:guardduty/member:Member"), "only security invites")
			}

			// AWS's order of invitations holds in both phases.
			var list []*offline.Plan
			for _, name := range stack.Names() {
				list = append(list, plans[name])
			}
			for _, s := range policies.DeployPlans(list...) {
				for _, r := range policies.Evaluate(s, policies.AWSCatalog()) {
					if strings.HasPrefix(r.Rule.ID, "guardduty-") || strings.HasPrefix(r.Rule.ID, "securityhub-") {
						assert.NotEqual(t, policies.Fail, r.Status, "%s on %s: %v", r.Rule.ID, s.Name, r.Findings)
					}
				}
			}
		})
	}
}

// TestGuardDutyMembersAreMemberStacks: refarch:guardDutyMembers names
// stacks of this project other than security, each once.
func TestGuardDutyMembersAreMemberStacks(t *testing.T) {
	rejects(t, "dev", map[string]string{"refarch:guardDutyMembers": `["security"]`}, "refarch:guardDutyMembers[0]", "cannot invite itself")
	rejects(t, "security", map[string]string{"refarch:guardDutyMembers": `["dev","qa"]`}, "refarch:guardDutyMembers[1]", "not a stack")
	rejects(t, "prod", map[string]string{"refarch:guardDutyMembers": `["dev","dev"]`}, "refarch:guardDutyMembers[1]", "twice")
}

func TestDirectoryNeedsTheRootAddressOfEveryMember(t *testing.T) {
	rejects(t, "security", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		delete(a["stage"], "email")
	})}, "refarch:accounts.stage.email", "GuardDuty")
	rejects(t, "dev", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		a["prod"]["email"] = "root(at)example.com"
	})}, "refarch:accounts.prod.email", "e-mail")
}
