package stack

import (
	"fmt"
	"strings"
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

// Names returns the stacks this program deploys, in deployment order.
func Names() []string {
	return append([]string(nil), stackOrder...)
}

// NamesOf returns the stacks of one role, in deployment order.
func NamesOf(role Role) []string {
	var out []string
	for _, s := range stackOrder {
		if stackRoles[s] == role {
			out = append(out, s)
		}
	}
	return out
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
