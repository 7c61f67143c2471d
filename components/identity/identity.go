// Package identity provides Identity, the people of the identity (security)
// account: persona groups whose only permission is assuming their role in the
// workload accounts with MFA, and users who are members of groups only.
package identity

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// Identity is the identity account's people: IAM groups per persona whose
// only permission is assuming the persona's role in the workload accounts
// (with MFA), the users from configuration, members of groups only, and a
// base group every user joins whose policy denies everything but managing
// one's own password, keys and MFA device until the user signs in with MFA.
// Users get no inline or attached policy (CIS 1.15, Security Hub IAM.2);
// MFA is required for everything that matters (CIS 1.10, IAM.5's intent).
// Console passwords are not created here (they would land in the state):
// an administrator creates a login profile with a forced reset, and the
// user's first act is registering an MFA device.
//
// Args: AccountID and Groups are required; Partition defaults to "aws";
// BaseGroup defaults to "<name>-users"; Users default to none. Every user
// must name existing groups.
type Identity struct {
	pulumi.ResourceState

	// GroupARNs maps each group's name (persona groups and the base group)
	// to its ARN.
	GroupARNs pulumi.StringMapOutput `pulumi:"groupArns"`
	// UserARNs maps each user's name to its ARN.
	UserARNs pulumi.StringMapOutput `pulumi:"userArns"`
}

// IdentityArgs configures an Identity.
type IdentityArgs struct {
	// AccountID is the identity account's id. Required.
	AccountID string
	// Partition is the ARN partition. Default "aws".
	Partition string
	// Groups are the persona groups. Required (at least one).
	Groups []GroupArgs
	// BaseGroup is the group every user joins, holding the MFA
	// self-service policy. Default "<name>-users".
	BaseGroup string
	// Users are the people. Default none.
	Users []UserArgs
}

// GroupArgs is one persona group.
type GroupArgs struct {
	// Name is the group's name, which users name in UserArgs.Groups.
	// Required: an IAM group name, unique among the groups.
	Name string
	// RoleName is the role the group's members may assume (with MFA) in
	// each of AccountIDs. Required.
	RoleName string
	// AccountIDs are the workload accounts. Required.
	AccountIDs []string
	// ExtraRoleARNs are other roles the members may assume, with MFA: the
	// deploy roles, for the group of the operators who run `pulumi up`.
	// Default none.
	ExtraRoleARNs []string
}

// UserArgs is one person.
type UserArgs struct {
	// Name is the IAM user name (validate.CheckUserName). Required,
	// unique among the users.
	Name string
	// Email is the person's address, kept as the user's Email tag.
	// Required, unique among the users.
	Email string
	// Groups are the persona groups the user belongs to (GroupArgs.Name).
	// Required: at least one.
	Groups []string
}

var groupName = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)

func (a IdentityArgs) withDefaults(name string) IdentityArgs {
	if a.Partition == "" {
		a.Partition = "aws"
	}
	if a.BaseGroup == "" {
		a.BaseGroup = name + "-users"
	}
	a.Groups = slices.Clone(a.Groups)
	a.Users = slices.Clone(a.Users)
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *IdentityArgs) Validate() error {
	return a.withDefaults(standInName).validate()
}

func (a IdentityArgs) validate() error {
	var p validate.Problems
	p.Check("Args.AccountID", a.AccountID, validate.CheckAccountID(a.AccountID))
	if !groupName.MatchString(a.BaseGroup) {
		p.Add("Args.BaseGroup", a.BaseGroup, "must be an IAM group name: 1-128 letters, digits and +=,.@_-")
	}
	if len(a.Groups) == 0 {
		p.Add("Args.Groups", "", "must list at least one persona group")
	}
	groups := map[string]bool{a.BaseGroup: true}
	for i, g := range a.Groups {
		field := fmt.Sprintf("Args.Groups[%d]", i)
		if !groupName.MatchString(g.Name) {
			p.Add(field+".Name", g.Name, "must be an IAM group name: 1-128 letters, digits and +=,.@_-")
		} else if groups[g.Name] {
			p.Add(field+".Name", g.Name, "is already the name of another group")
		}
		groups[g.Name] = true
		p.Check(field+".RoleName", g.RoleName, validate.CheckRoleName(g.RoleName))
		if len(g.AccountIDs) == 0 {
			p.Add(field+".AccountIDs", "", "must list the accounts where the group's members assume "+g.RoleName)
		}
		for j, arn := range g.ExtraRoleARNs {
			p.Check(fmt.Sprintf("%s.ExtraRoleARNs[%d]", field, j), arn, validate.CheckRoleARN(arn))
		}
		for j, id := range g.AccountIDs {
			f := fmt.Sprintf("%s.AccountIDs[%d]", field, j)
			p.Check(f, id, validate.CheckAccountID(id))
			if id == a.AccountID {
				p.Add(f, id, "must be a workload account: people use their users, not roles, in the identity account")
			}
		}
	}
	CheckUsers(&p, a.Users, a.groupNames(), func(i int, field string) string {
		return fmt.Sprintf("Args.Users[%d].%s", i, strings.ToUpper(field[:1])+field[1:])
	})
	return p.Err("identity arguments")
}

// CheckUsers records the problems of users: well-formed and distinct names
// and addresses, at least one group each, every group one of groups.
// field(i, f) names field f ("name", "email", "groups", "groups[j]") of
// user i, so the stack configuration reports its own keys.
func CheckUsers(p *validate.Problems, users []UserArgs, groups []string, field func(i int, f string) string) {
	names, emails := map[string]bool{}, map[string]bool{}
	for i, u := range users {
		p.Check(field(i, "name"), u.Name, validate.CheckUserName(u.Name))
		if names[u.Name] {
			p.Add(field(i, "name"), u.Name, "is already the name of another user")
		}
		names[u.Name] = true
		p.Check(field(i, "email"), u.Email, validate.CheckEmail(u.Email))
		if emails[strings.ToLower(u.Email)] {
			p.Add(field(i, "email"), u.Email, "is already the address of another user")
		}
		emails[strings.ToLower(u.Email)] = true
		if len(u.Groups) == 0 {
			p.Addf(field(i, "groups"), "[]", "must name at least one of the groups %s: a user without one can do nothing", strings.Join(groups, ", "))
		}
		for j, g := range u.Groups {
			if !slices.Contains(groups, g) {
				p.Addf(field(i, fmt.Sprintf("groups[%d]", j)), g, "must be one of the groups %s", strings.Join(groups, ", "))
			}
		}
	}
}

func (a IdentityArgs) groupNames() []string {
	out := make([]string, len(a.Groups))
	for i, g := range a.Groups {
		out[i] = g.Name
	}
	return out
}

// NewIdentity creates the groups and users of the identity account. It
// validates args before registering anything.
func NewIdentity(ctx *pulumi.Context, name string, args *IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	if args == nil {
		args = &IdentityArgs{}
	}
	a := args.withDefaults(name)
	if err := validate.Component("identity arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("identity %q: %w", name, err)
	}
	c := &Identity{}
	if err := ctx.RegisterComponentResource("refarch:identity:Identity", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	groupARNs := pulumi.StringMap{}
	groupNames := map[string]pulumi.StringOutput{}

	newGroup := func(groupName string, policy iampolicy.Document) error {
		g, err := iam.NewGroup(ctx, name+"-"+groupName, &iam.GroupArgs{Name: pulumi.String(groupName)}, child)
		if err != nil {
			return err
		}
		doc, err := policy.JSON()
		if err != nil {
			return fmt.Errorf("group %s policy: %w", groupName, err)
		}
		if _, err := iam.NewGroupPolicy(ctx, name+"-"+groupName, &iam.GroupPolicyArgs{
			Group:  g.Name,
			Name:   pulumi.String(groupName),
			Policy: pulumi.String(doc),
		}, child); err != nil {
			return err
		}
		groupARNs[groupName] = g.Arn
		groupNames[groupName] = g.Name
		return nil
	}
	if err := newGroup(a.BaseGroup, MFASelfService(a.Partition)); err != nil {
		return nil, err
	}
	for _, g := range a.Groups {
		if err := newGroup(g.Name, AssumePersonaRole(a.Partition, g)); err != nil {
			return nil, err
		}
	}

	userARNs := pulumi.StringMap{}
	for _, u := range a.Users {
		user, err := iam.NewUser(ctx, name+"-"+u.Name, &iam.UserArgs{
			Name:         pulumi.String(u.Name),
			Tags:         pulumi.StringMap{"Email": pulumi.String(u.Email)},
			ForceDestroy: pulumi.Bool(false),
		}, child)
		if err != nil {
			return nil, err
		}
		member := pulumi.StringArray{groupNames[a.BaseGroup]}
		for _, g := range u.Groups {
			member = append(member, groupNames[g])
		}
		if _, err := iam.NewUserGroupMembership(ctx, name+"-"+u.Name, &iam.UserGroupMembershipArgs{
			User:   user.Name,
			Groups: member,
		}, child); err != nil {
			return nil, err
		}
		userARNs[u.Name] = user.Arn
	}
	c.GroupARNs = groupARNs.ToStringMapOutput()
	c.UserARNs = userARNs.ToStringMapOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"groupArns": c.GroupARNs, "userArns": c.UserARNs})
}

// AssumePersonaRole is a persona group's only permission: assuming its
// role in its accounts (and its ExtraRoleARNs), with MFA.
func AssumePersonaRole(partition string, g GroupArgs) iampolicy.Document {
	roles := make([]string, 0, len(g.AccountIDs)+len(g.ExtraRoleARNs))
	for _, id := range g.AccountIDs {
		roles = append(roles, iampolicy.RoleARN(partition, id, g.RoleName))
	}
	roles = append(roles, g.ExtraRoleARNs...)
	return iampolicy.New(iampolicy.Statement{
		Sid:    "AssumePersonaRoleWithMFA",
		Effect: iampolicy.Allow,
		// SetSourceIdentity: the roles accept only the user's own name as
		// the session's source identity (securitybaseline.PersonaTrust).
		Action:    []string{"sts:AssumeRole", "sts:SetSourceIdentity"},
		Resource:  roles,
		Condition: iampolicy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}},
	})
}

// MFASelfService lets users manage their own password, access keys and MFA
// device, and denies everything else until they sign in with MFA. Setting
// a new password at first sign-in is allowed before MFA exists.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html
func MFASelfService(partition string) iampolicy.Document {
	self := fmt.Sprintf("arn:%s:iam::*:user/${aws:username}", partition)
	return iampolicy.New(
		iampolicy.Statement{
			Sid:      "ViewAccountPasswordRules",
			Effect:   iampolicy.Allow,
			Action:   []string{"iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"},
			Resource: []string{"*"},
		},
		iampolicy.Statement{
			Sid:      "ManageOwnPasswordAndKeys",
			Effect:   iampolicy.Allow,
			Action:   []string{"iam:ChangePassword", "iam:GetUser", "iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed"},
			Resource: []string{self},
		},
		iampolicy.Statement{
			Sid:      "CreateOwnVirtualMFADevice",
			Effect:   iampolicy.Allow,
			Action:   []string{"iam:CreateVirtualMFADevice"},
			Resource: []string{fmt.Sprintf("arn:%s:iam::*:mfa/*", partition)},
		},
		iampolicy.Statement{
			Sid:      "ManageOwnMFA",
			Effect:   iampolicy.Allow,
			Action:   []string{"iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"},
			Resource: []string{self},
		},
		iampolicy.Statement{
			Sid:    "DenyEverythingElseWithoutMFA",
			Effect: iampolicy.Deny,
			NotAction: []string{
				"iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:GetMFADevice",
				"iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken",
				"iam:ChangePassword", "iam:GetAccountPasswordPolicy",
			},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"BoolIfExists": {"aws:MultiFactorAuthPresent": {"false"}}},
		},
	)
}

// MaxNameLength bounds an Identity's name: the base group defaults to
// "<name>-users".
const MaxNameLength = 40

// CheckName returns the rule an Identity's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// standInName judges the base group's default when Validate has no name:
// NewIdentity applies the real one, whose own rule keeps it valid.
const standInName = "identity"
