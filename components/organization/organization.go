// Package organization builds an AWS Organization over the accounts of the
// reference architecture, from its management account: the organization
// with all features and trusted access for the audit and detection
// services only, organizational units, the member accounts (adopted or
// created, never closed), service control policies attached by unit, and
// the delegate role through which the security account becomes the
// delegated administrator of GuardDuty, Security Hub, AWS Config and IAM
// Access Analyzer (components/securitybaseline, OrganizationAdminArgs).
//
// Sources: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_introduction.html,
// https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/organizing-your-aws-environment.html
package organization

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// Organization is the component resource.
type Organization struct {
	pulumi.ResourceState

	// ID is the organization's id (o-...).
	ID pulumi.StringOutput `pulumi:"organizationId"`
	// RootID is the id of the organization's root (r-...).
	RootID pulumi.StringOutput `pulumi:"rootId"`
	// UnitIDs are the organizational units' ids, by key.
	UnitIDs pulumi.StringMapOutput `pulumi:"unitIds"`
	// AccountIDs are the member accounts' ids, by key.
	AccountIDs pulumi.StringMapOutput `pulumi:"accountIds"`
	// DelegateRoleARN is the delegate role's ARN ("" without one).
	DelegateRoleARN pulumi.StringOutput `pulumi:"delegateRoleArn"`
}

// MaxNameLength bounds the component's name, the prefix of its children's
// logical names.
const MaxNameLength = 40

// CheckName returns the rule an Organization's name breaks, or "".
func CheckName(name string) string { return validate.CheckName(name, MaxNameLength) }

// NewOrganization builds the organization from the management account the
// provider in opts acts in. It validates args before registering anything.
func NewOrganization(ctx *pulumi.Context, name string, args *OrganizationArgs, opts ...pulumi.ResourceOption) (*Organization, error) {
	if args == nil {
		args = &OrganizationArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("organization arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("organization %q: %w", name, err)
	}
	c := &Organization{}
	if err := ctx.RegisterComponentResource("refarch:organization:Organization", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	// What holds accounts is protected, and retained on delete: deleting
	// an organization or removing an account from it cannot be undone by
	// a later `pulumi up`.
	kept := []pulumi.ResourceOption{child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(true)}

	var principals pulumi.StringArray
	for _, s := range a.ServicePrincipals {
		principals = append(principals, pulumi.String(s))
	}
	// All features: service control policies and trusted access need them.
	// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_org_support-all-features.html
	org, err := organizations.NewOrganization(ctx, name, &organizations.OrganizationArgs{
		FeatureSet:                 pulumi.String("ALL"),
		AwsServiceAccessPrincipals: principals,
		EnabledPolicyTypes:         pulumi.StringArray{pulumi.String("SERVICE_CONTROL_POLICY")},
	}, kept...)
	if err != nil {
		return nil, fmt.Errorf("organization %q: %w", name, err)
	}
	rootID := org.Roots.Index(pulumi.Int(0)).Id().Elem().ToStringOutput()
	c.ID = org.ID().ToStringOutput()
	c.RootID = rootID

	units := map[string]*organizations.OrganizationalUnit{}
	unitIDs := pulumi.StringMap{}
	for _, u := range a.Units {
		parent := pulumi.StringInput(rootID)
		if u.Parent != "" {
			parent = units[u.Parent].ID().ToStringOutput()
		}
		ou, err := organizations.NewOrganizationalUnit(ctx, name+"-"+u.Key, &organizations.OrganizationalUnitArgs{
			Name:     pulumi.String(u.Name),
			ParentId: parent,
		}, kept...)
		if err != nil {
			return nil, fmt.Errorf("organization %q: unit %s: %w", name, u.Key, err)
		}
		units[u.Key] = ou
		unitIDs[u.Key] = ou.ID().ToStringOutput()
	}
	c.UnitIDs = unitIDs.ToStringMapOutput()

	accountIDs := pulumi.StringMap{}
	for _, acct := range a.Accounts {
		opts := append(slices.Clone(kept),
			// AWS returns neither the role's name nor the billing setting,
			// and an adopted account keeps the name and address it has:
			// none of them may ever replace an account.
			// Source: https://www.pulumi.com/registry/packages/aws/api-docs/organizations/account/#import
			pulumi.IgnoreChanges([]string{"name", "email", "roleName", "iamUserAccessToBilling"}))
		if a.Adopt && acct.ID != "" {
			// An import succeeds only when the declared inputs match the
			// account as it is, so while adopting, its unit and tags are
			// left as they are too; the next update without Adopt moves
			// the account into its unit and tags it.
			// Source: https://www.pulumi.com/docs/iac/concepts/options/import/
			opts = append(opts, pulumi.Import(pulumi.ID(acct.ID)),
				pulumi.IgnoreChanges([]string{"name", "email", "roleName", "iamUserAccessToBilling", "parentId", "tags", "tagsAll"}))
		}
		member, err := organizations.NewAccount(ctx, AccountResourceName(name, acct.Key), &organizations.AccountArgs{
			Name:     pulumi.String(acct.Name),
			Email:    pulumi.String(acct.Email),
			ParentId: units[acct.Unit].ID(),
			// Removing the account from the program leaves it in AWS, in
			// the organization: closing it would delete all it holds.
			// Source: https://www.pulumi.com/registry/packages/aws/api-docs/organizations/account/
			CloseOnDeletion:        pulumi.Bool(false),
			RoleName:               pulumi.String(AccessRoleName),
			IamUserAccessToBilling: pulumi.String("ALLOW"),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("organization %q: account %s: %w", name, acct.Key, err)
		}
		accountIDs[acct.Key] = member.ID().ToStringOutput()
	}
	c.AccountIDs = accountIDs.ToStringMapOutput()

	for _, pol := range a.Policies {
		scp, err := organizations.NewPolicy(ctx, name+"-"+pol.Name, &organizations.PolicyArgs{
			Name:        pulumi.String(pol.Name),
			Description: pulumi.String(pol.Description),
			Type:        pulumi.String("SERVICE_CONTROL_POLICY"),
			Content:     pulumi.String(pol.Content),
		}, child, pulumi.DependsOn([]pulumi.Resource{org}))
		if err != nil {
			return nil, fmt.Errorf("organization %q: policy %s: %w", name, pol.Name, err)
		}
		for _, t := range pol.Targets {
			target := pulumi.StringInput(rootID)
			if t != RootTarget {
				target = units[t].ID()
			}
			if _, err := organizations.NewPolicyAttachment(ctx, name+"-"+pol.Name+"-"+t, &organizations.PolicyAttachmentArgs{
				PolicyId: scp.ID(),
				TargetId: target,
			}, child); err != nil {
				return nil, fmt.Errorf("organization %q: policy %s on %s: %w", name, pol.Name, t, err)
			}
		}
	}

	c.DelegateRoleARN = pulumi.String("").ToStringOutput()
	if d := a.DelegateRole; d != nil {
		arn, err := delegateRole(ctx, name, &a, d, child, org)
		if err != nil {
			return nil, fmt.Errorf("organization %q: delegate role: %w", name, err)
		}
		c.DelegateRoleARN = arn
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"organizationId":  c.ID,
		"rootId":          c.RootID,
		"unitIds":         c.UnitIDs,
		"accountIds":      c.AccountIDs,
		"delegateRoleArn": c.DelegateRoleARN,
	})
}

// AccessRoleName is the role AWS creates in every account the organization
// creates, trusting the management account: the documented default.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html
const AccessRoleName = "OrganizationAccountAccessRole"

// AccountResourceName is the logical name of a member account's resource:
// what `pulumi import` names (ImportCommand).
func AccountResourceName(component, key string) string { return component + "-" + key }

// ImportCommand is the command that adopts an existing member account into
// the state of stack (of project) before its first `pulumi up`, so that the
// program manages the account instead of creating it again (AWS would
// refuse: its address is taken). component is the Organization's name and
// provider the name of the explicit provider it was given.
// Source: https://www.pulumi.com/docs/iac/cli/commands/pulumi_import/
func ImportCommand(project, stack, component, provider, key, id string) string {
	return fmt.Sprintf("pulumi import -s %s --yes --protect --generate-code=false --parent %s=%s --provider %s=%s aws:organizations/account:Account %s %s",
		stack, component, ComponentURN(project, stack, component), provider, ProviderURN(project, stack, provider), AccountResourceName(component, key), id)
}

// ComponentURN is the URN of a top-level Organization component.
func ComponentURN(project, stack, component string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::refarch:organization:Organization::%s", stack, project, component)
}

// ProviderURN is the URN of a top-level aws provider.
func ProviderURN(project, stack, provider string) string {
	return fmt.Sprintf("urn:pulumi:%s::%s::pulumi:providers:aws::%s", stack, project, provider)
}

// delegateRole creates the role of the management account that the
// trusted role assumes to designate its own account the delegated
// administrator: only the management account may, and the deploy role
// of the security account must not hold more of the management account
// than that.
// Sources: https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html,
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-add-delegated-administrator.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/designate-orgs-admin-account.html,
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html
func delegateRole(ctx *pulumi.Context, name string, a *OrganizationArgs, d *DelegateRoleArgs, child pulumi.ResourceOption, org pulumi.Resource) (pulumi.StringOutput, error) {
	trust, err := iampolicy.New(iampolicy.Statement{
		Sid:       "TheAdministratorsDeployRole",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(a.Partition, d.TrustedAccountID)}},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"ArnEquals": {"aws:PrincipalArn": {d.TrustedRoleARN}}},
	}).JSON()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	perms, err := iampolicy.New(
		iampolicy.Statement{
			Sid:    "DesignateTheDelegatedAdministrator",
			Effect: iampolicy.Allow,
			Action: []string{
				"guardduty:EnableOrganizationAdminAccount", "guardduty:DisableOrganizationAdminAccount", "guardduty:ListOrganizationAdminAccounts",
				"securityhub:EnableOrganizationAdminAccount", "securityhub:DisableOrganizationAdminAccount", "securityhub:ListOrganizationAdminAccounts",
				"cloudtrail:RegisterOrganizationDelegatedAdmin", "cloudtrail:DeregisterOrganizationDelegatedAdmin", "iam:GetRole",
				"organizations:RegisterDelegatedAdministrator", "organizations:DeregisterDelegatedAdministrator",
				"organizations:ListDelegatedAdministrators", "organizations:ListDelegatedServicesForAccount",
				"organizations:EnableAWSServiceAccess", "organizations:ListAWSServiceAccessForOrganization",
				"organizations:DescribeOrganization", "organizations:DescribeAccount", "organizations:DescribeOrganizationalUnit",
				"organizations:ListAccounts", "organizations:ListRoots",
			},
			Resource: []string{"*"},
		},
		iampolicy.Statement{
			// GuardDuty, Security Hub and CloudTrail create their
			// service-linked roles in the management account when they are
			// delegated.
			Sid:       "TheServicesLinkedRoles",
			Effect:    iampolicy.Allow,
			Action:    []string{"iam:CreateServiceLinkedRole"},
			Resource:  []string{"*"},
			Condition: iampolicy.Conditions{"StringEquals": {"iam:AWSServiceName": {"guardduty.amazonaws.com", "securityhub.amazonaws.com", "malware-protection.guardduty.amazonaws.com", "cloudtrail.amazonaws.com"}}},
		},
	).JSON()
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	role, err := iam.NewRole(ctx, name+"-delegate", &iam.RoleArgs{
		Name:               pulumi.String(d.RoleName),
		Description:        pulumi.String("Lets the security account's deploy role designate its account the organization's delegated administrator"),
		AssumeRolePolicy:   pulumi.String(trust),
		MaxSessionDuration: pulumi.Int(3600),
	}, child, pulumi.DependsOn([]pulumi.Resource{org}))
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-delegate", &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: pulumi.String(perms),
	}, child); err != nil {
		return pulumi.StringOutput{}, err
	}
	return role.Arn, nil
}
