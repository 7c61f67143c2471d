// Package securitybaseline provides SecurityBaseline, the controls every
// account of the organization carries, Identity, the IAM users and groups
// of the identity (security) account, and Secret, the Secrets Manager
// pattern the application and data components use.
//
// It is what an auditor reads first: each control below names the CIS AWS
// Foundations Benchmark v3.0.0 recommendation and the AWS Security Hub
// control (Foundational Security Best Practices, FSBP) that check it; Security
// Hub, which the baseline enables with both standards, reports on them.
package securitybaseline

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// SecurityBaseline hardens one account. Controls, with the CIS v3.0.0
// recommendation and Security Hub control of each:
//
// Account hardening
//   - IAM password policy: length ≥ 14, reuse prevention 24, every
//     character class, 90-day age — CIS 1.8, 1.9; IAM.7, IAM.15, IAM.16.
//   - EBS encryption by default — CIS 2.2.1; EC2.7.
//   - S3 account-level public access block — CIS 2.1.4; S3.1.
//   - IMDSv2 required for new instances (account default) — CIS 5.6; EC2.8.
//   - IAM Access Analyzer (account) — CIS 1.20; IAM.28.
//   - KMS keys per purpose (logs, data, secrets), rotated, whose policies
//     name exactly who may use them — CIS 3.6; KMS.4.
//
// Auditing
//   - CloudTrail: multi-region with global events, log file validation,
//     KMS-encrypted, to CloudWatch Logs — CIS 3.1, 3.2, 3.5; CloudTrail.1,
//     .2, .4, .5; CIS 4.1-4.14 metric filters and alarms — CloudWatch.1-14.
//   - Central archive (Args.Archive): trail bucket versioned, Object Lock,
//     access-logged, TLS-only, SSE-KMS, public access blocked, admitting
//     exactly the writers' trails — CIS 2.1.1, 3.4; S3.5, S3.9, S3.14,
//     S3.15, CloudTrail.6/.7.
//   - AWS Config recorder (service-linked role, all resources) and
//     delivery channel to the central Config bucket, starter managed rules
//     — CIS 3.3; Config.1.
//
// Intrusion detection
//   - GuardDuty with S3, EKS, malware, RDS, Lambda and runtime protections
//     — GuardDuty.1, .5-.10.
//   - Security Hub with FSBP v1.0.0 and CIS v3.0.0 — CIS 4.16.
//   - EventBridge rules sending GuardDuty findings of severity ≥ 7 and new
//     HIGH/CRITICAL Security Hub findings to Args.AlertTopicARN.
//   - One view of every account of an AWS Organization
//     (Args.Organization in the security account, the delegated
//     administrator; Args.OrganizationMember elsewhere): GuardDuty
//     auto-enabled in every account with every protection, Security Hub
//     enabled with both standards by one central configuration policy on
//     the root, a finding aggregator, AWS Config's organization
//     aggregator and an organization analyzer — the administrator's rules
//     then alert on every member's findings. Members create no detector
//     or hub of their own: the administrator's auto-enablement does.
//
// Access (Args.AccountRoles, workload accounts)
//   - Persona roles trusting only the identity account with MFA, with
//     bounded sessions — CIS 1.15's intent (permissions through groups and
//     roles, never users); the identity side is Identity.
//   - No role for CI here: pipelines get into an account through the
//     deploy and preview roles of components/deployaccess, which
//     cmd/bootstrap creates before any stack (OIDC, no long-lived keys:
//     IAM.3, IAM.4 stay clean).
//
// Server access and patching
//   - Session Manager preferences: sessions streamed to a KMS-encrypted log
//     group, so no host needs SSH (EC2.13, EC2.53 / CIS 5.2 stay clean); an instance
//     policy (InstancePolicyARN) lets agents write it.
//   - Patch baseline auto-approving security updates, a daily scan
//     association and a maintenance window installing them, targeting
//     instances tagged PatchGroupTag = PatchGroup — SSM.2, SSM.3.
//
// Args: AccountID, Region, KeyAdministrators, AlertTopicARN,
// Audit.TrailBucket and Audit.ConfigBucket are required; every other field
// defaults to the secure choice documented on it (see Args). Archive and
// AccountRoles are off unless set. Protect protects and retains the keys,
// log groups and archive buckets.
type SecurityBaseline struct {
	pulumi.ResourceState

	// LogsKeyARN, DataKeyARN and SecretsKeyARN are the purpose keys: logs
	// and audit records, data at rest, secrets. Give DataKeyARN to
	// databases and buckets, SecretsKeyARN to secrets (see Secret).
	LogsKeyARN    pulumi.StringOutput `pulumi:"logsKeyArn"`
	DataKeyARN    pulumi.StringOutput `pulumi:"dataKeyArn"`
	SecretsKeyARN pulumi.StringOutput `pulumi:"secretsKeyArn"`
	// TrailARN is the account's trail; TrailLogGroupName its log group.
	TrailARN          pulumi.StringOutput `pulumi:"trailArn"`
	TrailLogGroupName pulumi.StringOutput `pulumi:"trailLogGroupName"`
	// DetectorID is the account's GuardDuty detector.
	DetectorID pulumi.StringOutput `pulumi:"detectorId"`
	// RuntimeMonitoring is the detector's RUNTIME_MONITORING feature, nil
	// when Args.DisabledGuardDutyFeatures turns it off. With it, GuardDuty
	// manages its security agent on ECS Fargate: tasks started before the
	// feature exists are not covered, so ECS services wait for it, and
	// their execution roles and networks must let the agent work
	// (FargateAgentManagement).
	// Source: https://docs.aws.amazon.com/guardduty/latest/ug/how-runtime-monitoring-works-ecs-fargate.html
	RuntimeMonitoring pulumi.Resource
	// FargateAgentManagement reports whether GuardDuty manages its agent on
	// ECS Fargate tasks (RUNTIME_MONITORING with ECS_FARGATE_AGENT_MANAGEMENT).
	FargateAgentManagement bool
	// PersonaRoleARNs maps each persona role's name to its ARN (empty
	// without Args.AccountRoles).
	PersonaRoleARNs pulumi.StringMapOutput `pulumi:"personaRoleArns"`
	// SessionLogGroupName receives Session Manager sessions.
	SessionLogGroupName pulumi.StringOutput `pulumi:"sessionLogGroupName"`
	// InstancePolicyARN is a managed policy for instance roles: it lets the
	// SSM agent log sessions and patch runs to the baseline's log groups.
	InstancePolicyARN pulumi.StringOutput `pulumi:"instancePolicyArn"`
	// PatchGroup is the value of the PatchGroupTag tag that puts an
	// instance under the baseline's patching.
	PatchGroup pulumi.StringOutput `pulumi:"patchGroup"`
}

// builder holds what the parts of NewSecurityBaseline share.
type builder struct {
	ctx   *pulumi.Context
	name  string
	a     SecurityBaselineArgs
	c     *SecurityBaseline
	child pulumi.ResourceOption

	keyARNs                               map[string]pulumi.StringOutput
	trailBucketPolicy, configBucketPolicy *s3.BucketPolicy
	patchLogGroup                         *cloudwatch.LogGroup
	detector                              *guardduty.Detector
	hub                                   *securityhub.Account
	org                                   *organizationFacts
}

// stateful are the options of resources holding data: protected and
// retained when Args.Protect.
func (b *builder) stateful() []pulumi.ResourceOption {
	return []pulumi.ResourceOption{b.child, pulumi.Protect(b.a.Protect), pulumi.RetainOnDelete(b.a.Protect)}
}

// NewSecurityBaseline applies the baseline to the account of the provider
// passed in opts. It validates args before registering anything.
func NewSecurityBaseline(ctx *pulumi.Context, name string, args *SecurityBaselineArgs, opts ...pulumi.ResourceOption) (*SecurityBaseline, error) {
	if args == nil {
		args = &SecurityBaselineArgs{}
	}
	a := args.withDefaults(name)
	if err := validate.Component("security baseline arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("security baseline %q: %w", name, err)
	}
	c := &SecurityBaseline{
		PersonaRoleARNs: pulumi.StringMap{}.ToStringMapOutput(),
	}
	if err := ctx.RegisterComponentResource("refarch:securitybaseline:SecurityBaseline", name, c, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, a: a, c: c, child: pulumi.Parent(c)}
	type part struct {
		name string
		run  func() error
	}
	parts := []part{
		{"organization", b.readOrganization},
		{"keys", b.keys},
		{"account settings", b.account},
		{"archive", func() error {
			if a.Archive == nil {
				return nil
			}
			return b.archive()
		}},
		{"trail", b.trail},
		{"aws config", b.awsConfig},
		{"threat detection", b.detection},
		{"findings administration", b.administration},
		{"account roles", func() error {
			if a.AccountRoles == nil {
				return nil
			}
			return b.roles()
		}},
		{"session manager", b.sessions},
		{"patching", b.patching},
	}
	if a.ManagementAccount {
		// Outputs the management scope does not create are empty.
		empty := pulumi.String("").ToStringOutput()
		b.keyARNs = map[string]pulumi.StringOutput{KeyLogs: empty, KeyData: empty, KeySecrets: empty}
		c.TrailARN, c.TrailLogGroupName, c.SessionLogGroupName, c.InstancePolicyARN, c.PatchGroup = empty, empty, empty, empty, empty
		parts = []part{{"account settings", b.account}, {"threat detection", b.managementDetector}}
	}
	for _, p := range parts {
		if err := p.run(); err != nil {
			return nil, fmt.Errorf("security baseline %q: %s: %w", name, p.name, err)
		}
	}
	c.LogsKeyARN = b.keyARNs[KeyLogs]
	c.DataKeyARN = b.keyARNs[KeyData]
	c.SecretsKeyARN = b.keyARNs[KeySecrets]
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"logsKeyArn":          c.LogsKeyARN,
		"dataKeyArn":          c.DataKeyARN,
		"secretsKeyArn":       c.SecretsKeyARN,
		"trailArn":            c.TrailARN,
		"trailLogGroupName":   c.TrailLogGroupName,
		"detectorId":          c.DetectorID,
		"personaRoleArns":     c.PersonaRoleARNs,
		"sessionLogGroupName": c.SessionLogGroupName,
		"instancePolicyArn":   c.InstancePolicyARN,
		"patchGroup":          c.PatchGroup,
	})
}
