package statebackend

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// The defaults and bounds of StateBackendArgs.NoncurrentVersionDays.
const (
	// DefaultNoncurrentVersionDays keeps every replaced or deleted
	// checkpoint restorable for a quarter: time to notice that an update,
	// an import or a `pulumi stack rm --force` went wrong.
	DefaultNoncurrentVersionDays = 90
	// MinNoncurrentVersionDays is a week: a broken checkpoint written on a
	// Friday must still be restorable on Monday.
	MinNoncurrentVersionDays = 7
	// MaxNoncurrentVersionDays is ten years.
	MaxNoncurrentVersionDays = 3650
)

// StateBackendArgs configures a StateBackend. Zero values mean the default.
type StateBackendArgs struct {
	// BucketName is the state bucket's name, fixed because every machine
	// and CI job logs in to it by name (`pulumi login s3://<name>`).
	// Required: S3's naming rules, without dots
	// (validate.CheckBucketName).
	BucketName string
	// DeployRoleARNs are the roles whose sessions run the Pulumi CLI for
	// the stacks stored in the bucket: they may list the bucket, read and
	// write every object in it, and use the key (state and secrets).
	// Required, at least one, each the ARN of an IAM role, in any account.
	// KMS refuses a key policy naming a principal that does not exist, so
	// every role must exist before the backend is created.
	// Source: https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
	DeployRoleARNs []string
	// PreviewRoleARNs are the read-only roles pull requests preview with
	// (refarch-preview): they may list the bucket, read its objects and
	// decrypt with the key, and write nothing, which is all `pulumi
	// preview` does with a self-managed backend (a preview takes no lock).
	// Default none; each the ARN of an IAM role, in any account, none also
	// a deploy role. Like the deploy roles, each must exist first.
	PreviewRoleARNs []string
	// KeyAdministrators administer the key: change its policy, rotate it,
	// schedule its deletion, but never encrypt or decrypt with it.
	// Required, at least one principal ARN; the principal creating the
	// backend must be one of them, since KMS refuses a key policy that
	// would lock out its caller (keypolicy.CheckAdministrators).
	KeyAdministrators []string
	// StateAdministrators are principals of the bucket's own account
	// (break-glass administrators) that may, like the deploy roles, read
	// and write the state and use the key: to restore a checkpoint by hand.
	// Default none: people act through a deploy role. Each must be the ARN
	// of an IAM role or user; an account root would admit everyone in it.
	StateAdministrators []string
	// NoncurrentVersionDays is how long a replaced or deleted object (a
	// previous checkpoint, a backup, a released lock) stays restorable
	// before the lifecycle rule expires it. Default
	// DefaultNoncurrentVersionDays; MinNoncurrentVersionDays to
	// MaxNoncurrentVersionDays.
	NoncurrentVersionDays int
	// ObjectLock turns on S3 Object Lock with a default GOVERNANCE
	// retention of NoncurrentVersionDays, so no version of any object can
	// be deleted within that time even by the bucket's administrators
	// (without s3:BypassGovernanceRetention). Default false, because
	// versioning already keeps every checkpoint Pulumi overwrites and the
	// lock adds costs of its own; see the package documentation. It must
	// be chosen when the bucket is created: S3 cannot turn it off again,
	// and turning it on later makes Pulumi want to replace the bucket,
	// which its protection refuses.
	ObjectLock bool
}

// withDefaults returns a copy of a with every zero value replaced by its
// default; the caller's Args is never modified.
func (a StateBackendArgs) withDefaults() StateBackendArgs {
	if a.NoncurrentVersionDays == 0 {
		a.NoncurrentVersionDays = DefaultNoncurrentVersionDays
	}
	a.DeployRoleARNs = append([]string(nil), a.DeployRoleARNs...)
	a.PreviewRoleARNs = append([]string(nil), a.PreviewRoleARNs...)
	a.KeyAdministrators = append([]string(nil), a.KeyAdministrators...)
	a.StateAdministrators = append([]string(nil), a.StateAdministrators...)
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once.
func (a *StateBackendArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a StateBackendArgs) validate() error {
	var p validate.Problems
	if a.BucketName == "" {
		p.Add("Args.BucketName", "", "is required: every stack logs in to the bucket by its name")
	} else {
		p.Check("Args.BucketName", a.BucketName, validate.CheckBucketName(a.BucketName))
	}
	if len(a.DeployRoleARNs) == 0 {
		p.Add("Args.DeployRoleARNs", "", "must name at least one deploy role: nobody could read or write the state otherwise")
	}
	seen := map[string]bool{}
	checkRoles(&p, "Args.DeployRoleARNs", a.DeployRoleARNs, seen, "is listed twice")
	checkRoles(&p, "Args.PreviewRoleARNs", a.PreviewRoleARNs, seen, "is listed twice, or is also a deploy role: a role either writes the state or only reads it")
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	for i, arn := range a.StateAdministrators {
		field := fmt.Sprintf("Args.StateAdministrators[%d]", i)
		switch {
		case validate.CheckPrincipalARN(arn) != "":
			p.Add(field, arn, "must be the ARN of an IAM role or user")
		case strings.HasSuffix(arn, ":root"):
			p.Add(field, arn, "must be the ARN of an IAM role or user: an account root would admit every principal of that account")
		}
	}
	p.Check("Args.NoncurrentVersionDays", fmt.Sprint(a.NoncurrentVersionDays),
		validate.CheckRange(a.NoncurrentVersionDays, MinNoncurrentVersionDays, MaxNoncurrentVersionDays))
	return p.Err("state backend arguments")
}

// checkRoles checks that each of arns is a role ARN that seen does not hold
// yet (reporting again as the rule), and adds it to seen.
func checkRoles(p *validate.Problems, field string, arns []string, seen map[string]bool, again string) {
	for i, arn := range arns {
		f := fmt.Sprintf("%s[%d]", field, i)
		p.Check(f, arn, validate.CheckRoleARN(arn))
		if seen[arn] {
			p.Add(f, arn, again)
		}
		seen[arn] = true
	}
}

// writers are who may write the state: the deploy roles, then the state
// administrators.
func (a StateBackendArgs) writers() []string {
	return append(append([]string(nil), a.DeployRoleARNs...), a.StateAdministrators...)
}

// readers are who may read the state: the writers, then the preview roles.
func (a StateBackendArgs) readers() []string {
	return append(a.writers(), a.PreviewRoleARNs...)
}
