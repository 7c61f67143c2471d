package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runApp composes an application account (dev, stage, prod).
func runApp(ctx *pulumi.Context, c *Config, p *Providers) error {
	ctx.Export("zoneName", pulumi.String(c.EnvDomain()))
	return nil
}

// EnvDomain is the DNS zone an application stack serves: <stack>.<domain>.
func (c *Config) EnvDomain() string { return c.Stack + "." + c.Domain }
