package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runSharedServices composes the shared-services account: the account
// baseline, the management VPC (peered with the application VPCs), the root
// DNS zone, the roles through which each application stack wires its
// peering and DNS delegation here, and the container registry.
func runSharedServices(ctx *pulumi.Context, c *Config, p *Providers) error {
	return compose(ctx, c, p, []step{
		{"security baseline", deployBaseline},
		{"network", deployNetwork},
		{"dns", deployDNS},
		{"delegate roles", deployDelegateRoles},
		{"registry", deployRegistry},
	})
}
