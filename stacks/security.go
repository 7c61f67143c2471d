package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runSecurity composes the security account: the account baseline (which
// there also holds the central audit archive) and the IAM users and groups
// of every person who works in the organization.
func runSecurity(ctx *pulumi.Context, c *Config, p *Providers) error {
	return compose(ctx, c, p, []step{
		{"security baseline", deployBaseline},
		{"identity", deployIdentity},
	})
}
