package guardrails

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// Args configures the guardrails. Zero values mean the default.
type Args struct {
	// DeployRoleName is the IAM role (name, no path) the stacks deploy with
	// in every member account (refarch:deployRoleName, e.g.
	// "refarch-deploy"). Required: it alone may change the audit and
	// detection services and the account's S3 public access block, because
	// it is what creates them.
	DeployRoleName string
	// AllowedRegions are the regions anything regional may be used in.
	// Required: at least one, each a region validate.RegionAZs knows,
	// listed once, including HomeRegion. Add us-east-1 when CloudFront is
	// used: its ACM certificates and CLOUDFRONT-scope web ACLs live there.
	AllowedRegions []string
	// HomeRegion is the audit region: where the central archive, the
	// organization trail's bucket and the findings aggregation live.
	// Required; it must be one of AllowedRegions.
	HomeRegion string
	// Partition is the ARN partition of the accounts. Default: HomeRegion's
	// (validate.Partition), "aws" outside GovCloud and China.
	Partition string
	// ArchiveBucketPrefix starts the name of every bucket of the central
	// audit archive (the trail and Config archives and their access log
	// bucket). Default DefaultArchiveBucketPrefix, what
	// stacks/baselinepart names them.
	ArchiveBucketPrefix string
}

// DefaultArchiveBucketPrefix starts the names of the audit archive's
// buckets: refarch-audit-trail-<security account>, its -access sibling and
// refarch-audit-config-<security account>.
const DefaultArchiveBucketPrefix = "refarch-audit-"

// Target is where a policy is attached: the organization's root or one of
// its organizational units. A policy attached to an OU reaches every
// account and OU below it.
type Target string

// The organization's root and organizational units (docs of issue 28):
// Security holds the security account, Infrastructure holds
// shared-services, Workloads holds the Prod and SDLC units and, through
// them, the application accounts. The management account sits at the root
// but no SCP applies to it.
const (
	// TargetRoot is the organization's root: every member account.
	TargetRoot Target = "Root"
	// TargetSecurity is the Security OU: the security account.
	TargetSecurity Target = "Security"
	// TargetInfrastructure is the Infrastructure OU: shared-services.
	TargetInfrastructure Target = "Infrastructure"
	// TargetWorkloads is the Workloads OU: the Prod and SDLC OUs and the
	// application accounts below them.
	TargetWorkloads Target = "Workloads"
)

// Targets lists every target, root first.
var Targets = []Target{TargetRoot, TargetSecurity, TargetInfrastructure, TargetWorkloads}

// Policy is one service control policy and where it is attached.
type Policy struct {
	// Name is the policy's name in AWS Organizations (1-128 characters).
	Name string
	// Description is the policy's description in AWS Organizations (at
	// most 512 characters).
	Description string
	// Reason says why the organization needs it.
	Reason string
	// Sources are the AWS pages the policy rests on.
	Sources []string
	// Targets are where it is attached.
	Targets []Target
	// Document is the policy; Document.JSON renders it compact.
	Document iampolicy.Document
}

// Limits of AWS Organizations.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const (
	// MaxPolicySize is the largest SCP document, in characters.
	MaxPolicySize = 5120
	// MaxAttachedPolicies is how many SCPs may be attached directly to one
	// root, OU or account. FullAWSAccess is one of them.
	MaxAttachedPolicies = 5
	// MaxOwnPoliciesPerTarget is how many of these policies one target may
	// hold, leaving FullAWSAccess its place.
	MaxOwnPoliciesPerTarget = MaxAttachedPolicies - 1
	// maxNameLength and maxDescriptionLength bound a policy's name and
	// description (CreatePolicy).
	// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreatePolicy.html
	maxNameLength        = 128
	maxDescriptionLength = 512
)

// Statement ids, one per guardrail.
const (
	SidLeaveOrganization   = "DenyLeaveOrganization"
	SidRootUser            = "DenyRootUser"
	SidAuditTampering      = "DenyAuditTampering"
	SidArchiveTampering    = "DenyArchiveTampering"
	SidOutsideRegions      = "DenyOutsideAllowedRegions"
	SidEbsEncryptionOff    = "DenyDisablingEbsEncryption"
	SidAccountPublicAccess = "DenyAccountPublicAccessBlockChanges"
	SidIAMUsers            = "DenyIAMUsers"
)

// Names of the policies.
const (
	NameOrganizationIntegrity = "refarch-organization-integrity"
	NameAuditIntegrity        = "refarch-audit-integrity"
	NameRegionsAndDefaults    = "refarch-regions-and-defaults"
	NameNoIAMUsers            = "refarch-no-iam-users"
)

// auditActions are the calls that stop, delete or reconfigure what records
// and detects: only the deploy role, which creates these resources, may
// make them. Each service's list is what turns it off, blinds it or
// detaches the account from the security account's view.
var auditActions = []string{
	// CloudTrail: stopping, deleting or narrowing a trail.
	// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
	"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
	"cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors",
	// AWS Config: stopping or repointing the recorder and delivery
	// channel, removing rules and the organization aggregator.
	// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html
	"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:PutConfigurationRecorder",
	"config:DeleteDeliveryChannel", "config:PutDeliveryChannel", "config:DeleteConfigRule",
	"config:DeleteConfigurationAggregator", "config:PutConfigurationAggregator",
	// GuardDuty: deleting or disabling the detector (UpdateDetector also
	// turns protections off), leaving the administrator, dropping members,
	// turning the organization's auto-enable off, redirecting or removing
	// the export of findings, and the two ways to silence findings without
	// touching the detector: suppression rules (filters whose action is
	// ARCHIVE) and trusted IP lists. Saved filters are therefore changed
	// through the pipeline too.
	// Source: https://docs.aws.amazon.com/guardduty/latest/ug/findings_suppression-rule.html
	// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonguardduty.html
	"guardduty:DeleteDetector", "guardduty:UpdateDetector",
	"guardduty:DisassociateFromMasterAccount", "guardduty:DisassociateFromAdministratorAccount",
	"guardduty:DeleteMembers", "guardduty:DisassociateMembers", "guardduty:StopMonitoringMembers",
	"guardduty:UpdateOrganizationConfiguration",
	"guardduty:CreateFilter", "guardduty:UpdateFilter", "guardduty:CreateIPSet", "guardduty:UpdateIPSet",
	"guardduty:UpdatePublishingDestination", "guardduty:DeletePublishingDestination",
	// Security Hub: disabling it, leaving the administrator, dropping
	// members, disabling standards or controls, changing the central
	// configuration, and automation rules (which can suppress findings).
	// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html
	"securityhub:DisableSecurityHub",
	"securityhub:DisassociateFromMasterAccount", "securityhub:DisassociateFromAdministratorAccount",
	"securityhub:DeleteMembers", "securityhub:DisassociateMembers",
	"securityhub:BatchDisableStandards", "securityhub:UpdateStandardsControl",
	"securityhub:BatchUpdateStandardsControlAssociations", "securityhub:UpdateSecurityHubConfiguration",
	"securityhub:UpdateOrganizationConfiguration", "securityhub:UpdateConfigurationPolicy",
	"securityhub:DeleteConfigurationPolicy", "securityhub:StartConfigurationPolicyDisassociation",
	"securityhub:DeleteFindingAggregator",
	"securityhub:CreateAutomationRule", "securityhub:BatchUpdateAutomationRules",
	// IAM Access Analyzer: deleting the analyzer, or archive rules that
	// hide its findings.
	// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiamaccessanalyzer.html
	"access-analyzer:DeleteAnalyzer", "access-analyzer:CreateArchiveRule", "access-analyzer:UpdateArchiveRule",
}

// archiveActions are the calls that delete the audit archive's buckets or
// weaken them (policy, lifecycle, Object Lock, versioning, public access,
// encryption, logging, ownership) and the object deletions Object Lock's
// GOVERNANCE mode lets a privileged principal make.
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
var archiveActions = []string{
	"s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
	"s3:PutLifecycleConfiguration", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning",
	"s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration", "s3:PutBucketLogging",
	"s3:PutBucketOwnershipControls", "s3:PutBucketAcl",
	"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention",
}

// GlobalServices are the actions the region guardrail never denies: the
// services whose single endpoint lives in us-east-1 (or that AWS documents
// as exempt), so that requests to them carry aws:RequestedRegion
// us-east-1 whatever region a caller works in.
//
// It is AWS's example list, with two changes:
//   - acm:*, kms:*, wafv2:* and waf-regional:* are left out. They are
//     regional services: exempting them would let anyone create keys,
//     certificates and web ACLs in any region. AWS's example exempts them
//     only for CloudFront, which reads its certificate and CLOUDFRONT-scope
//     web ACL from us-east-1; listing us-east-1 in AllowedRegions serves
//     that instead. config:* is left out for the same reason: a recorder
//     records its own region only.
//   - account:* is added: the Account Management API has a single global
//     endpoint (alternate contacts, enabled regions).
//     Source: https://docs.aws.amazon.com/general/latest/gr/acct.html
//
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html#example-scp-deny-region
var GlobalServices = []string{
	"a4b:*", "account:*", "aws-marketplace-management:*", "aws-marketplace:*", "aws-portal:*",
	"budgets:*", "ce:*", "chime:*", "cloudfront:*", "cur:*", "directconnect:*",
	"ec2:DescribeRegions", "ec2:DescribeTransitGateways", "ec2:DescribeVpnGateways",
	"fms:*", "globalaccelerator:*", "health:*", "iam:*", "importexport:*", "mobileanalytics:*",
	"networkmanager:*", "organizations:*", "pricing:*", "route53:*", "route53domains:*",
	"route53-recovery-cluster:*", "route53-recovery-control-config:*", "route53-recovery-readiness:*",
	"s3:GetAccountPublic*", "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*",
	"shield:*", "sts:*", "support:*", "trustedadvisor:*", "waf:*", "wellarchitected:*",
}

// Policies returns the organization's service control policies for a,
// after validating it: four policies, three on the root and one on the
// Infrastructure and Workloads OUs, so every target keeps a free place
// beside FullAWSAccess. It fails when a document would exceed
// MaxPolicySize or a target would hold more than MaxOwnPoliciesPerTarget.
func Policies(a Args) ([]Policy, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	a = a.withDefaults()
	p := a.Partition
	exceptDeployRole := iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {deployRolePattern(p, a.DeployRoleName)}}}
	regions := slices.Clone(a.AllowedRegions)
	slices.Sort(regions)
	archive := iampolicy.BucketARN(p, a.ArchiveBucketPrefix+"*")

	policies := []Policy{
		{
			Name:        NameOrganizationIntegrity,
			Description: "No member account leaves the organization; no member account's root user acts.",
			Reason: "An account that leaves the organization leaves every guardrail, the organization trail and the " +
				"delegated security services with it. A member account's root user cannot be limited by IAM and " +
				"needs no day-to-day use: people work through roles, and the management account can still recover " +
				"a member's root credentials.",
			Sources: []string{
				"https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html",
				"https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html",
			},
			Targets: []Target{TargetRoot},
			Document: iampolicy.New(
				// (a) LeaveOrganization takes an account out of every
				// SCP at once, so nobody may call it, the deploy role
				// included: moving an account out is the management
				// account's decision (RemoveAccountFromOrganization).
				// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_LeaveOrganization.html
				iampolicy.Statement{
					Sid:      SidLeaveOrganization,
					Effect:   iampolicy.Deny,
					Action:   []string{"organizations:LeaveOrganization"},
					Resource: []string{"*"},
				},
				// (c) The root user of a member account does nothing.
				// aws:PrincipalArn of a root user is
				// arn:<partition>:iam::<account>:root. SCPs never apply
				// to the management account, whose root user stays the
				// organization's break glass.
				// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
				iampolicy.Statement{
					Sid:       SidRootUser,
					Effect:    iampolicy.Deny,
					Action:    []string{"*"},
					Resource:  []string{"*"},
					Condition: iampolicy.Conditions{"StringLike": {"aws:PrincipalArn": {iampolicy.RootARN(p, "*")}}},
				},
			),
		},
		{
			Name:        NameAuditIntegrity,
			Description: "Only the deploy role stops, deletes or reconfigures CloudTrail, AWS Config, GuardDuty, Security Hub, IAM Access Analyzer and the audit archive.",
			Reason: "Whoever can turn off what records and detects can act unseen. The deploy role creates these " +
				"resources, so it alone may change them, through reviewed code; every other principal, " +
				"administrators included, may read them but not blind them.",
			Sources: []string{
				"https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_config.html",
				"https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_guardduty.html",
				"https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html",
			},
			Targets: []Target{TargetRoot},
			Document: iampolicy.New(
				// (b) Nobody but the deploy role turns off or
				// reconfigures the audit and detection services.
				// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_guardduty.html
				// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_config.html
				iampolicy.Statement{
					Sid:       SidAuditTampering,
					Effect:    iampolicy.Deny,
					Action:    slices.Clone(auditActions),
					Resource:  []string{"*"},
					Condition: exceptDeployRole,
				},
				// (b) Nor deletes or weakens the central audit archive
				// (its buckets and the objects in them).
				// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
				iampolicy.Statement{
					Sid:       SidArchiveTampering,
					Effect:    iampolicy.Deny,
					Action:    slices.Clone(archiveActions),
					Resource:  []string{archive, archive + "/*"},
					Condition: exceptDeployRole,
				},
			),
		},
		{
			Name:        NameRegionsAndDefaults,
			Description: "Regional services only in the allowed regions; EBS default encryption stays on; only the deploy role changes the account's S3 public access block.",
			Reason: "Resources in a region nobody watches escape review, cost and incident response. EBS default " +
				"encryption and the account-wide S3 public access block are account settings one call would turn " +
				"off for every volume and bucket.",
			Sources: []string{
				"https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html#example-scp-deny-region",
				"https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
				"https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
			},
			Targets: []Target{TargetRoot},
			Document: iampolicy.New(
				// (d) Every action outside the global services is denied
				// in a region not allowed. No role is exempt: the stacks
				// deploy in the allowed regions only, which
				// tests/guardrails_test.go proves for every resource.
				// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html#example-scp-deny-region
				iampolicy.Statement{
					Sid:       SidOutsideRegions,
					Effect:    iampolicy.Deny,
					NotAction: slices.Clone(GlobalServices),
					Resource:  []string{"*"},
					Condition: iampolicy.Conditions{"StringNotEquals": {"aws:RequestedRegion": regions}},
				},
				// (e) EBS encryption by default stays on, for everyone:
				// the stacks turn it on and never off; the security
				// baseline retains the setting on delete, so a `pulumi
				// destroy` never calls this action.
				// Source: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisableEbsEncryptionByDefault.html
				iampolicy.Statement{
					Sid:      SidEbsEncryptionOff,
					Effect:   iampolicy.Deny,
					Action:   []string{"ec2:DisableEbsEncryptionByDefault"},
					Resource: []string{"*"},
				},
				// (e) Only the deploy role, which sets it, changes or
				// removes the account's S3 public access block. S3
				// authorizes both PutPublicAccessBlock and
				// DeletePublicAccessBlock (S3 Control, account level)
				// with s3:PutAccountPublicAccessBlock; there is no
				// separate delete action to deny.
				// Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
				// Source: https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_PutPublicAccessBlock.html
				iampolicy.Statement{
					Sid:       SidAccountPublicAccess,
					Effect:    iampolicy.Deny,
					Action:    []string{"s3:PutAccountPublicAccessBlock"},
					Resource:  []string{"*"},
					Condition: exceptDeployRole,
				},
			),
		},
		{
			Name:        NameNoIAMUsers,
			Description: "No IAM users, passwords or access keys outside the security account.",
			Reason: "People sign in once, as IAM users of the security account, and assume roles everywhere else. " +
				"A user, password or long-lived access key in another account is a second door nobody reviews.",
			Sources: []string{
				"https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp",
				"https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html",
			},
			Targets: []Target{TargetInfrastructure, TargetWorkloads},
			Document: iampolicy.New(
				// (f) IAM users exist only in the security account, so
				// this policy is attached to every OU but Security.
				// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_create.html
				iampolicy.Statement{
					Sid:      SidIAMUsers,
					Effect:   iampolicy.Deny,
					Action:   []string{"iam:CreateUser", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:CreateAccessKey"},
					Resource: []string{"*"},
				},
			),
		},
	}
	if err := checkLimits(policies); err != nil {
		return nil, err
	}
	return policies, nil
}

// checkLimits enforces AWS Organizations' quotas on the policies: the size
// of each document, the length of names and descriptions, and how many
// policies each target holds.
func checkLimits(policies []Policy) error {
	perTarget := map[Target][]string{}
	for _, pol := range policies {
		doc, err := pol.Document.JSON()
		if err != nil {
			return fmt.Errorf("policy %s: %w", pol.Name, err)
		}
		if len(doc) > MaxPolicySize {
			return fmt.Errorf("policy %s is %d characters long; AWS Organizations allows at most %d per service control policy", pol.Name, len(doc), MaxPolicySize)
		}
		if pol.Name == "" || len(pol.Name) > maxNameLength {
			return fmt.Errorf("policy name %q must be 1-%d characters", pol.Name, maxNameLength)
		}
		if len(pol.Description) > maxDescriptionLength {
			return fmt.Errorf("policy %s: description is %d characters long; at most %d", pol.Name, len(pol.Description), maxDescriptionLength)
		}
		for _, st := range pol.Document.Statement {
			if st.Sid == "" {
				return fmt.Errorf("policy %s: every statement needs a Sid, which AWS's denials and the tests name", pol.Name)
			}
		}
		for _, t := range pol.Targets {
			perTarget[t] = append(perTarget[t], pol.Name)
		}
	}
	for t, names := range perTarget {
		if len(names) > MaxOwnPoliciesPerTarget {
			return fmt.Errorf("target %s would hold %d policies (%s) besides FullAWSAccess; AWS Organizations allows %d attached policies in all",
				t, len(names), strings.Join(names, ", "), MaxAttachedPolicies)
		}
	}
	return nil
}

// ForTargets returns the policies attached to any of targets, in order:
// the policies in effect in an account are those of the root and of every
// OU above it (ForTargets(ps, TargetRoot, TargetWorkloads) for an
// application account).
func ForTargets(policies []Policy, targets ...Target) []Policy {
	var out []Policy
	for _, pol := range policies {
		for _, t := range pol.Targets {
			if slices.Contains(targets, t) {
				out = append(out, pol)
				break
			}
		}
	}
	return out
}

// deployRolePattern is the ARN of the deploy role in every account of the
// organization, for ArnNotLike.
func deployRolePattern(partition, role string) string {
	return iampolicy.RoleARN(partition, "*", role)
}

// withDefaults returns a defaulted copy of a.
func (a Args) withDefaults() Args {
	if a.Partition == "" {
		a.Partition = validate.Partition(a.HomeRegion)
	}
	if a.ArchiveBucketPrefix == "" {
		a.ArchiveBucketPrefix = DefaultArchiveBucketPrefix
	}
	a.AllowedRegions = slices.Clone(a.AllowedRegions)
	return a
}

// partitions are the ARN partitions the guardrails can be written for.
var partitions = []string{"aws", "aws-us-gov", "aws-cn"}

// Validate reports every problem of the arguments (with the defaults
// applied) at once, each naming the field, the value and the rule.
func (a *Args) Validate() error {
	d := a.withDefaults()
	var p validate.Problems
	if d.DeployRoleName == "" {
		p.Add("Args.DeployRoleName", "", "is required: the deploy role alone may change the audit services it creates")
	} else {
		p.Check("Args.DeployRoleName", d.DeployRoleName, validate.CheckRoleName(d.DeployRoleName))
	}
	if d.HomeRegion == "" {
		p.Add("Args.HomeRegion", "", "is required: the audit region must stay allowed")
	} else {
		p.Check("Args.HomeRegion", d.HomeRegion, validate.CheckRegion(d.HomeRegion))
	}
	if len(d.AllowedRegions) == 0 {
		p.Add("Args.AllowedRegions", "", "must list at least one region: an empty list would deny every regional service everywhere")
	}
	seen := map[string]bool{}
	for i, r := range d.AllowedRegions {
		field := fmt.Sprintf("Args.AllowedRegions[%d]", i)
		if rule := validate.CheckRegion(r); rule != "" {
			p.Add(field, r, rule)
			continue
		}
		if seen[r] {
			p.Add(field, r, "is listed twice")
		}
		seen[r] = true
		if validate.Partition(r) != d.Partition {
			p.Addf(field, r, "is not in partition %s: one organization lives in one partition", d.Partition)
		}
	}
	if len(d.AllowedRegions) > 0 && d.HomeRegion != "" && !slices.Contains(d.AllowedRegions, d.HomeRegion) {
		p.Addf("Args.AllowedRegions", strings.Join(d.AllowedRegions, ","), "must include Args.HomeRegion %s: the audit archive and findings live there", d.HomeRegion)
	}
	if !slices.Contains(partitions, d.Partition) {
		p.Addf("Args.Partition", d.Partition, "must be one of %v", partitions)
	}
	if rule := checkArchivePrefix(d.ArchiveBucketPrefix); rule != "" {
		p.Add("Args.ArchiveBucketPrefix", d.ArchiveBucketPrefix, rule)
	}
	return p.Err("guardrail arguments")
}

// checkArchivePrefix requires the start of an S3 bucket name: lower-case
// letters, digits and hyphens, starting with a letter or digit, at most 40
// characters so the names it starts still fit S3's 63.
func checkArchivePrefix(s string) string {
	const rule = "must start S3 bucket names: 1-40 lower-case letters, digits and hyphens, starting with a letter or digit"
	if len(s) == 0 || len(s) > 40 {
		return rule
	}
	for i, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0
		if !ok {
			return rule
		}
	}
	return ""
}
