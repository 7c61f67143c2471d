package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/delegaterole"
)

// deployDelegateRoles creates, in shared-services, the DelegateRole each
// application environment assumes there (Providers.SharedServices) to wire
// its peering with the management VPC and the NS delegation of its zone.
func deployDelegateRoles(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	if a.Network == nil {
		return fmt.Errorf("the delegate roles need the management network")
	}
	var zone pulumi.StringInput
	if a.DNS != nil && a.DNS.PublicZoneID != nil {
		zone = a.DNS.PublicZoneID
	}
	for _, env := range StackNames() {
		if stackRoles[env] != RoleApp {
			continue
		}
		if _, err := delegaterole.NewDelegateRole(ctx, "delegate-"+env, &delegaterole.Args{
			RoleName:             DelegateRoleName(env),
			Environment:          env,
			Partition:            c.Partition,
			Region:               c.Region,
			AccountID:            c.AccountID,
			EnvironmentAccountID: c.Accounts[env].ID,
			OperatorsAccountID:   c.Accounts["security"].ID,
			CIRoleName:           CIRoleName,
			ManagementVpcID:      a.Network.VpcID,
			RootZoneID:           zone,
			DelegatedName:        env + "." + c.Domain,
		}, pulumi.Provider(p.Account)); err != nil {
			return err
		}
	}
	return nil
}
