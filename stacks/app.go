package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runApp composes an application account (dev, stage, prod): the account
// baseline, the VPC, DNS and certificates, the data stores, the load
// balancers and ECS services, and the CDN in front of them.
func runApp(ctx *pulumi.Context, c *Config, p *Providers) error {
	return compose(ctx, c, p, []step{
		{"security baseline", deployBaseline},
		{"network", deployNetwork},
		{"dns", deployDNS},
		{"data stores", deployData},
		{"platform", deployPlatform},
		{"edge", deployEdge},
	})
}

// EnvDomain is the DNS zone an application stack serves: <stack>.<domain>.
func (c *Config) EnvDomain() string { return c.Stack + "." + c.Domain }
