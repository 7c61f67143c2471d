package stack

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Role is the kind of AWS account a stack deploys into.
type Role string

// The account roles.
const (
	// RoleApp is an application account: dev, stage, prod, or any other
	// environment the account directory lists.
	RoleApp Role = "app"
	// RoleSecurity is the account holding IAM users, groups and audit logs.
	RoleSecurity Role = "security"
	// RoleSharedServices is the account holding operator tooling and the VPN.
	RoleSharedServices Role = "shared-services"
	// RoleManagement is the AWS Organization's management account: the
	// organization, its units, accounts and guardrails.
	RoleManagement Role = "management"
)

// fixedOrder lists the stacks of the organization's own accounts in the
// order a new organization deploys them: the management account first (the
// organization, its accounts and guardrails, and the trusted access the
// delegations need), then security (it holds the users and the audit
// bucket the others write to, and becomes the delegated administrator of
// every account's findings), then shared-services (DNS root, container
// images, VPN). The application environments follow (Directory.Names).
var fixedOrder = []string{"management", "security", "shared-services"}

var fixedRoles = map[string]Role{
	"management":      RoleManagement,
	"security":        RoleSecurity,
	"shared-services": RoleSharedServices,
}

// ProdStack is the production environment: deployed last, with the
// strictest rules.
const ProdStack = "prod"

// envName is the shape of an application environment's name: it becomes a
// DNS label (<env>.<domain>), and part of role, bucket and resource names,
// whose limits leave it at most 10 characters.
var envName = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)

// CheckEnvironmentName returns the rule an application environment's name
// breaks, or "".
func CheckEnvironmentName(name string) string {
	if !envName.MatchString(name) {
		return "must be 2-10 lower-case letters and digits, starting with a letter: an environment's name becomes a DNS label and part of role and bucket names"
	}
	return ""
}

// sampleEnvironments are the application environments of the committed
// sample, in deployment order (Names).
var sampleEnvironments = []string{"dev", "stage", ProdStack}

// Names returns the stacks of the committed sample directory (management,
// security, shared-services, dev, stage, prod), in deployment order. A
// program that knows its directory uses Directory.Names, which also holds
// the environments an organization adds.
func Names() []string {
	return append(slices.Clone(fixedOrder), sampleEnvironments...)
}

// NamesOf returns the sample stacks of one role, in deployment order.
func NamesOf(role Role) []string { return OfRole(Names(), role) }

// RequiredStacks are the stacks every directory lists: the organization's
// own accounts and prod.
func RequiredStacks() []string { return append(slices.Clone(fixedOrder), ProdStack) }

// Directory is the account directory (refarch:accounts) by stack name.
type Directory map[string]Account

// Names returns the directory's stacks in deployment order: management,
// security, shared-services, then the application environments from least
// to most critical (alphabetically, prod last).
func (d Directory) Names() []string {
	names := make([]string, 0, len(d))
	for name := range d {
		names = append(names, name)
	}
	return Ordered(names)
}

// Ordered returns names in deployment order: management, security,
// shared-services, then the application environments from least to most
// critical (alphabetically, prod last).
func Ordered(names []string) []string {
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	var out []string
	for _, s := range fixedOrder {
		if has[s] {
			out = append(out, s)
		}
	}
	var envs []string
	for n := range has {
		if _, fixed := fixedRoles[n]; !fixed && n != ProdStack {
			envs = append(envs, n)
		}
	}
	sort.Strings(envs)
	out = append(out, envs...)
	if has[ProdStack] {
		out = append(out, ProdStack)
	}
	return out
}

// NamesOf returns the directory's stacks of one role, in deployment order.
func (d Directory) NamesOf(role Role) []string { return OfRole(d.Names(), role) }

// OfRole keeps the names of one role, in their order.
func OfRole(names []string, role Role) []string {
	var out []string
	for _, s := range names {
		if r, _ := RoleOf(s); r == role {
			out = append(out, s)
		}
	}
	return out
}

// RoleOf returns the role of a stack: management, security and
// shared-services are the organization's own accounts; any other valid
// environment name is an application environment. It fails for a name no
// stack may have.
func RoleOf(stack string) (Role, error) {
	if role, ok := fixedRoles[stack]; ok {
		return role, nil
	}
	if rule := CheckEnvironmentName(stack); rule != "" {
		return "", fmt.Errorf("unknown stack %q: the stacks are %s and application environments, whose name %s",
			stack, strings.Join(fixedOrder, ", "), rule)
	}
	return RoleApp, nil
}
