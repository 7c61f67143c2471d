// Package organizationpart is the management stack's composition: the AWS
// Organization over the accounts of the account directory, its units,
// the guardrails (service control policies) and the delegate role the
// security stack uses to become the delegated administrator.
package organizationpart

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/guardrails"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/organization"
	"github.com/refarch/refarch/stacks/stack"
)

// ComponentName is the Organization component's name (and the prefix of
// its children's logical names, which ImportCommand names).
const ComponentName = stack.Namespace + "-organization"

// OutputAccountIDs is the management stack's output of the member
// accounts' ids by stack: what to write into refarch:accounts after the
// stack created an account.
const OutputAccountIDs = "accountIds"

// OutputOrganizationID is the organization's id (o-...).
const OutputOrganizationID = "organizationId"

// UnitOf is the unit a stack's account sits in: the security account in
// Security, shared-services in Infrastructure, prod in Prod and every
// other application environment in SDLC.
func UnitOf(name string) string {
	role, _ := stack.RoleOf(name)
	switch {
	case role == stack.RoleSecurity:
		return organization.UnitSecurity
	case role == stack.RoleSharedServices:
		return organization.UnitInfrastructure
	case name == "prod":
		return organization.UnitProd
	default:
		return organization.UnitSDLC
	}
}

// AccountName is the name a created member account gets.
func AccountName(name string) string { return stack.Namespace + "-" + name }

// ProviderName is the name of the management stack's provider, which
// ImportCommand names.
func ProviderName() string { return "aws-management" }

// ImportCommands are the commands that adopt the existing member accounts
// (those with an id in the directory) before management's first full
// update: a targeted update first creates the provider and the component
// the imported accounts belong to (pulumi import names both), then one
// import per account. The full `pulumi up -s management` after them
// creates the rest and updates the adopted accounts in place (their unit).
// Source: https://www.pulumi.com/docs/iac/guides/migration/import/
func ImportCommands(c *stack.Config) []string {
	out := []string{fmt.Sprintf("pulumi up -s management --yes --target %s --target %s",
		organization.ProviderURN(stack.Namespace, "management", ProviderName()),
		organization.ComponentURN(stack.Namespace, "management", ComponentName))}
	for _, name := range c.Names() {
		acct := c.Accounts[name]
		if name == "management" || acct.ID == "" {
			continue
		}
		out = append(out, organization.ImportCommand(stack.Namespace, "management", ComponentName, ProviderName(), name, acct.ID))
	}
	return out
}

// Deploy creates the organization, in the management stack.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, _ *stack.Parts) error {
	policies, err := guardrails.Policies(guardrails.Args{
		DeployRoleName: c.DeployRoleName,
		AllowedRegions: s.AllowedRegions,
		HomeRegion:     c.Region,
		Partition:      c.Partition,
	})
	if err != nil {
		return fmt.Errorf("guardrails: %w", err)
	}
	args := &organization.OrganizationArgs{
		ManagementAccountID: c.AccountID,
		Partition:           c.Partition,
		Protect:             c.DeletionProtection,
		Adopt:               s.AdoptAccounts,
	}
	// The security stack's delegate role, once the security account
	// exists (a new organization creates it on management's first update).
	if security := c.Accounts["security"].ID; security != "" {
		args.DelegateRole = &organization.DelegateRoleArgs{
			RoleName:         stack.DelegateRoleName("security"),
			TrustedAccountID: security,
			TrustedRoleARN:   iampolicy.RoleARN(c.Partition, security, c.DeployRoleName),
		}
	}
	for _, u := range organization.DefaultUnits {
		u.Name = s.UnitNames[u.Key]
		args.Units = append(args.Units, u)
	}
	for _, name := range c.Names() {
		if name == "management" {
			continue
		}
		acct := c.Accounts[name]
		args.Accounts = append(args.Accounts, organization.Account{
			Key: name, Name: AccountName(name), Email: acct.Email, Unit: UnitOf(name), ID: acct.ID,
		})
	}
	for _, pol := range policies {
		doc, err := pol.Document.JSON()
		if err != nil {
			return err
		}
		var targets []string
		for _, t := range pol.Targets {
			targets = append(targets, targetKey(t))
		}
		args.Policies = append(args.Policies, organization.Policy{
			Name: pol.Name, Description: pol.Description, Content: doc, Targets: targets,
		})
	}
	org, err := organization.NewOrganization(ctx, ComponentName, args, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	ctx.Export(OutputAccountIDs, org.AccountIDs)
	ctx.Export(OutputOrganizationID, org.ID)
	return nil
}

// targetKey maps a guardrail's target to the organization's unit key.
func targetKey(t guardrails.Target) string {
	switch t {
	case guardrails.TargetRoot:
		return organization.RootTarget
	case guardrails.TargetSecurity:
		return organization.UnitSecurity
	case guardrails.TargetInfrastructure:
		return organization.UnitInfrastructure
	case guardrails.TargetWorkloads:
		return organization.UnitWorkloads
	}
	return string(t)
}
