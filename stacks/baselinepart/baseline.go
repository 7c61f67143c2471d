// Package baselinepart is the security-baseline part of every stack's
// composition: the alert topic and SecurityBaseline of each account, the
// persona roles, and (in security) the IAM users and groups, with
// the section of configuration they read.
package baselinepart

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/alerttopic"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/identity"
	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/components/vpnserver"
	"github.com/refarch/refarch/stacks/stack"
)

// The personas: kinds of people, each an IAM group in the security account
// and a role of the same name (PersonaRoleName) in every other account.
const (
	PersonaFullAccess = "full-access"
	PersonaReadOnly   = "read-only"
	PersonaDevelopers = "developers"
	PersonaBilling    = "billing"
	PersonaOps        = "ops"
)

// Personas lists every persona; refarch:users name them as groups.
var Personas = []string{PersonaFullAccess, PersonaReadOnly, PersonaDevelopers, PersonaBilling, PersonaOps}

// PersonaRoleName is the role a persona assumes in the workload accounts,
// and the name of its group in the security account.
func PersonaRoleName(persona string) string { return stack.Namespace + "-" + persona }

// IdentityBaseGroup is the group every user of the security account
// belongs to: it lets users set up MFA and denies the rest until they do.
const IdentityBaseGroup = stack.Namespace + "-users"

// The outputs of the baseline (see outputs.go for the contract).
const (
	// OutputAlertTopicARN is the stack's alert topic (every stack).
	OutputAlertTopicARN = "alertTopicArn"
	// OutputAuditTrailBucket and OutputAuditConfigBucket are the central
	// archive's buckets (security only).
	OutputAuditTrailBucket  = "auditTrailBucket"
	OutputAuditConfigBucket = "auditConfigBucket"
)

// AuditTrailBucket is the central CloudTrail archive in the security
// account. Its name derives from the security account's id, so every stack
// finds it from the directory without a stack reference (and S3's global
// namespace makes it unique).
func AuditTrailBucket(c *stack.Config) string {
	return fmt.Sprintf("%s-audit-trail-%s", stack.Namespace, c.Accounts["security"].ID)
}

// AuditConfigBucket is the central AWS Config archive (a sibling of the
// trail archive: Config cannot deliver to an Object Lock bucket).
func AuditConfigBucket(c *stack.Config) string {
	return fmt.Sprintf("%s-audit-config-%s", stack.Namespace, c.Accounts["security"].ID)
}

// PatchGroup is the "Patch Group" tag value of the stack's patching: the
// baseline's window and scan target it, and instances carry it.
func PatchGroup(c *stack.Config) string { return stack.Namespace + "-" + c.Stack }

// TrailName is the name of a stack's trail; the archive's bucket policy
// names each of them.
func TrailName(name string) string { return stack.Namespace + "-" + name }

// Deploy applies the SecurityBaseline to the stack's account: its
// alert topic first (every finding and alarm goes there), then the
// baseline; in security it also holds the central archive, elsewhere the
// persona roles.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	provider := pulumi.Provider(p.Account)
	admins := c.KeyAdministrators()
	alerts, err := alerttopic.NewAlertTopic(ctx, stack.AlertTopicName(c.Stack), &alerttopic.AlertTopicArgs{
		AccountID:         c.AccountID,
		Region:            c.Region,
		Partition:         c.Partition,
		KeyAdministrators: admins,
		Emails:            c.AlertEmails,
		Protect:           c.DeletionProtection,
	}, provider)
	if err != nil {
		return err
	}
	args := &sb.SecurityBaselineArgs{
		AccountID:         c.AccountID,
		Region:            c.Region,
		Partition:         c.Partition,
		KeyAdministrators: admins,
		AlertTopicARN:     alerts.TopicARN,
		MetricNamespace:   stack.Namespace + "/CISBenchmark",
		Audit: sb.AuditArgs{
			TrailBucket:     AuditTrailBucket(c),
			ConfigBucket:    AuditConfigBucket(c),
			TrailName:       TrailName(c.Stack),
			ReaderAccountID: c.Accounts["security"].ID,
		},
		LogRetentionDays: s.AuditLogRetentionDays,
		Patching: sb.PatchingArgs{
			PatchGroup:       PatchGroup(c),
			Schedule:         s.PatchSchedule,
			ApproveAfterDays: s.PatchApproveAfterDays,
		},
		Protect: c.DeletionProtection,
	}
	if c.Role == stack.RoleSecurity {
		args.Archive = &sb.ArchiveArgs{
			Writers:    auditWriters(c),
			LockDays:   s.AuditLockDays,
			ExpireDays: s.AuditExpireDays,
		}
		// The security account administers every account's findings for
		// the organization; the management account designates it through
		// the delegate role it created for this stack (Providers.Management).
		args.Organization = &sb.OrganizationAdminArgs{
			ManagementProvider:  p.Management,
			ManagementAccountID: c.Accounts["management"].ID,
		}
	} else {
		roles, err := accountRoles(c, s)
		if err != nil {
			return err
		}
		args.AccountRoles = roles
		// Security, deployed before, enabled GuardDuty and Security Hub
		// here through the organization: this account creates neither.
		args.OrganizationMember = &sb.OrganizationMemberArgs{AdministratorAccountID: c.Accounts["security"].ID}
	}
	base, err := sb.NewSecurityBaseline(ctx, stack.Namespace+"-"+c.Stack, args, provider)
	if err != nil {
		return err
	}
	if err := deployFailoverDrill(ctx, c, base, provider); err != nil {
		return err
	}
	a.Baseline = &stack.BaselineOut{
		AlertTopicARN:          alerts.TopicARN,
		SecretsKeyARN:          base.SecretsKeyARN,
		DataKeyARN:             base.DataKeyARN,
		InstancePolicyARN:      base.InstancePolicyARN,
		PatchGroup:             PatchGroup(c),
		RuntimeMonitoring:      base.RuntimeMonitoring,
		FargateAgentManagement: base.FargateAgentManagement,
	}
	ctx.Export(OutputAlertTopicARN, alerts.TopicARN)
	if c.Role == stack.RoleSecurity {
		ctx.Export(OutputAuditTrailBucket, pulumi.String(AuditTrailBucket(c)))
		ctx.Export(OutputAuditConfigBucket, pulumi.String(AuditConfigBucket(c)))
	}
	return nil
}

// DeployManagement applies the management account's part of the baseline
// (securitybaseline.SecurityBaselineArgs.ManagementAccount): its account
// settings and its own GuardDuty detector, before the security stack's
// organization configuration.
func DeployManagement(ctx *pulumi.Context, c *stack.Config, _ *Config, p *stack.Providers, _ *stack.Parts) error {
	_, err := sb.NewSecurityBaseline(ctx, stack.Namespace+"-"+c.Stack, &sb.SecurityBaselineArgs{
		AccountID:         c.AccountID,
		Region:            c.Region,
		Partition:         c.Partition,
		ManagementAccount: true,
		Protect:           c.DeletionProtection,
	}, pulumi.Provider(p.Account))
	return err
}

// auditWriters are the accounts whose trails and recorders deliver to the
// archive: every stack with a baseline (all but management), each with its
// trail's name.
func auditWriters(c *stack.Config) []sb.Writer {
	var out []sb.Writer
	for _, name := range c.Names() {
		if role, _ := stack.RoleOf(name); role != stack.RoleManagement {
			out = append(out, sb.Writer{AccountID: c.Accounts[name].ID, TrailName: TrailName(name)})
		}
	}
	return out
}

// VPNPersonas are the personas whose shared-services role may run the VPN
// server's profile documents and read their own profile.
var VPNPersonas = []string{PersonaFullAccess, PersonaOps}

// VPNOperatorPolicy is the VPN right of VPNPersonas in shared-services:
// run the profile documents on the VPN server only, follow their output,
// and read (and decrypt, through S3) the caller's own profile, named by
// the session's source identity, which the persona roles accept only as
// the user's own name (securitybaseline.PersonaTrust).
// Sources: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-rc-setting-up.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
func VPNOperatorPolicy(c *stack.Config) iampolicy.Document {
	account := c.Accounts["shared-services"].ID
	bucket := iampolicy.BucketARN(c.Partition, stack.VpnBucketName(c))
	docs := []string{
		iampolicy.ARN(c.Partition, "ssm", c.Region, account, "document/"+vpnserver.IssueProfileDocument),
		iampolicy.ARN(c.Partition, "ssm", c.Region, account, "document/"+vpnserver.RevokeProfileDocument),
	}
	return iampolicy.New(
		iampolicy.Statement{Sid: "RunTheProfileDocuments", Effect: iampolicy.Allow, Action: []string{"ssm:SendCommand"}, Resource: docs},
		iampolicy.Statement{
			Sid:       "OnTheVpnServerOnly",
			Effect:    iampolicy.Allow,
			Action:    []string{"ssm:SendCommand"},
			Resource:  []string{iampolicy.ARN(c.Partition, "ec2", c.Region, account, "instance/*")},
			Condition: iampolicy.Conditions{"StringEquals": {"ssm:resourceTag/" + vpnserver.ServerTag: {stack.VpnServerName}}},
		},
		iampolicy.Statement{
			Sid:      "FollowTheCommands",
			Effect:   iampolicy.Allow,
			Action:   []string{"ssm:GetCommandInvocation", "ssm:ListCommandInvocations", "ssm:ListCommands"},
			Resource: []string{"*"},
		},
		iampolicy.Statement{
			Sid:      "ReadOwnProfile",
			Effect:   iampolicy.Allow,
			Action:   []string{"s3:GetObject"},
			Resource: []string{bucket + "/" + vpnserver.ProfilesPrefix + "${aws:SourceIdentity}.ovpn"},
		},
		iampolicy.Statement{
			Sid:      "DecryptItThroughS3",
			Effect:   iampolicy.Allow,
			Action:   []string{"kms:Decrypt"},
			Resource: []string{iampolicy.ARN(c.Partition, "kms", c.Region, account, "key/*")},
			Condition: iampolicy.Conditions{"StringEquals": {
				"kms:ViaService": {"s3." + c.Region + ".amazonaws.com"},
				// The bucket uses an S3 Bucket Key: the encryption context
				// is the bucket's ARN. Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
				"kms:EncryptionContext:aws:s3:arn": {bucket},
			}},
		},
	)
}

// AWS managed policies of the personas.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html
const (
	policyAdministrator = "AdministratorAccess"
	policyReadOnly      = "ReadOnlyAccess"
	policySecurityAudit = "SecurityAudit"
	policyPowerUser     = "PowerUserAccess"
	policyViewOnly      = "job-function/ViewOnlyAccess"
	policyBilling       = "job-function/Billing"
	policySysAdmin      = "job-function/SystemAdministrator"
)

// personaPolicies are what a persona may do in a stack's account:
// full-access everything; read-only (auditors) read everything; developers
// build in dev, read in stage, see metadata only (no data) in prod and
// shared-services; billing the billing console; ops operate systems
// (instances, Session Manager, logs) and see the rest.
func personaPolicies(persona, stack string) []string {
	var names []string
	switch persona {
	case PersonaFullAccess:
		names = []string{policyAdministrator}
	case PersonaReadOnly:
		names = []string{policyReadOnly, policySecurityAudit}
	case PersonaDevelopers:
		switch stack {
		case "dev":
			names = []string{policyPowerUser}
		case "stage":
			names = []string{policyReadOnly}
		default:
			names = []string{policyViewOnly}
		}
	case PersonaBilling:
		names = []string{policyBilling}
	case PersonaOps:
		names = []string{policySysAdmin, policyViewOnly}
	}
	return names
}

// accountRoles are the roles of a workload account: one per persona,
// trusting the security account with MFA (full-access for one hour, the
// others for refarch:roleSessionHours). Pipelines have no role here: they
// use the deploy and preview roles cmd/bootstrap creates
// (components/deployaccess).
func accountRoles(c *stack.Config, s *Config) (*sb.AccountRolesArgs, error) {
	var personas []sb.PersonaRole
	for _, persona := range Personas {
		hours := s.RoleSessionHours
		if persona == PersonaFullAccess {
			hours = 1
		}
		var arns []string
		for _, name := range personaPolicies(persona, c.Stack) {
			arns = append(arns, iampolicy.ManagedPolicyARN(c.Partition, name))
		}
		role := sb.PersonaRole{RoleName: PersonaRoleName(persona), PolicyARNs: arns, MaxSessionHours: hours}
		if c.Role == stack.RoleSharedServices && slices.Contains(VPNPersonas, persona) {
			doc, err := VPNOperatorPolicy(c).JSON()
			if err != nil {
				return nil, err
			}
			role.InlinePolicy = doc
		}
		personas = append(personas, role)
	}
	return &sb.AccountRolesArgs{
		TrustedAccountID: c.Accounts["security"].ID,
		Personas:         personas,
	}, nil
}

// operatorRoles are the roles whoever runs `pulumi up` from the security
// account assumes: every account's deploy role and the application
// environments' delegate roles in shared-services. Only the full-access
// group may assume them.
func operatorRoles(c *stack.Config) []string {
	var out []string
	for _, name := range c.Names() {
		out = append(out, iampolicy.RoleARN(c.Partition, c.Accounts[name].ID, c.DeployRoleName))
	}
	for _, env := range c.NamesOf(stack.RoleApp) {
		out = append(out, iampolicy.RoleARN(c.Partition, c.Accounts["shared-services"].ID, stack.DelegateRoleName(env)))
	}
	return out
}

// DeployIdentity creates the IAM groups and users (security account only):
// a group per persona that may only assume the persona's role in the other
// four accounts, with MFA (full-access also the deploy and delegate roles:
// its members run `pulumi up`), and the users of refarch:users.
func DeployIdentity(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, _ *stack.Parts) error {
	var workloads []string
	for _, name := range c.Names() {
		if role, _ := stack.RoleOf(name); role != stack.RoleSecurity && role != stack.RoleManagement {
			workloads = append(workloads, c.Accounts[name].ID)
		}
	}
	args := &identity.IdentityArgs{AccountID: c.AccountID, Partition: c.Partition, BaseGroup: IdentityBaseGroup}
	for _, persona := range Personas {
		group := identity.GroupArgs{Name: PersonaRoleName(persona), RoleName: PersonaRoleName(persona), AccountIDs: workloads}
		if persona == PersonaFullAccess {
			group.ExtraRoleARNs = operatorRoles(c)
		}
		args.Groups = append(args.Groups, group)
	}
	for _, u := range s.Users {
		user := identity.UserArgs{Name: u.Name, Email: u.Email}
		for _, g := range u.Groups {
			user.Groups = append(user.Groups, PersonaRoleName(g))
		}
		args.Users = append(args.Users, user)
	}
	_, err := identity.NewIdentity(ctx, stack.Namespace+"-identity", args, pulumi.Provider(p.Account))
	return err
}
