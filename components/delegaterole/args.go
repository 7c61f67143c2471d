package delegaterole

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// DelegateRoleArgs configures a DelegateRole. Every field is required unless it says
// otherwise.
type DelegateRoleArgs struct {
	// RoleName is the role's fixed name: the environment's provider
	// assumes it by ARN, so it cannot be autonamed. Required.
	RoleName string
	// Environment names the environment the role serves (in descriptions).
	// Required.
	Environment string
	// Partition, Region and AccountID are where the role lives (the
	// account holding the management VPC and the root zone). Required;
	// Partition defaults to the region's.
	Partition, Region, AccountID string
	// EnvironmentAccountID is the environment's account: the only one whose
	// VPCs the role may peer with, and whose deploy role may assume it.
	// Required: an account other than AccountID.
	EnvironmentAccountID string
	// OperatorsAccountID is the account whose people (with MFA) may assume
	// the role: the security account holding the IAM users. Required.
	OperatorsAccountID string
	// DeployRoleName is the environment's deploy role (the session its
	// stack's providers start from, in CI and on a laptop), admitted by
	// condition on its ARN: IAM refuses a trust policy naming a role that
	// does not exist yet. Required.
	DeployRoleName string
	// ManagementVpcID is the VPC the environment peers with, whose route
	// tables the role may change. Required.
	ManagementVpcID pulumi.StringInput
	// RootZoneID is the root hosted zone the environment's NS record goes
	// into. Default none: the role then gets no Route 53 permission.
	RootZoneID pulumi.StringInput
	// DelegatedName is the one record name the role may write in the root
	// zone (<environment>.<domain>), NS records only. Required with
	// RootZoneID.
	DelegatedName string
	// MaxSessionHours is the longest session. Default 1: the role only
	// serves an update.
	MaxSessionHours int
}

// MaxNameLength bounds a DelegateRole's name, the logical name of its role
// and policy.
const MaxNameLength = 64

// CheckName returns the rule a DelegateRole's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

func (a *DelegateRoleArgs) withDefaults() DelegateRoleArgs {
	out := *a
	if out.Partition == "" {
		out.Partition = validate.Partition(out.Region)
	}
	if out.MaxSessionHours == 0 {
		out.MaxSessionHours = 1
	}
	return out
}

// roleName is what IAM accepts as a role name.
// Source: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
var roleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field, the value and the rule.
func (a *DelegateRoleArgs) Validate() error {
	d := a.withDefaults()
	return d.validate()
}

func (a *DelegateRoleArgs) validate() error {
	var p validate.Problems
	for _, f := range []struct{ field, name string }{{"Args.RoleName", a.RoleName}, {"Args.DeployRoleName", a.DeployRoleName}} {
		if !roleName.MatchString(f.name) {
			p.Add(f.field, f.name, "must be an IAM role name: 1-64 letters, digits and +=,.@_-")
		}
	}
	if a.Environment == "" {
		p.Add("Args.Environment", "", "is required")
	}
	p.Check("Args.Region", a.Region, validate.CheckRegion(a.Region))
	for _, f := range []struct{ field, id string }{
		{"Args.AccountID", a.AccountID}, {"Args.EnvironmentAccountID", a.EnvironmentAccountID}, {"Args.OperatorsAccountID", a.OperatorsAccountID},
	} {
		p.Check(f.field, f.id, validate.CheckAccountID(f.id))
	}
	if a.EnvironmentAccountID != "" && a.EnvironmentAccountID == a.AccountID {
		p.Add("Args.EnvironmentAccountID", a.EnvironmentAccountID, "must differ from Args.AccountID: a delegate role crosses accounts")
	}
	if a.ManagementVpcID == nil {
		p.Add("Args.ManagementVpcID", "", "is required")
	}
	if a.RootZoneID != nil {
		p.Check("Args.DelegatedName", a.DelegatedName, validate.CheckDomainName(a.DelegatedName))
	}
	p.Check("Args.MaxSessionHours", fmt.Sprint(a.MaxSessionHours), validate.CheckRange(a.MaxSessionHours, 1, 12))
	return p.Err("delegate role arguments")
}
