// Package stacks holds one composition per account role and the typed,
// validated stack configuration that feeds them.
//
// The program deploys one stack per AWS account. The stack name decides the
// role (stack.RoleOf): management holds the AWS Organization above the
// others, dev, stage and prod are application accounts, security holds IAM
// users and the audit logs and administers every account's findings,
// shared-services holds operator tooling. Run reads and validates the whole configuration before
// it registers anything, builds the explicit AWS providers that pin the
// stack to its account, and hands both to the role's composition.
//
// This package only orders the parts; each part (stacks/<concern>part)
// composes the components of one concern and reads its own section of the
// configuration, and stacks/stack holds what they share.
package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/stacks/stack"
)

// Run is the Pulumi program: main.go hands it to pulumi.Run, and the tests and
// the offline plan run it under the Pulumi mock engine.
func Run(ctx *pulumi.Context) error {
	cfg, err := Load(ctx.Stack(), stack.ContextSource(ctx))
	if err != nil {
		return err
	}
	providers, err := stack.NewProviders(ctx, &cfg.Config)
	if err != nil {
		return fmt.Errorf("stack %q: %w", cfg.Stack, err)
	}
	ctx.Export(stack.OutputAccountID, pulumi.String(cfg.AccountID))
	ctx.Export(stack.OutputRegion, pulumi.String(cfg.Region))

	var steps []step
	switch cfg.Role {
	case stack.RoleApp:
		steps = appSteps
	case stack.RoleSecurity:
		steps = securitySteps
	case stack.RoleSharedServices:
		steps = sharedServicesSteps
	case stack.RoleManagement:
		steps = managementSteps
	}
	if err := compose(ctx, cfg, providers, steps); err != nil {
		return fmt.Errorf("stack %q: %w", cfg.Stack, err)
	}
	return nil
}

// step is one part of a composition.
type step struct {
	name string
	run  func(ctx *pulumi.Context, c *Config, p *stack.Providers, a *stack.Parts) error
}

// compose runs the steps of a role in order; the first failure stops it.
func compose(ctx *pulumi.Context, c *Config, p *stack.Providers, steps []step) error {
	a := &stack.Parts{}
	for _, s := range steps {
		if err := s.run(ctx, c, p, a); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}
