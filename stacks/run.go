// Package stacks holds one composition per account role and the typed,
// validated stack configuration that feeds them.
//
// The program deploys one stack per AWS account. The stack name decides the
// role: dev, stage and prod are application accounts, security holds IAM users
// and the audit logs, shared-services holds operator tooling. Run reads and
// validates the whole configuration before it registers anything, builds the
// explicit AWS providers that pin the stack to its account, and hands both to
// the role's composition.
package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Role is the kind of AWS account a stack deploys into.
type Role string

// The account roles.
const (
	// RoleApp is an application account: dev, stage or prod.
	RoleApp Role = "app"
	// RoleSecurity is the account holding IAM users, groups and audit logs.
	RoleSecurity Role = "security"
	// RoleSharedServices is the account holding operator tooling and the VPN.
	RoleSharedServices Role = "shared-services"
)

// stackOrder lists every stack in the order a new organization deploys them:
// the security account first (it holds the users and the audit bucket the
// others write to), then shared-services (DNS root, container images, VPN),
// then the application accounts from least to most critical.
var stackOrder = []string{"security", "shared-services", "dev", "stage", "prod"}

var stackRoles = map[string]Role{
	"security":        RoleSecurity,
	"shared-services": RoleSharedServices,
	"dev":             RoleApp,
	"stage":           RoleApp,
	"prod":            RoleApp,
}

// StackNames returns the stacks this program deploys, in deployment order.
func StackNames() []string {
	return append([]string(nil), stackOrder...)
}

// RoleOf returns the role of a stack, or an error listing the valid stack
// names when the stack is not one this program knows.
func RoleOf(stack string) (Role, error) {
	role, ok := stackRoles[stack]
	if !ok {
		return "", fmt.Errorf("unknown stack %q: this program deploys only the stacks %s",
			stack, strings.Join(stackOrder, ", "))
	}
	return role, nil
}

// Run is the Pulumi program: main.go hands it to pulumi.Run, and the tests and
// the offline plan run it under the Pulumi mock engine.
func Run(ctx *pulumi.Context) error {
	cfg, err := Load(ctx.Stack(), ContextSource(ctx))
	if err != nil {
		return err
	}
	providers, err := NewProviders(ctx, cfg)
	if err != nil {
		return fmt.Errorf("stack %q: %w", cfg.Stack, err)
	}
	ctx.Export(OutputAccountID, pulumi.String(cfg.AccountID))
	ctx.Export(OutputRegion, pulumi.String(cfg.Region))

	var composition func(*pulumi.Context, *Config, *Providers) error
	switch cfg.Role {
	case RoleApp:
		composition = runApp
	case RoleSecurity:
		composition = runSecurity
	case RoleSharedServices:
		composition = runSharedServices
	}
	if err := composition(ctx, cfg, providers); err != nil {
		return fmt.Errorf("stack %q: %w", cfg.Stack, err)
	}
	return nil
}
