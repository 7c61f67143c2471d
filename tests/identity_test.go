package tests

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/stack"
)

// securityUsers are the people Pulumi.security.yaml lists (refarch:users).
func securityUsers(t testing.TB) []baselinepart.User {
	t.Helper()
	users := stackConfig(t, "security").Baseline.Users
	require.NotEmpty(t, users, "refarch:users of the security stack")
	return users
}

func TestIAMUsersOnlyInTheSecurityStack(t *testing.T) {
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			users := p.ByType("aws:iam/user:User")
			if stackName == "security" {
				require.Len(t, users, len(securityUsers(t)))
			} else {
				assert.Empty(t, users, "people have users in the security account only")
				assert.Empty(t, p.ByType("refarch:identity:Identity"))
			}
			for _, typ := range []string{
				"aws:iam/userPolicy:UserPolicy", "aws:iam/userPolicyAttachment:UserPolicyAttachment",
				"aws:iam/policyAttachment:PolicyAttachment", "aws:iam/accessKey:AccessKey",
				"aws:iam/userLoginProfile:UserLoginProfile",
			} {
				assert.Empty(t, p.ByType(typ), "users hold no %s (CIS 1.15, IAM.2)", typ)
			}
		})
	}
}

func TestUsersAreMembersOfTheirGroupsAndNeedMFA(t *testing.T) {
	p := plan(t, "security")
	comps := p.ByType("refarch:identity:Identity")
	require.Len(t, comps, 1)
	inside := p.Descendants(comps[0])
	for _, u := range securityUsers(t) {
		name := u.Name
		user := blFind(t, inside, "aws:iam/user:User", "-"+name)
		assert.Equal(t, name, user.String("name"))
		assert.Equal(t, u.Email, user.String("tags.Email"))
		want := []string{baselinepart.IdentityBaseGroup}
		for _, persona := range u.Groups {
			want = append(want, baselinepart.PersonaRoleName(persona))
		}
		m := blFind(t, inside, "aws:iam/userGroupMembership:UserGroupMembership", "-"+name)
		assert.Equal(t, user.Output("name"), m.Get("user"))
		assert.ElementsMatch(t, want, m.Strings("groups"), name)
	}
	base := blStatements(t, blFind(t, inside, "aws:iam/groupPolicy:GroupPolicy", "-"+baselinepart.IdentityBaseGroup), "policy")
	deny := base["DenyEverythingElseWithoutMFA"]
	assert.Equal(t, "Deny", deny["Effect"])
	assert.Equal(t, []string{"*"}, blStrs(deny["Resource"]))
	assert.Equal(t, []string{"false"}, blCond(deny, "BoolIfExists", "aws:MultiFactorAuthPresent"))
	assert.Subset(t, blStrs(deny["NotAction"]), []string{"iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "sts:GetSessionToken"}, "MFA self-service stays possible")
	for _, a := range blStrs(deny["NotAction"]) {
		assert.Regexp(t, `^(iam:(Get|List|Create|Enable|Resync|Change)|sts:GetSessionToken)`, a, "only MFA and password self-service escape the deny")
	}
}

// TestGroupsMayOnlyAssumeTheirRoleInTheOtherAccounts checks each persona
// group's policy against the roles the workload stacks really create.
func TestGroupsMayOnlyAssumeTheirRoleInTheOtherAccounts(t *testing.T) {
	p := plan(t, "security")
	inside := p.Descendants(p.ByType("refarch:identity:Identity")[0])
	require.Len(t, blOfType(inside, "aws:iam/group:Group"), len(baselinepart.Personas)+1)

	roleARNs := map[string]bool{}
	for _, stackName := range []string{"shared-services", "dev", "stage", "prod"} {
		wp := plan(t, stackName)
		for _, r := range wp.ByType("aws:iam/role:Role") {
			roleARNs[r.Output("arn").(string)] = true
		}
	}
	for _, persona := range baselinepart.Personas {
		name := baselinepart.PersonaRoleName(persona)
		group := blFind(t, inside, "aws:iam/group:Group", "-"+name)
		assert.Equal(t, name, group.String("name"))
		st := blStatements(t, blFind(t, inside, "aws:iam/groupPolicy:GroupPolicy", "-"+name), "policy")
		require.Len(t, st, 1, "%s: assuming its role is the group's only permission", persona)
		assume := st["AssumePersonaRoleWithMFA"]
		assert.Equal(t, []string{"sts:AssumeRole", "sts:SetSourceIdentity"}, blStrs(assume["Action"]))
		assert.Equal(t, []string{"true"}, blCond(assume, "Bool", "aws:MultiFactorAuthPresent"))
		var want []string
		for _, stackName := range []string{"shared-services", "dev", "stage", "prod"} {
			arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", accountOf(t)[stackName], name)
			want = append(want, arn)
			assert.True(t, roleARNs[arn], "%s exists in %s", arn, stackName)
		}
		if persona == baselinepart.PersonaFullAccess {
			// The operators, who run `pulumi up`, also assume every deploy
			// role and the delegate roles the application stacks' providers use.
			for _, stackName := range stack.Names() {
				want = append(want, fmt.Sprintf("arn:aws:iam::%s:role/refarch-deploy", accountOf(t)[stackName]))
			}
			for _, env := range []string{"dev", "stage", "prod"} {
				arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", accountOf(t)["shared-services"], stack.DelegateRoleName(env))
				want = append(want, arn)
				assert.True(t, roleARNs[arn], "%s exists in shared-services", arn)
			}
		}
		assert.ElementsMatch(t, want, blStrs(assume["Resource"]), "%s: its role in the four workload accounts, never a role in security but the deploy role", persona)
	}
}

func TestIdentityPlansWithoutUsers(t *testing.T) {
	p, err := planWith(t, "security", map[string]string{"refarch:users": "[]"})
	require.NoError(t, err)
	assert.Empty(t, p.ByType("aws:iam/user:User"))
	assert.Len(t, p.ByType("aws:iam/group:Group"), len(baselinepart.Personas)+1, "the groups exist before anyone joins")
}
