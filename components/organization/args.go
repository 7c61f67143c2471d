package organization

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/components/validate"
)

// OrganizationArgs configures an Organization. Zero values mean the
// default; every default is the secure choice.
type OrganizationArgs struct {
	// ManagementAccountID is the 12-digit id of the organization's
	// management account, the account of the component's provider.
	// Required: no member account may have it.
	ManagementAccountID string
	// Partition is the ARN partition. Default "aws".
	Partition string
	// ServicePrincipals are the AWS services the organization trusts
	// (trusted access): only the services the design administers across
	// accounts. Default DefaultServicePrincipals.
	// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html
	ServicePrincipals []string
	// Units are the organizational units. Default DefaultUnits. Keys are
	// distinct; a unit's Parent is "" (the root) or the key of a unit
	// listed before it.
	Units []Unit
	// Accounts are the member accounts. Required (at least one).
	Accounts []Account
	// Policies are the service control policies and the units (or the
	// root) each is attached to. Default none.
	Policies []Policy
	// Adopt declares every account with an ID as adopted (Pulumi's import
	// resource option): the next update takes the existing account into
	// the state as it is (its unit and tags left alone) instead of
	// creating it, and fails, changing nothing, if the account does not
	// exist. Turn it off again for the update after: that one moves the
	// adopted accounts into their units. Default false: accounts with an
	// ID must already be in the state (adopted earlier, or with
	// ImportCommand).
	// Source: https://www.pulumi.com/docs/iac/concepts/options/import/
	Adopt bool
	// DelegateRole, when set, creates the role through which another
	// account's deploy role makes the delegations only the management
	// account may make (the security account's delegated
	// administration). Default nil.
	DelegateRole *DelegateRoleArgs
	// Protect protects the organization, its units and accounts from
	// `pulumi destroy`. Default false; stacks pass their deletionProtection. Every account is also retained on delete and never
	// closed (CloseOnDeletion false), whatever Protect says: closing an
	// account deletes everything in it.
	Protect bool
}

// Unit is one organizational unit.
type Unit struct {
	// Key names the unit in Accounts, Policies and Parent. Required.
	Key string
	// Name is the unit's name in AWS. Required; 1-128 characters.
	// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html
	Name string
	// Parent is the key of the unit this one sits under. Default "": the
	// root.
	Parent string
	// Reason says why accounts sit here (in the docs). Default "".
	Reason string
}

// Account is one member account.
type Account struct {
	// Key names the account (the stack that deploys into it). Required.
	Key string
	// Name is the account's name. Required; 1-50 characters. An existing
	// account keeps the name it has: the program never renames it.
	// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
	Name string
	// Email is the address of the account's root user. Required; 6-64
	// characters. An existing account keeps its own.
	Email string
	// Unit is the key of the unit the account sits in. Required.
	Unit string
	// ID is the account's id when it exists already (adopted with
	// `pulumi import`, ImportCommand). Default "": an account the program
	// creates.
	ID string
}

// Policy is one service control policy.
type Policy struct {
	// Name is the policy's name. Required; 1-128 characters.
	Name string
	// Description says what it denies and why. Required.
	Description string
	// Content is the policy document (JSON). Required; at most 5,120
	// characters.
	// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
	Content string
	// Targets are the unit keys the policy is attached to, or RootTarget.
	// Required. At most MaxAttachedPolicies - 1 of these policies may be
	// attached to one target: AWS counts its own FullAWSAccess too.
	Targets []string
}

// DelegateRoleArgs configures the delegate role of the management account.
type DelegateRoleArgs struct {
	// RoleName is the role's fixed name. Required.
	RoleName string
	// TrustedRoleARN is the one role that may assume it (the security
	// account's deploy role). Required.
	TrustedRoleARN string
	// TrustedAccountID is that role's account. Required.
	TrustedAccountID string
}

// RootTarget is the Policy target that means the organization's root.
const RootTarget = "root"

// MaxAttachedPolicies is how many SCPs AWS lets attach directly to one
// root, unit or account, FullAWSAccess included.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const MaxAttachedPolicies = 5

// MaxPolicySize is the largest SCP document AWS accepts, in characters.
const MaxPolicySize = 5120

// DefaultServicePrincipals are the services trusted by default: the audit
// and detection services the security account administers.
var DefaultServicePrincipals = []string{
	"access-analyzer.amazonaws.com",
	"cloudtrail.amazonaws.com",
	"config.amazonaws.com",
	"guardduty.amazonaws.com",
	"securityhub.amazonaws.com",
}

// The keys of DefaultUnits.
const (
	UnitSecurity       = "security"
	UnitInfrastructure = "infrastructure"
	UnitWorkloads      = "workloads"
	UnitProd           = "prod"
	UnitSDLC           = "sdlc"
)

// DefaultUnits follow AWS's recommended organizational units: a Security
// unit for the account that holds the audit archive and administers
// detection, an Infrastructure unit for shared services, and a Workloads
// unit split into production and the software development life cycle
// (dev, stage), so that production can get stricter guardrails than the
// environments that change every day.
// Source: https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/recommended-ous-and-scps.html
var DefaultUnits = []Unit{
	{Key: UnitSecurity, Name: "Security", Reason: "the audit archive, the IAM users and the administration of every account's findings: the fewest people and changes"},
	{Key: UnitInfrastructure, Name: "Infrastructure", Reason: "services every environment uses (DNS root, registry, VPN): changed by the platform team only"},
	{Key: UnitWorkloads, Name: "Workloads", Reason: "the application environments"},
	{Key: UnitProd, Name: "Prod", Parent: UnitWorkloads, Reason: "production: what customers use"},
	{Key: UnitSDLC, Name: "SDLC", Parent: UnitWorkloads, Reason: "development and staging: environments that change every day"},
}

func (a OrganizationArgs) withDefaults() OrganizationArgs {
	if a.Partition == "" {
		a.Partition = "aws"
	}
	if a.ServicePrincipals == nil {
		a.ServicePrincipals = DefaultServicePrincipals
	}
	a.ServicePrincipals = slices.Clone(a.ServicePrincipals)
	slices.Sort(a.ServicePrincipals)
	if a.Units == nil {
		a.Units = DefaultUnits
	}
	a.Units = slices.Clone(a.Units)
	a.Accounts = slices.Clone(a.Accounts)
	a.Policies = slices.Clone(a.Policies)
	if a.DelegateRole != nil {
		d := *a.DelegateRole
		a.DelegateRole = &d
	}
	return a
}

// Validate applies the defaults to a copy and reports every argument that
// breaks a rule, each naming the field, the value and the rule.
func (a *OrganizationArgs) Validate() error {
	d := a.withDefaults()
	return d.validate()
}

func (a *OrganizationArgs) validate() error {
	var p validate.Problems
	p.Check("Args.ManagementAccountID", a.ManagementAccountID, validate.CheckAccountID(a.ManagementAccountID))
	for i, s := range a.ServicePrincipals {
		if !strings.HasSuffix(s, ".amazonaws.com") {
			p.Add(fmt.Sprintf("Args.ServicePrincipals[%d]", i), s, "must be a service principal (<service>.amazonaws.com)")
		}
	}
	units := map[string]bool{}
	for i, u := range a.Units {
		f := fmt.Sprintf("Args.Units[%d]", i)
		switch {
		case u.Key == "" || u.Key == RootTarget:
			p.Add(f+".Key", u.Key, "must be set, and not \""+RootTarget+"\"")
		case units[u.Key]:
			p.Add(f+".Key", u.Key, "is listed twice")
		}
		p.Check(f+".Name", u.Name, CheckUnitName(u.Name))
		if u.Parent != "" && !units[u.Parent] {
			p.Add(f+".Parent", u.Parent, "must be the key of a unit listed before this one")
		}
		units[u.Key] = true
	}
	if len(a.Accounts) == 0 {
		p.Add("Args.Accounts", "", "must list the member accounts")
	}
	keys, ids, emails := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, acct := range a.Accounts {
		f := fmt.Sprintf("Args.Accounts[%d]", i)
		if acct.Key == "" || keys[acct.Key] {
			p.Add(f+".Key", acct.Key, "must be set and distinct")
		}
		keys[acct.Key] = true
		p.Check(f+".Name", acct.Name, CheckAccountName(acct.Name))
		p.Check(f+".Email", acct.Email, CheckAccountEmail(acct.Email))
		if emails[strings.ToLower(acct.Email)] {
			p.Add(f+".Email", acct.Email, "is another account's: every account needs its own root address")
		}
		emails[strings.ToLower(acct.Email)] = true
		if !units[acct.Unit] {
			p.Add(f+".Unit", acct.Unit, "must be the key of a unit")
		}
		if acct.ID != "" {
			p.Check(f+".ID", acct.ID, validate.CheckAccountID(acct.ID))
			switch {
			case acct.ID == a.ManagementAccountID:
				p.Add(f+".ID", acct.ID, "is the management account's: it is the organization, not a member")
			case ids[acct.ID]:
				p.Add(f+".ID", acct.ID, "is listed twice")
			}
			ids[acct.ID] = true
		}
	}
	attached := map[string][]string{}
	for i, pol := range a.Policies {
		f := fmt.Sprintf("Args.Policies[%d]", i)
		p.Check(f+".Name", pol.Name, CheckPolicyName(pol.Name))
		if pol.Description == "" {
			p.Add(f+".Description", "", "must say what the policy denies and why")
		}
		if n := len(pol.Content); n == 0 || n > MaxPolicySize {
			p.Addf(f+".Content", fmt.Sprintf("%d characters", n), "must be 1-%d characters: AWS refuses a larger service control policy", MaxPolicySize)
		}
		if len(pol.Targets) == 0 {
			p.Add(f+".Targets", "", "must name at least one unit or \""+RootTarget+"\"")
		}
		for j, t := range pol.Targets {
			if t != RootTarget && !units[t] {
				p.Add(fmt.Sprintf("%s.Targets[%d]", f, j), t, "must be a unit's key or \""+RootTarget+"\"")
			}
			attached[t] = append(attached[t], pol.Name)
		}
	}
	for t, names := range attached {
		if len(names) > MaxAttachedPolicies-1 {
			p.Addf("Args.Policies", t, "attach %d policies to %s (%s): AWS allows %d per target, its FullAWSAccess included", len(names), t, strings.Join(names, ", "), MaxAttachedPolicies)
		}
	}
	if d := a.DelegateRole; d != nil {
		p.Check("Args.DelegateRole.RoleName", d.RoleName, validate.CheckRoleName(d.RoleName))
		p.Check("Args.DelegateRole.TrustedAccountID", d.TrustedAccountID, validate.CheckAccountID(d.TrustedAccountID))
		if !strings.HasPrefix(d.TrustedRoleARN, "arn:") || !strings.Contains(d.TrustedRoleARN, ":"+d.TrustedAccountID+":role/") {
			p.Add("Args.DelegateRole.TrustedRoleARN", d.TrustedRoleARN, "must be a role ARN of Args.DelegateRole.TrustedAccountID")
		}
	}
	return p.Err("organization arguments")
}

// CheckUnitName returns the rule an organizational unit's name breaks, or
// "": 1-128 characters of the ASCII range, as CreateOrganizationalUnit
// documents ("a string of any of the characters in the ASCII character
// range").
// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html
func CheckUnitName(s string) string {
	if n := len(s); n < 1 || n > 128 {
		return "must be 1-128 characters"
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return "must be printable ASCII characters only: AWS Organizations refuses others in a unit's name"
		}
	}
	return ""
}

// CheckAccountName returns the rule an account name breaks, or "".
func CheckAccountName(s string) string {
	if n := len([]rune(s)); n < 1 || n > 50 {
		return "must be 1-50 characters"
	}
	return ""
}

// CheckAccountEmail returns the rule an account's root address breaks, or "".
func CheckAccountEmail(s string) string {
	if rule := validate.CheckEmail(s); rule != "" {
		return rule
	}
	if n := len(s); n < 6 || n > 64 {
		return "must be 6-64 characters: AWS Organizations refuses another length (https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html)"
	}
	return ""
}

// CheckPolicyName returns the rule a policy name breaks, or "".
func CheckPolicyName(s string) string {
	if n := len(s); n < 1 || n > 128 {
		return "must be 1-128 characters"
	}
	return ""
}
