package deployaccess

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/refarch/refarch/components/alerttopic"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// The defaults of DeployAccessArgs.
const (
	// DefaultDeployRoleName is the deploy role's name, which every stack's
	// refarch:deployRoleName names.
	DefaultDeployRoleName = "refarch-deploy"
	// DefaultPreviewRoleName is the read-only role pull requests preview
	// with.
	DefaultPreviewRoleName = "refarch-preview"
	// DefaultECRPushRoleName is the role the pipeline pushes images with.
	DefaultECRPushRoleName = "refarch-ecr-push"
	// DefaultDeployBranch is the only branch whose pipelines may deploy.
	DefaultDeployBranch = "main"
	// ReadOnlyPolicy is the AWS managed policy the preview role holds:
	// read access to every service's resources, which `pulumi preview`
	// (its data sources and reads) needs, and no write.
	// Source: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/ReadOnlyAccess.html
	ReadOnlyPolicy = "ReadOnlyAccess"
	// AdministratorPolicy is the AWS managed policy the deploy role holds
	// by default: a stack creates IAM roles, keys and every service's
	// resources, and what it may create is decided in review of this
	// repository, not by the role.
	// Source: https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
	AdministratorPolicy = "AdministratorAccess"
)

// DeployAccessArgs configures a DeployAccess. Zero values mean the default;
// fields without a default are required.
type DeployAccessArgs struct {
	// CircleCI is the organization, project and repository whose pipelines
	// the roles trust. Required.
	CircleCI CircleCI
	// OperatorsAccountID is the account whose people, with MFA, may assume
	// the deploy role (the security account, which holds the IAM users).
	// Required; 12 digits.
	OperatorsAccountID string
	// DeployRoleName is the deploy role's name. Default
	// DefaultDeployRoleName; an IAM role name.
	DeployRoleName string
	// DeployPolicyARNs are the managed policies the deploy role holds.
	// Default AdministratorPolicy of the account's partition.
	DeployPolicyARNs []string
	// DeployBranch is the one branch whose pipelines may assume the deploy
	// role and the ECR push role. Default DefaultDeployBranch. A branch
	// name, never a pattern: CircleCI runs the configuration of the branch
	// it builds, so any branch admitted here could deploy what it likes.
	DeployBranch string
	// PreviewRoleName is the preview role's name. Default
	// DefaultPreviewRoleName; an IAM role name.
	PreviewRoleName string
	// PreviewTrustedRoleARNs are other accounts' preview roles that may
	// assume this account's preview role: in shared-services, the
	// application accounts' (their stacks read this account through it
	// while previewing). Default none. Each a role ARN.
	PreviewTrustedRoleARNs []string
	// PreviewAssumableRoleARNs are the roles the preview role may assume
	// besides itself: in an application account, shared-services' preview
	// role. Default none. Each a role ARN.
	PreviewAssumableRoleARNs []string
	// State is where the stacks keep their state and which key encrypts
	// it: the deploy role may read and write it, the preview role only
	// read it. Required.
	State StateAccess
	// ECRPush, when set, creates the role the pipeline pushes images with
	// (shared-services, which holds the registry). Default nil.
	ECRPush *ECRPushArgs
	// ReleaseRecords, when set, is the Parameter Store path of the
	// account's release records: <ReleaseRecords>/<repository> holds the
	// image the pipeline last released to the account's stack, which
	// every run of the stack reads. The deploy role may read and write
	// them (the pipeline writes one as it starts an update; a person
	// rolling back writes an earlier one), the preview role only read
	// them. Default "" (no release records: no permission). A path: /
	// and segments of letters, digits and _.- joined by /, not starting
	// with aws or ssm.
	ReleaseRecords string
	// AlertTopic, when set, is the name of the account's alert topic
	// (components/alerttopic: an SNS topic encrypted with its own key,
	// whose alias is alias/<AlertTopic>). The preview role may publish to
	// it and use that key through SNS only: the nightly drift check
	// (cmd/drift) alerts through it. Default "" (no permission). An alert
	// topic's name (alerttopic.CheckName).
	AlertTopic string
	// MaxSessionHours bounds every session of the roles. Default 1: a
	// deploy or a preview is one job. 1-12.
	MaxSessionHours int
}

// CircleCI identifies the pipelines the roles trust.
type CircleCI struct {
	// OrgID is the CircleCI organization id, a lower-case UUID: the OIDC
	// issuer is https://oidc.circleci.com/org/<OrgID> and the tokens'
	// audience is OrgID. Required.
	// Source: https://circleci.com/docs/openid-connect-tokens/
	OrgID string
	// ProjectID is the CircleCI project id, a lower-case UUID. Required.
	ProjectID string
	// VCSOrigin is the repository pipelines must come from, as CircleCI
	// writes it in its tokens: github.com/<org>/<repo>. It keeps forks and
	// other repositories of the project out. Required.
	VCSOrigin string
}

// StateAccess names the state bucket and key, which live in another
// account (components/statebackend).
type StateAccess struct {
	// BucketName is the state bucket. Required; S3's naming rules.
	BucketName string
	// KeyAccountID and KeyRegion are where the state key is. Required.
	KeyAccountID, KeyRegion string
	// KeyAlias is the state key's alias (alias/<name>). Required. The
	// policies name the key by its alias (kms:ResourceAliases), so the
	// roles can exist before the key, which must name them.
	KeyAlias string
}

// ECRPushArgs configures the ECR push role.
type ECRPushArgs struct {
	// RoleName is the role's name. Default DefaultECRPushRoleName.
	RoleName string
	// Repositories are the ECR repositories (of this account and region)
	// the role may push to. Required, at least one.
	Repositories []string
}

// withDefaults returns a defaulted copy of a; the caller's Args is never
// modified.
func (a DeployAccessArgs) withDefaults(partition string) DeployAccessArgs {
	if a.DeployRoleName == "" {
		a.DeployRoleName = DefaultDeployRoleName
	}
	if a.PreviewRoleName == "" {
		a.PreviewRoleName = DefaultPreviewRoleName
	}
	if a.DeployBranch == "" {
		a.DeployBranch = DefaultDeployBranch
	}
	if len(a.DeployPolicyARNs) == 0 {
		a.DeployPolicyARNs = []string{iampolicy.ManagedPolicyARN(partition, AdministratorPolicy)}
	} else {
		a.DeployPolicyARNs = slices.Clone(a.DeployPolicyARNs)
	}
	if a.MaxSessionHours == 0 {
		a.MaxSessionHours = 1
	}
	a.PreviewTrustedRoleARNs = slices.Clone(a.PreviewTrustedRoleARNs)
	a.PreviewAssumableRoleARNs = slices.Clone(a.PreviewAssumableRoleARNs)
	if a.ECRPush != nil {
		e := *a.ECRPush
		if e.RoleName == "" {
			e.RoleName = DefaultECRPushRoleName
		}
		e.Repositories = slices.Clone(e.Repositories)
		a.ECRPush = &e
	}
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field, the value and the rule.
func (a *DeployAccessArgs) Validate() error {
	d := a.withDefaults("aws")
	return d.validate()
}

func (a *DeployAccessArgs) validate() error {
	var p validate.Problems
	p.Check("Args.CircleCI.OrgID", a.CircleCI.OrgID, CheckUUID(a.CircleCI.OrgID))
	p.Check("Args.CircleCI.ProjectID", a.CircleCI.ProjectID, CheckUUID(a.CircleCI.ProjectID))
	p.Check("Args.CircleCI.VCSOrigin", a.CircleCI.VCSOrigin, CheckVCSOrigin(a.CircleCI.VCSOrigin))
	p.Check("Args.OperatorsAccountID", a.OperatorsAccountID, validate.CheckAccountID(a.OperatorsAccountID))
	names := map[string]string{}
	roles := []struct{ field, name string }{{"Args.DeployRoleName", a.DeployRoleName}, {"Args.PreviewRoleName", a.PreviewRoleName}}
	if a.ECRPush != nil {
		roles = append(roles, struct{ field, name string }{"Args.ECRPush.RoleName", a.ECRPush.RoleName})
	}
	for _, r := range roles {
		if rule := validate.CheckRoleName(r.name); rule != "" {
			p.Add(r.field, r.name, rule)
			continue
		}
		if other, dup := names[r.name]; dup {
			p.Addf(r.field, r.name, "is also %s: each role has its own trust", other)
		}
		names[r.name] = r.field
	}
	p.Check("Args.DeployBranch", a.DeployBranch, CheckBranch(a.DeployBranch))
	for i, arn := range a.DeployPolicyARNs {
		if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":policy/") {
			p.Add(fmt.Sprintf("Args.DeployPolicyARNs[%d]", i), arn, "must be the ARN of a managed policy, arn:<partition>:iam::<account or aws>:policy/<name>")
		}
	}
	for i, arn := range a.PreviewTrustedRoleARNs {
		p.Check(fmt.Sprintf("Args.PreviewTrustedRoleARNs[%d]", i), arn, validate.CheckRoleARN(arn))
	}
	for i, arn := range a.PreviewAssumableRoleARNs {
		p.Check(fmt.Sprintf("Args.PreviewAssumableRoleARNs[%d]", i), arn, validate.CheckRoleARN(arn))
	}
	s := a.State
	p.Check("Args.State.BucketName", s.BucketName, validate.CheckBucketName(s.BucketName))
	p.Check("Args.State.KeyAccountID", s.KeyAccountID, validate.CheckAccountID(s.KeyAccountID))
	p.Check("Args.State.KeyRegion", s.KeyRegion, validate.CheckRegion(s.KeyRegion))
	if !keyAlias.MatchString(s.KeyAlias) || strings.HasPrefix(s.KeyAlias, "alias/aws/") {
		p.Add("Args.State.KeyAlias", s.KeyAlias, "must be a customer alias: alias/ then 1-250 letters, digits and /_-, not under alias/aws/")
	}
	if e := a.ECRPush; e != nil {
		if len(e.Repositories) == 0 {
			p.Add("Args.ECRPush.Repositories", "", "must name at least one repository: pushing is all the role may do")
		}
		for i, r := range e.Repositories {
			if !repository.MatchString(r) {
				p.Add(fmt.Sprintf("Args.ECRPush.Repositories[%d]", i), r, "must be an ECR repository name: lower-case letters, digits and ._-/ separators, 2-256 characters")
			}
		}
	}
	if a.AlertTopic != "" {
		p.Check("Args.AlertTopic", a.AlertTopic, alerttopic.CheckName(a.AlertTopic))
	}
	if a.ReleaseRecords != "" {
		p.Check("Args.ReleaseRecords", a.ReleaseRecords, CheckParameterPath(a.ReleaseRecords))
	}
	p.Check("Args.MaxSessionHours", fmt.Sprint(a.MaxSessionHours), validate.CheckRange(a.MaxSessionHours, 1, 12))
	return p.Err("deploy access arguments")
}

// keyAlias is what KMS accepts as an alias name.
// Source: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
var keyAlias = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)

// repository is what ECR accepts as a repository name.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
var repository = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)

// parameterPath is a Parameter Store hierarchy: /, then segments of the
// characters a parameter name may hold.
var parameterPath = regexp.MustCompile(`^(/[a-zA-Z0-9_.-]+)+$`)

// CheckParameterPath requires a Parameter Store path the parameters below
// it may be named under: a leading /, segments of a-zA-Z0-9_.- joined by
// /, no trailing /, not starting with aws or ssm (case-insensitive), and
// short enough to leave room below it.
// Source: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html (Name: naming constraints)
func CheckParameterPath(s string) string {
	first := strings.ToLower(strings.SplitN(strings.TrimPrefix(s, "/"), "/", 2)[0])
	if !parameterPath.MatchString(s) || strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") || len(s) > 500 {
		return "must be a Parameter Store path such as /refarch/release: /, segments of letters, digits and _.- joined by /, no trailing /, not starting with aws or ssm, at most 500 characters"
	}
	return ""
}

var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// CheckUUID requires a lower-case UUID, the form of CircleCI organization
// and project ids.
func CheckUUID(s string) string {
	if !uuid.MatchString(s) {
		return "must be a lower-case UUID such as 0b6a1f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b (CircleCI: Organization Settings > Overview, Project Settings > Overview)"
	}
	return ""
}

var vcsOrigin = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// CheckVCSOrigin requires a repository as CircleCI names it in its OIDC
// token's vcs-origin: "github.com/<organization>/<repository>".
// Source: https://circleci.com/docs/openid-connect-tokens/
func CheckVCSOrigin(s string) string {
	if !vcsOrigin.MatchString(s) {
		return "must be a repository as CircleCI names it, such as github.com/example-org/refarch (no scheme, no wildcard)"
	}
	return ""
}

var branch = regexp.MustCompile(`^[A-Za-z0-9._][A-Za-z0-9._/-]{0,199}$`)

// CheckBranch requires one git branch name: letters, digits, '.', '_',
// '-' and '/', no wildcard, no "..".
func CheckBranch(s string) string {
	if !branch.MatchString(s) || strings.Contains(s, "..") || strings.HasSuffix(s, "/") {
		return "must be one branch name such as main: letters, digits, '.', '_', '-' and '/', no wildcard (only reviewed code deploys)"
	}
	return ""
}

// MaxNameLength bounds a DeployAccess's name, the prefix of its children's
// logical names.
const MaxNameLength = 48

// CheckName returns the rule a DeployAccess's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}
