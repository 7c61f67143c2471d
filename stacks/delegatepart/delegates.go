// Package delegatepart is the delegate-role part of shared-services'
// composition: the DelegateRole each application environment assumes there
// to wire its peering and DNS delegation.
package delegatepart

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/delegaterole"
	"github.com/refarch/refarch/stacks/stack"
)

// Deploy creates, in shared-services, the DelegateRole each
// application environment assumes there (Providers.SharedServices) to wire
// its peering with the management VPC and the NS delegation of its zone.
func Deploy(ctx *pulumi.Context, c *stack.Config, p *stack.Providers, a *stack.Parts) error {
	if a.Network == nil {
		return fmt.Errorf("the delegate roles need the management network")
	}
	var zone pulumi.StringInput
	if a.DNS != nil && a.DNS.PublicZoneID != nil {
		zone = a.DNS.PublicZoneID
	}
	for _, env := range c.NamesOf(stack.RoleApp) {
		if _, err := delegaterole.NewDelegateRole(ctx, "delegate-"+env, &delegaterole.DelegateRoleArgs{
			RoleName:             stack.DelegateRoleName(env),
			Environment:          env,
			Partition:            c.Partition,
			Region:               c.Region,
			AccountID:            c.AccountID,
			EnvironmentAccountID: c.Accounts[env].ID,
			OperatorsAccountID:   c.Accounts["security"].ID,
			DeployRoleName:       c.DeployRoleName,
			ManagementVpcID:      a.Network.VpcID,
			RootZoneID:           zone,
			DelegatedName:        env + "." + c.Domain,
		}, pulumi.Provider(p.Account)); err != nil {
			return err
		}
	}
	return nil
}
