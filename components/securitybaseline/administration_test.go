package securitybaseline_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/offline"
)

const (
	memberA = "333333333333"
	memberB = "444444444444"
)

func TestAdministratorInvitesEveryMemberAndAggregates(t *testing.T) {
	args := archiveArgs()
	args.Administrator = &sb.AdministratorArgs{Members: []sb.Member{
		{AccountID: memberA, Email: "aws-dev@example.com", GuardDuty: true},
		{AccountID: memberB, Email: "aws-stage@example.com", GuardDuty: true},
		// Not deployed yet: a Security Hub member only.
		{AccountID: "666666666666", Email: "aws-qa@example.com"},
	}}
	p := mustRun(t, args)
	det := p.Require(t, "aws:guardduty/detector:Detector", "base")
	hub := p.Require(t, "aws:securityhub/account:Account", "base")

	gd := map[string]string{}
	for _, m := range p.ByType("aws:guardduty/member:Member") {
		assert.Equal(t, det.ID, m.String("detectorId"), "invited from the administrator's detector")
		assert.True(t, m.Bool("invite"), m.Name)
		assert.True(t, m.Bool("disableEmailNotification"), m.Name)
		gd[m.String("accountId")] = m.String("email")
	}
	assert.Equal(t, map[string]string{memberA: "aws-dev@example.com", memberB: "aws-stage@example.com"}, gd,
		"GuardDuty invites only the members whose detector exists")

	var hubMembers []string
	for _, m := range p.ByType("aws:securityhub/member:Member") {
		assert.True(t, m.Bool("invite"), m.Name)
		assert.Contains(t, m.DependsOn, hub.URN, "Security Hub must be on before it invites")
		hubMembers = append(hubMembers, m.String("accountId"))
	}
	assert.ElementsMatch(t, []string{memberA, memberB, "666666666666"}, hubMembers, "Security Hub invites before the member enables it")

	agg := p.Require(t, "aws:securityhub/findingAggregator:FindingAggregator", "base")
	assert.Equal(t, "ALL_REGIONS", agg.String("linkingMode"))

	cfgAgg := p.Require(t, "aws:cfg/configurationAggregator:ConfigurationAggregator", "base")
	assert.Equal(t, "base-config", cfgAgg.String("name"))
	assert.ElementsMatch(t, []string{account, memberA, memberB, "666666666666"}, cfgAgg.Strings("accountAggregationSource.accountIds"))
	assert.Equal(t, []string{"us-west-2"}, cfgAgg.Strings("accountAggregationSource.regions"))

	assert.Empty(t, p.ByType("aws:guardduty/inviteAccepter:InviteAccepter"), "an administrator accepts nothing")
	assert.Empty(t, p.ByType("aws:cfg/aggregateAuthorization:AggregateAuthorization"))
}

func TestMemberAcceptsTheAdministratorsInvitations(t *testing.T) {
	args := workloadArgs()
	args.Membership = &sb.MembershipArgs{AdministratorAccountID: identityAccount}
	first := mustRun(t, args)
	assert.Empty(t, first.ByType("aws:guardduty/inviteAccepter:InviteAccepter"), "no GuardDuty invitation is pending before the administrator was told this account's detector exists")
	first.Require(t, "aws:securityhub/inviteAccepter:InviteAccepter", "base")

	args.Membership.GuardDutyInvited = true
	p := mustRun(t, args)
	det := p.Require(t, "aws:guardduty/detector:Detector", "base")
	hub := p.Require(t, "aws:securityhub/account:Account", "base")

	gd := p.Require(t, "aws:guardduty/inviteAccepter:InviteAccepter", "base")
	assert.Equal(t, det.ID, gd.String("detectorId"))
	assert.Equal(t, identityAccount, gd.String("masterAccountId"))

	sh := p.Require(t, "aws:securityhub/inviteAccepter:InviteAccepter", "base")
	assert.Equal(t, identityAccount, sh.String("masterId"))
	assert.Contains(t, sh.DependsOn, hub.URN)

	auth := p.Require(t, "aws:cfg/aggregateAuthorization:AggregateAuthorization", "base")
	assert.Equal(t, identityAccount, auth.String("accountId"))
	assert.Equal(t, "us-west-2", auth.String("region"), "defaults to the member's own region")

	assert.Empty(t, p.ByType("aws:guardduty/member:Member"))
	assert.Empty(t, p.ByType("aws:cfg/configurationAggregator:ConfigurationAggregator"))
}

func TestWithoutAdministrationNoAccountIsLinked(t *testing.T) {
	p := mustRun(t, workloadArgs())
	for _, typ := range []string{
		"aws:guardduty/member:Member", "aws:guardduty/inviteAccepter:InviteAccepter",
		"aws:securityhub/member:Member", "aws:securityhub/inviteAccepter:InviteAccepter",
		"aws:securityhub/findingAggregator:FindingAggregator",
		"aws:cfg/configurationAggregator:ConfigurationAggregator", "aws:cfg/aggregateAuthorization:AggregateAuthorization",
	} {
		assert.Empty(t, p.ByType(typ), typ)
	}
}

func TestBadAdministrationIsRefused(t *testing.T) {
	admin := func(members ...sb.Member) func(a *sb.SecurityBaselineArgs) {
		return func(a *sb.SecurityBaselineArgs) { a.Administrator = &sb.AdministratorArgs{Members: members} }
	}
	cases := []struct {
		name        string
		edit        func(a *sb.SecurityBaselineArgs)
		field, rule string
	}{
		{"no members", admin(), "Args.Administrator.Members", "must list"},
		{"member is the administrator", admin(sb.Member{AccountID: account, Email: "a@example.com"}), "Args.Administrator.Members[0].AccountID", "itself"},
		{"member twice", admin(sb.Member{AccountID: memberA, Email: "a@example.com"}, sb.Member{AccountID: memberA, Email: "b@example.com"}), "Args.Administrator.Members[1].AccountID", "twice"},
		{"member without email", admin(sb.Member{AccountID: memberA}), "Args.Administrator.Members[0].Email", "e-mail"},
		{"bad aggregator name", func(a *sb.SecurityBaselineArgs) {
			a.Administrator = &sb.AdministratorArgs{Members: []sb.Member{{AccountID: memberA, Email: "a@example.com"}}, AggregatorName: "my aggregator"}
		}, "Args.Administrator.AggregatorName", "letters"},
		{"both roles", func(a *sb.SecurityBaselineArgs) {
			a.Administrator = &sb.AdministratorArgs{Members: []sb.Member{{AccountID: memberA, Email: "a@example.com"}}}
			a.Membership = &sb.MembershipArgs{AdministratorAccountID: memberB}
		}, "Args.Membership", "nobody's member"},
		{"own administrator", func(a *sb.SecurityBaselineArgs) { a.Membership = &sb.MembershipArgs{AdministratorAccountID: account} }, "Args.Membership.AdministratorAccountID", "another account"},
		{"administrator id malformed", func(a *sb.SecurityBaselineArgs) { a.Membership = &sb.MembershipArgs{AdministratorAccountID: "1234"} }, "Args.Membership.AdministratorAccountID", "12-digit"},
		{"unknown administrator region", func(a *sb.SecurityBaselineArgs) {
			a.Membership = &sb.MembershipArgs{AdministratorAccountID: memberA, AdministratorRegion: "eu-nowhere-1"}
		}, "Args.Membership.AdministratorRegion", "region"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := workloadArgs()
			tc.edit(args)
			p, err := run(t, args)
			offline.RequireRefused(t, p, err, "refarch:securitybaseline:SecurityBaseline", tc.field, tc.rule)
		})
	}
}
