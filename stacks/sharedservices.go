package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runSharedServices composes the shared-services account: operator tooling,
// the root DNS zone, container images and the VPN server.
func runSharedServices(ctx *pulumi.Context, c *Config, p *Providers) error {
	return nil
}
