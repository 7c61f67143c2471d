package securitybaseline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// SecurityBaselineArgs configures a SecurityBaseline. Zero values mean the default; every
// default is the secure choice.
type SecurityBaselineArgs struct {
	// AccountID is the 12-digit id of the account being hardened. Required:
	// key, bucket and trust policies name it exactly.
	AccountID string
	// Region is the region of the component's provider. Required: service
	// principals (logs.<region>.amazonaws.com), kms:ViaService values and
	// ARNs name it. CloudTrail and AWS Config need the logs key in the
	// region of the central buckets, so it must be the archive's region.
	Region string
	// Partition is the ARN partition. Default: the region's ("aws").
	Partition string
	// KeyAdministrators are the IAM principals (ARNs) that administer the
	// KMS keys without being able to use them. Required (at least one, the
	// deploy role): a key nobody administers can only be repaired by AWS
	// support, and KMS refuses a policy its caller could not change again.
	KeyAdministrators []string
	// AlertTopicARN is the SNS topic receiving high-severity GuardDuty and
	// Security Hub findings and the CIS metric-filter alarms (a
	// alerttopic.Monitoring topic, whose key admits EventBridge and
	// CloudWatch). Required.
	AlertTopicARN pulumi.StringInput
	// Audit says where this account's trail and recorder deliver.
	// Required: its buckets.
	Audit AuditArgs
	// Archive, when set, makes this account host the central archive the
	// others deliver to (the security account). Default nil.
	Archive *ArchiveArgs
	// AccountRoles, when set, creates the persona roles people assume from
	// the identity account. Default nil (the security
	// account, where people have users instead).
	AccountRoles *AccountRolesArgs
	// Organization, when set, makes this account the delegated
	// administrator of its AWS Organization's GuardDuty, Security Hub,
	// AWS Config aggregation and IAM Access Analyzer (the security
	// account). Default nil.
	Organization *OrganizationAdminArgs
	// OrganizationMember, when set, leaves GuardDuty and Security Hub to
	// the organization's delegated administrator, which enables them in
	// this account: the baseline creates no detector or hub here. Default
	// nil: the account runs GuardDuty and Security Hub on its own (an
	// account outside an organization). Exclusive with Organization.
	OrganizationMember *OrganizationMemberArgs
	// ManagementAccount, when set, applies only what the organization's
	// management account takes: the account settings (IAM password policy,
	// EBS default encryption, the S3 account public access block, IMDSv2
	// by default, an IAM Access Analyzer) and a GuardDuty detector of its
	// own, created before the delegated administrator's auto-enablement
	// (the management stack deploys first), so that nothing is created
	// twice whether or not auto-enablement covers the management account.
	// Its API activity is recorded by the organization trail, which it
	// owns; Security Hub is enabled there by the central configuration
	// policy on the root. No keys, trail, AWS Config recorder, Session
	// Manager or patching: the recorder would deliver into the security
	// account's archive, which exists only after the management stack
	// (a documented limit), and no instance runs there. Only AccountID
	// and Region are then required. Exclusive with every other role.
	// Default false: the whole baseline.
	// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_best-practices_mgmt-acct.html
	ManagementAccount bool
	// Patching configures the patch baseline, window and scan association.
	// Default: every PatchingArgs field at its own default.
	Patching PatchingArgs
	// MetricNamespace is the CloudWatch namespace of the CIS metric filters
	// and their alarms. Default DefaultMetricNamespace. 1-255 characters,
	// not starting with "AWS/" (reserved for AWS's own metrics).
	// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
	MetricNamespace string
	// LogRetentionDays is the retention of the baseline's log groups (the
	// trail, sessions, patch runs). Default 365: a year of audit evidence.
	// It must be a value CloudWatch Logs accepts.
	LogRetentionDays int
	// ConfigRules are the AWS Config managed rules (source identifiers)
	// evaluated in the account. Default DefaultConfigRules.
	ConfigRules []string
	// DisabledGuardDutyFeatures turns off GuardDuty protections by name
	// (GuardDutyFeatures lists them). Default none: every protection on.
	DisabledGuardDutyFeatures []string
	// Protect protects and retains the stateful resources: the KMS keys
	// (30-day deletion window instead of 7), the log groups and the archive
	// buckets. Default false; stacks pass their deletionProtection.
	Protect bool
}

// AuditArgs says where an account's audit records go.
type AuditArgs struct {
	// TrailBucket is the central, Object-Lock-capable bucket CloudTrail
	// delivers to. Required.
	TrailBucket string
	// ConfigBucket is the central bucket AWS Config delivers to. Required.
	// It is a sibling of TrailBucket because Config cannot deliver to a
	// bucket with Object Lock enabled.
	// Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-config-deliverychannel.html
	ConfigBucket string
	// TrailName is the trail's name. Default "<name>-trail". The archive's
	// bucket policy names every account's trail, so it must match the
	// archive's ArchiveArgs.Writers entry for this account.
	TrailName string
	// ReaderAccountID is the account whose principals may decrypt this
	// account's delivered logs (through S3 only). Default AccountID.
	ReaderAccountID string
}

// ArchiveArgs configures the central archive buckets.
type ArchiveArgs struct {
	// Writers are the accounts whose trails and recorders may deliver, each
	// with its trail's name. Required; it must include this account. The
	// bucket policies admit exactly these accounts and trails.
	Writers []Writer
	// AccessLogBucket receives the S3 server access logs of both archive
	// buckets. Default "<TrailBucket>-access".
	AccessLogBucket string
	// LockDays is the default Object Lock retention (GOVERNANCE mode) of
	// delivered trail logs. Default 0: Object Lock is enabled (it can only
	// be enabled at creation) but no default retention is set.
	LockDays int
	// ExpireDays is when delivered logs expire. Default 2557 (7 years);
	// it must exceed LockDays.
	ExpireDays int
}

// Writer is an account admitted to the archive and its trail's name.
type Writer struct {
	// AccountID is the account that delivers. Required, listed once.
	AccountID string
	// TrailName is its trail's name (its AuditArgs.TrailName). Required.
	TrailName string
}

// AccountRolesArgs configures the roles of a workload account.
type AccountRolesArgs struct {
	// TrustedAccountID is the identity account whose MFA-authenticated
	// principals may assume the persona roles. Required; it must differ
	// from AccountID.
	TrustedAccountID string
	// Personas are the roles people assume. Required (at least one).
	Personas []PersonaRole
}

// PersonaRole is one role people assume from the identity account.
type PersonaRole struct {
	// RoleName is the role's name; groups in the identity account name it
	// in their policies. Required.
	RoleName string
	// PolicyARNs are the managed policies the role holds. Required.
	PolicyARNs []string
	// MaxSessionHours bounds a session. Default 1; at most 12.
	MaxSessionHours int
	// InlinePolicy is a policy document (JSON) of the role's own, for
	// rights no managed policy grants (a VPN operator's). Default none.
	InlinePolicy string
}

// PatchingArgs configures patching.
type PatchingArgs struct {
	// OperatingSystem of the patch baseline. Default AMAZON_LINUX_2023;
	// one of PatchOperatingSystems.
	OperatingSystem string
	// PatchGroup is the value of the "Patch Group" tag that puts an
	// instance under this baseline, window and scan. Default the name.
	PatchGroup string
	// Schedule is the maintenance window's schedule, a cron(...) or
	// rate(...) expression. Default "cron(0 3 ? * SUN *)": Sundays 03:00.
	Schedule string
	// Timezone is the IANA zone of Schedule. Default "Etc/UTC".
	Timezone string
	// ApproveAfterDays delays the auto-approval of security updates after
	// their release. Default 0: approved as soon as released. At most 360.
	ApproveAfterDays int
	// WindowHours is the window's duration. Default 3 (the last hour is
	// the cutoff: no new task starts in it). Between 2 and 24.
	WindowHours int
}

// PatchOperatingSystems are the operating systems whose classification
// and severity filters the patch baseline uses.
var PatchOperatingSystems = []string{"AMAZON_LINUX_2023", "AMAZON_LINUX_2", "REDHAT_ENTERPRISE_LINUX"}

// withDefaults returns a defaulted copy of a; the caller's Args is never
// modified.
func (a SecurityBaselineArgs) withDefaults(name string) SecurityBaselineArgs {
	if a.Partition == "" {
		a.Partition = validate.Partition(a.Region)
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = 365
	}
	if a.MetricNamespace == "" {
		a.MetricNamespace = DefaultMetricNamespace
	}
	if a.ConfigRules == nil {
		a.ConfigRules = DefaultConfigRules
	}
	a.ConfigRules = slices.Clone(a.ConfigRules)
	a.KeyAdministrators = slices.Clone(a.KeyAdministrators)
	a.DisabledGuardDutyFeatures = slices.Clone(a.DisabledGuardDutyFeatures)
	if a.Audit.TrailName == "" {
		a.Audit.TrailName = name + "-trail"
	}
	if a.Audit.ReaderAccountID == "" {
		a.Audit.ReaderAccountID = a.AccountID
	}
	if a.Archive != nil {
		ar := *a.Archive
		ar.Writers = slices.Clone(ar.Writers)
		if ar.AccessLogBucket == "" {
			ar.AccessLogBucket = a.Audit.TrailBucket + "-access"
		}
		if ar.ExpireDays == 0 {
			ar.ExpireDays = 2557
		}
		a.Archive = &ar
	}
	if a.AccountRoles != nil {
		r := *a.AccountRoles
		r.Personas = slices.Clone(r.Personas)
		for i := range r.Personas {
			if r.Personas[i].MaxSessionHours == 0 {
				r.Personas[i].MaxSessionHours = 1
			}
		}
		a.AccountRoles = &r
	}
	if a.Organization != nil {
		o := *a.Organization
		o.withDefaults(name)
		a.Organization = &o
	}
	if a.OrganizationMember != nil {
		m := *a.OrganizationMember
		a.OrganizationMember = &m
	}
	p := &a.Patching
	if p.OperatingSystem == "" {
		p.OperatingSystem = "AMAZON_LINUX_2023"
	}
	if p.PatchGroup == "" {
		p.PatchGroup = name
	}
	if p.Schedule == "" {
		p.Schedule = "cron(0 3 ? * SUN *)"
	}
	if p.Timezone == "" {
		p.Timezone = "Etc/UTC"
	}
	if p.WindowHours == 0 {
		p.WindowHours = 3
	}
	return a
}

// Validate reports every problem of the arguments (with the defaults
// applied) at once, each naming the field, the value and the rule.
func (a *SecurityBaselineArgs) Validate() error {
	return a.withDefaults(standInName).validate()
}

func (a SecurityBaselineArgs) validate() error {
	var p validate.Problems
	p.Check("Args.AccountID", a.AccountID, validate.CheckAccountID(a.AccountID))
	p.Check("Args.Region", a.Region, validate.CheckRegion(a.Region))
	if a.ManagementAccount {
		for field, set := range map[string]bool{"Args.Archive": a.Archive != nil, "Args.AccountRoles": a.AccountRoles != nil,
			"Args.Organization": a.Organization != nil, "Args.OrganizationMember": a.OrganizationMember != nil} {
			if set {
				p.Add(field, "", "must be unset with Args.ManagementAccount: the management account takes its account settings and detector only")
			}
		}
		return p.Err("security baseline arguments")
	}
	if len(a.MetricNamespace) > 255 || strings.HasPrefix(a.MetricNamespace, "AWS/") {
		p.Add("Args.MetricNamespace", a.MetricNamespace, `must be 1-255 characters, not starting with "AWS/"`)
	}
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	if a.AlertTopicARN == nil {
		p.Add("Args.AlertTopicARN", "", "is required: high-severity findings and CIS alarms need a topic")
	}
	p.Check("Args.Audit.TrailBucket", a.Audit.TrailBucket, CheckBucketName(a.Audit.TrailBucket))
	p.Check("Args.Audit.ConfigBucket", a.Audit.ConfigBucket, CheckBucketName(a.Audit.ConfigBucket))
	if a.Audit.TrailBucket != "" && a.Audit.TrailBucket == a.Audit.ConfigBucket {
		p.Add("Args.Audit.ConfigBucket", a.Audit.ConfigBucket, "must differ from Args.Audit.TrailBucket: AWS Config cannot deliver to a bucket with Object Lock")
	}
	p.Check("Args.Audit.TrailName", a.Audit.TrailName, CheckTrailName(a.Audit.TrailName))
	p.Check("Args.Audit.ReaderAccountID", a.Audit.ReaderAccountID, validate.CheckAccountID(a.Audit.ReaderAccountID))
	p.Check("Args.LogRetentionDays", fmt.Sprint(a.LogRetentionDays), validate.CheckLogRetention(a.LogRetentionDays))
	for i, rule := range a.ConfigRules {
		p.Check(fmt.Sprintf("Args.ConfigRules[%d]", i), rule, checkConfigRule(rule))
	}
	for i, f := range a.DisabledGuardDutyFeatures {
		if !slices.Contains(GuardDutyFeatures, f) {
			p.Addf(fmt.Sprintf("Args.DisabledGuardDutyFeatures[%d]", i), f, "must be one of %v", GuardDutyFeatures)
		}
	}
	if a.Archive != nil {
		a.Archive.validate(&p, a)
	}
	if a.AccountRoles != nil {
		a.AccountRoles.validate(&p, a)
	}
	if a.Organization != nil {
		a.Organization.validate(&p, a)
	}
	if a.OrganizationMember != nil {
		a.OrganizationMember.validate(&p, a)
	}
	a.Patching.validate(&p)
	return p.Err("security baseline arguments")
}

func (ar *ArchiveArgs) validate(p *validate.Problems, a SecurityBaselineArgs) {
	if len(ar.Writers) == 0 {
		p.Add("Args.Archive.Writers", "", "must list the accounts that deliver to the archive")
	}
	seen := map[string]bool{}
	self := false
	for i, w := range ar.Writers {
		field := fmt.Sprintf("Args.Archive.Writers[%d]", i)
		p.Check(field+".AccountID", w.AccountID, validate.CheckAccountID(w.AccountID))
		p.Check(field+".TrailName", w.TrailName, CheckTrailName(w.TrailName))
		if seen[w.AccountID] {
			p.Add(field+".AccountID", w.AccountID, "is listed twice")
		}
		seen[w.AccountID] = true
		if w.AccountID == a.AccountID {
			self = true
			if w.TrailName != a.Audit.TrailName {
				p.Addf(field+".TrailName", w.TrailName, "must equal this account's trail name %q, or the archive would refuse its own trail", a.Audit.TrailName)
			}
		}
	}
	if len(ar.Writers) > 0 && !self {
		p.Addf("Args.Archive.Writers", a.AccountID, "must include the archive's own account %s", a.AccountID)
	}
	p.Check("Args.Archive.AccessLogBucket", ar.AccessLogBucket, CheckBucketName(ar.AccessLogBucket))
	if ar.LockDays < 0 || ar.LockDays > 36500 {
		p.Add("Args.Archive.LockDays", fmt.Sprint(ar.LockDays), "must be between 0 (no default retention) and 36500")
	}
	if ar.ExpireDays <= ar.LockDays {
		p.Addf("Args.Archive.ExpireDays", fmt.Sprint(ar.ExpireDays), "must exceed Args.Archive.LockDays (%d): locked logs cannot expire", ar.LockDays)
	}
}

func (r *AccountRolesArgs) validate(p *validate.Problems, a SecurityBaselineArgs) {
	p.Check("Args.AccountRoles.TrustedAccountID", r.TrustedAccountID, validate.CheckAccountID(r.TrustedAccountID))
	if r.TrustedAccountID != "" && r.TrustedAccountID == a.AccountID {
		p.Add("Args.AccountRoles.TrustedAccountID", r.TrustedAccountID, "must be the identity account, not the account being hardened")
	}
	if len(r.Personas) == 0 {
		p.Add("Args.AccountRoles.Personas", "", "must list at least one persona role")
	}
	names := map[string]bool{}
	for i, pr := range r.Personas {
		field := fmt.Sprintf("Args.AccountRoles.Personas[%d]", i)
		p.Check(field+".RoleName", pr.RoleName, validate.CheckRoleName(pr.RoleName))
		if names[pr.RoleName] {
			p.Add(field+".RoleName", pr.RoleName, "is used by two personas")
		}
		names[pr.RoleName] = true
		if len(pr.PolicyARNs) == 0 {
			p.Add(field+".PolicyARNs", "", "must list the managed policies the persona holds")
		}
		for j, arn := range pr.PolicyARNs {
			p.Check(fmt.Sprintf("%s.PolicyARNs[%d]", field, j), arn, CheckPolicyARN(arn))
		}
		p.Check(field+".MaxSessionHours", fmt.Sprint(pr.MaxSessionHours), validate.CheckRange(pr.MaxSessionHours, 1, 12))
	}
}

func (pa *PatchingArgs) validate(p *validate.Problems) {
	if !slices.Contains(PatchOperatingSystems, pa.OperatingSystem) {
		p.Addf("Args.Patching.OperatingSystem", pa.OperatingSystem, "must be one of %v", PatchOperatingSystems)
	}
	p.Check("Args.Patching.PatchGroup", pa.PatchGroup, validate.CheckMaxLength(pa.PatchGroup, 256, "a tag value"))
	p.Check("Args.Patching.Schedule", pa.Schedule, CheckSchedule(pa.Schedule))
	p.Check("Args.Patching.ApproveAfterDays", fmt.Sprint(pa.ApproveAfterDays), CheckApproveAfterDays(pa.ApproveAfterDays))
	p.Check("Args.Patching.WindowHours", fmt.Sprint(pa.WindowHours), validate.CheckRange(pa.WindowHours, 2, 24))
	p.Check("Args.Patching.Timezone", pa.Timezone, CheckTimezone(pa.Timezone))
}
