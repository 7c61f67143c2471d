package identity_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/identity"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

// account is where the unit provider deploys.
const account = offline.UnitAccount

var workloads = []string{"222222222222", "333333333333"}

func identityArgs() *identity.IdentityArgs {
	return &identity.IdentityArgs{
		AccountID: account,
		Groups: []identity.GroupArgs{
			{Name: "developers", RoleName: "refarch-developers", AccountIDs: workloads},
			{Name: "billing", RoleName: "refarch-billing", AccountIDs: workloads, ExtraRoleARNs: []string{"arn:aws:iam::" + account + ":role/refarch-deploy"}},
		},
		Users: []identity.UserArgs{
			{Name: "alice", Email: "alice@example.com", Groups: []string{"developers", "billing"}},
			{Name: "bob", Email: "bob@example.com", Groups: []string{"billing"}},
		},
	}
}

func runIdentity(t *testing.T, args *identity.IdentityArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := identity.NewIdentity(ctx, "people", args, pulumi.Provider(p))
		return err
	})
}

func TestPersonaGroupsMayOnlyAssumeTheirRoleWithMFA(t *testing.T) {
	p, err := runIdentity(t, identityArgs())
	require.NoError(t, err)
	require.Len(t, p.ByType("aws:iam/group:Group"), 3, "two personas and the base group")
	dev := p.Require(t, "aws:iam/groupPolicy:GroupPolicy", "people-developers")
	assert.Equal(t, p.Require(t, "aws:iam/group:Group", "people-developers").Output("name"), dev.Get("group"))
	st := dev.Statements(t, "policy")
	require.Len(t, st, 1, "the group's only permission")
	assume := st["AssumePersonaRoleWithMFA"]
	assert.Equal(t, "Allow", assume["Effect"])
	assert.Equal(t, []string{"sts:AssumeRole", "sts:SetSourceIdentity"}, offline.Strings(assume["Action"]))
	assert.ElementsMatch(t, []string{
		"arn:aws:iam::222222222222:role/refarch-developers",
		"arn:aws:iam::333333333333:role/refarch-developers",
	}, offline.Strings(assume["Resource"]))
	assert.Equal(t, []any{"true"}, offline.Condition(assume, "Bool", "aws:MultiFactorAuthPresent"))

	billing := p.Require(t, "aws:iam/groupPolicy:GroupPolicy", "people-billing").Statements(t, "policy")["AssumePersonaRoleWithMFA"]
	assert.ElementsMatch(t, []string{
		"arn:aws:iam::222222222222:role/refarch-billing",
		"arn:aws:iam::333333333333:role/refarch-billing",
		"arn:aws:iam::" + account + ":role/refarch-deploy",
	}, offline.Strings(billing["Resource"]), "extra roles are added to the persona's, under the same MFA condition")
}

func TestUsersBelongToGroupsOnlyAndNeedMFA(t *testing.T) {
	p, err := runIdentity(t, identityArgs())
	require.NoError(t, err)
	users := p.ByType("aws:iam/user:User")
	require.Len(t, users, 2)
	for _, typ := range []string{"aws:iam/userPolicy:UserPolicy", "aws:iam/userPolicyAttachment:UserPolicyAttachment", "aws:iam/policyAttachment:PolicyAttachment", "aws:iam/accessKey:AccessKey", "aws:iam/userLoginProfile:UserLoginProfile"} {
		assert.Empty(t, p.ByType(typ), "users get no %s", typ)
	}
	alice := p.Require(t, "aws:iam/user:User", "people-alice")
	assert.Equal(t, "alice@example.com", alice.String("tags.Email"))
	m := p.Require(t, "aws:iam/userGroupMembership:UserGroupMembership", "people-alice")
	assert.Equal(t, alice.Output("name"), m.Get("user"))
	assert.ElementsMatch(t, []string{"people-users", "developers", "billing"}, m.Strings("groups"))
	assert.ElementsMatch(t, []string{"people-users", "billing"}, p.Require(t, "aws:iam/userGroupMembership:UserGroupMembership", "people-bob").Strings("groups"))

	base := p.Require(t, "aws:iam/groupPolicy:GroupPolicy", "people-people-users").Statements(t, "policy")
	deny := base["DenyEverythingElseWithoutMFA"]
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, []any{"false"}, offline.Condition(deny, "BoolIfExists", "aws:MultiFactorAuthPresent"))
	assert.Contains(t, offline.Strings(deny["NotAction"]), "iam:EnableMFADevice", "enrolling MFA works before MFA")
	assert.NotContains(t, offline.Strings(deny["NotAction"]), "sts:AssumeRole", "no role without MFA")
	assert.Equal(t, []string{"arn:aws:iam::*:user/${aws:username}"}, offline.Strings(base["ManageOwnMFA"]["Resource"]), "only one's own device")
}

func TestIdentityValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(a *identity.IdentityArgs)
		field string
		rule  string
	}{
		{"user in an unknown group", func(a *identity.IdentityArgs) { a.Users[0].Groups = []string{"admins"} }, "Args.Users[0].Groups[0]", "must be one of the groups developers, billing"},
		{"user in the base group only", func(a *identity.IdentityArgs) { a.Users[0].Groups = []string{"people-users"} }, "Args.Users[0].Groups[0]", "must be one of the groups developers, billing"},
		{"user without group", func(a *identity.IdentityArgs) { a.Users[1].Groups = nil }, "Args.Users[1].Groups", "at least one"},
		{"upper-case user name", func(a *identity.IdentityArgs) { a.Users[0].Name = "Alice" }, "Args.Users[0].Name", "lower-case"},
		{"duplicate user", func(a *identity.IdentityArgs) { a.Users[1].Name = "alice" }, "Args.Users[1].Name", "another user"},
		{"malformed email", func(a *identity.IdentityArgs) { a.Users[0].Email = "alice@localhost" }, "Args.Users[0].Email", "e-mail"},
		{"shared email", func(a *identity.IdentityArgs) { a.Users[1].Email = "ALICE@example.com" }, "Args.Users[1].Email", "another user"},
		{"group in the identity account", func(a *identity.IdentityArgs) { a.Groups[0].AccountIDs = []string{account} }, "Args.Groups[0].AccountIDs[0]", "workload account"},
		{"group without accounts", func(a *identity.IdentityArgs) { a.Groups[0].AccountIDs = nil }, "Args.Groups[0].AccountIDs", "accounts"},
		{"duplicate group", func(a *identity.IdentityArgs) { a.Groups[1].Name = "developers" }, "Args.Groups[1].Name", "another group"},
		{"no groups", func(a *identity.IdentityArgs) { a.Groups = nil; a.Users = nil }, "Args.Groups", "at least one"},
		{"extra role not a role", func(a *identity.IdentityArgs) { a.Groups[1].ExtraRoleARNs = []string{"*"} }, "Args.Groups[1].ExtraRoleARNs[0]", "IAM role"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := identityArgs()
			tc.edit(args)
			p, err := runIdentity(t, args)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field), "error must name %s:\n%v", tc.field, err)
			assert.Contains(t, err.Error(), tc.rule)
			assert.Empty(t, p.ByType("aws:iam/user:User"))
		})
	}
}
