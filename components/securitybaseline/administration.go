package securitybaseline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/accessanalyzer"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cfg"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudtrail"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/securityhub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// OrganizationAdminArgs makes the account the delegated administrator of
// its AWS Organization's findings and configuration history (the security
// account): GuardDuty and Security Hub for every account of the
// organization, new accounts enabled automatically, AWS Config's
// organization aggregator and an organization analyzer of IAM Access
// Analyzer. Invitations are not used: AWS documents that organization
// accounts do not receive them ("This operation is only used to invite
// accounts that don't belong to an AWS organization",
// https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_InviteMembers.html).
//
// The delegations are made through ManagementProvider, in this order, so
// that nothing is created twice:
//  1. the account's own GuardDuty detector, then GuardDuty's delegation:
//     designating an administrator "automatically" enables GuardDuty in it
//     when it has no detector, which would make the detector's create fail
//     (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html);
//  2. GuardDuty's organization configuration (auto-enable ALL, each
//     protection ALL), which enables GuardDuty, with its own detector, in
//     every member account: members therefore create none
//     (OrganizationMemberArgs);
//     Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
//  3. Security Hub: the account's hub, its delegation, the finding
//     aggregator, then central configuration and one configuration policy
//     on the organization's root that enables Security Hub with the
//     baseline's standards in every account, new ones included; members
//     create no hub or subscription of their own.
//     Source: https://docs.aws.amazon.com/securityhub/latest/userguide/start-central-configuration.html
//  4. CloudTrail: its delegated administration (through CloudTrail's own
//     API, which also creates its service-linked role in the management
//     account), then one organization trail into the archive: it logs
//     every account, management included, and no member can stop, change
//     or delete it. It is a second, tamper-proof copy beside each
//     account's own trail (which feeds that account's CIS alarms).
//     Sources: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html,
//     https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
//  5. AWS Config and IAM Access Analyzer: their delegated administration
//     (registered in AWS Organizations), then the organization aggregator
//     and the organization analyzer. Config's recorders stay per account:
//     the aggregator only reads them.
//     Sources: https://docs.aws.amazon.com/config/latest/developerguide/aggregated-register-delegated-administrator.html,
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-settings.html
//
// The organization must already trust these services (trusted access,
// components/organization); each delegation is refused otherwise.
type OrganizationAdminArgs struct {
	// ManagementProvider acts in the organization's management account,
	// where only the delegations are made (AWS lets only the management
	// account designate delegated administrators). Required.
	ManagementProvider pulumi.ProviderResource
	// ManagementAccountID is the management account's 12-digit id.
	// Required; it must differ from the account being hardened (Security
	// Hub's central configuration refuses the management account as its
	// administrator).
	ManagementAccountID string
	// AggregatorName is the AWS Config organization aggregator's name.
	// Default "<name>-config". 1-256 letters, digits, '.', '_', '-'.
	// Source: https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html
	AggregatorName string
	// OrganizationTrailName is the organization trail's name. Default
	// "<name>-organization". The trail is owned by the management account
	// (its ARN names that account) although this account creates it as
	// CloudTrail's delegated administrator.
	// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
	OrganizationTrailName string
	// AnalyzerName is the organization analyzer's name. Default
	// "<name>-organization". 1-255 letters, digits, '.', '_', '-',
	// starting with a letter.
	// Source: https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CreateAnalyzer.html
	AnalyzerName string
}

// OrganizationMemberArgs makes the account a member of its organization's
// findings administration: GuardDuty and Security Hub are enabled and
// configured in it by the delegated administrator (OrganizationAdminArgs),
// so the baseline creates no detector, hub, standards subscription or
// finding rule here: AWS allows one detector per account and region, and
// the administrator's auto-enablement creates it. Findings reach the
// administrator's event bus and alert topic.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_organizations.html
type OrganizationMemberArgs struct {
	// AdministratorAccountID is the delegated administrator's 12-digit id.
	// Required; it must differ from the account being hardened.
	AdministratorAccountID string
}

// The service principals the administrator's delegations name; the
// organization must trust them (AwsServiceAccessPrincipals).
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html
const (
	PrincipalGuardDuty      = "guardduty.amazonaws.com"
	PrincipalSecurityHub    = "securityhub.amazonaws.com"
	PrincipalConfig         = "config.amazonaws.com"
	PrincipalAccessAnalyzer = "access-analyzer.amazonaws.com"
	PrincipalCloudTrail     = "cloudtrail.amazonaws.com"
)

// DelegatedPrincipals are the services the security account administers
// for the organization.
var DelegatedPrincipals = []string{PrincipalAccessAnalyzer, PrincipalCloudTrail, PrincipalConfig, PrincipalGuardDuty, PrincipalSecurityHub}

func (o *OrganizationAdminArgs) withDefaults(name string) {
	if o.AggregatorName == "" {
		o.AggregatorName = name + "-config"
	}
	if o.AnalyzerName == "" {
		o.AnalyzerName = name + "-organization"
	}
	if o.OrganizationTrailName == "" {
		o.OrganizationTrailName = name + "-organization"
	}
}

func (o *OrganizationAdminArgs) validate(p *validate.Problems, a SecurityBaselineArgs) {
	if o.ManagementProvider == nil {
		p.Add("Args.Organization.ManagementProvider", "", "is required: only the management account designates delegated administrators")
	}
	p.Check("Args.Organization.ManagementAccountID", o.ManagementAccountID, validate.CheckAccountID(o.ManagementAccountID))
	if o.ManagementAccountID != "" && o.ManagementAccountID == a.AccountID {
		p.Add("Args.Organization.ManagementAccountID", o.ManagementAccountID, "must be another account: Security Hub's central configuration refuses the management account as administrator")
	}
	p.Check("Args.Organization.AggregatorName", o.AggregatorName, CheckAggregatorName(o.AggregatorName))
	p.Check("Args.Organization.AnalyzerName", o.AnalyzerName, CheckAnalyzerName(o.AnalyzerName))
	p.Check("Args.Organization.OrganizationTrailName", o.OrganizationTrailName, CheckTrailName(o.OrganizationTrailName))
	if a.OrganizationMember != nil {
		p.Add("Args.OrganizationMember", a.OrganizationMember.AdministratorAccountID, "must be unset when Args.Organization is set: the administrator is nobody's member")
	}
}

func (m *OrganizationMemberArgs) validate(p *validate.Problems, a SecurityBaselineArgs) {
	p.Check("Args.OrganizationMember.AdministratorAccountID", m.AdministratorAccountID, validate.CheckAccountID(m.AdministratorAccountID))
	if m.AdministratorAccountID != "" && m.AdministratorAccountID == a.AccountID {
		p.Add("Args.OrganizationMember.AdministratorAccountID", m.AdministratorAccountID, "must be another account: an account cannot be its own administrator")
	}
}

// CheckAggregatorName returns the rule an AWS Config aggregator name
// breaks, or "".
func CheckAggregatorName(s string) string {
	if len(s) < 1 || len(s) > 256 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return "must be 1-256 letters, digits, '.', '_' or '-'"
	}
	return ""
}

// CheckAnalyzerName returns the rule an IAM Access Analyzer name breaks,
// or "".
func CheckAnalyzerName(s string) string {
	if len(s) < 1 || len(s) > 255 || !strings.ContainsAny(s[:1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") ||
		strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
		return "must be 1-255 letters, digits, '.', '_' or '-', starting with a letter"
	}
	return ""
}

// administration makes the account the organization's delegated
// administrator (Args.Organization); members need nothing here.
func (b *builder) administration() error {
	o := b.a.Organization
	if o == nil {
		return nil
	}
	mgmt := pulumi.Provider(o.ManagementProvider)
	self := pulumi.String(b.a.AccountID)

	// 1-2. GuardDuty: delegation after this account's own detector, then
	// the organization configuration.
	gdAdmin, err := guardduty.NewOrganizationAdminAccount(b.ctx, b.name+"-guardduty", &guardduty.OrganizationAdminAccountArgs{
		AdminAccountId: self,
	}, b.child, mgmt, pulumi.DependsOn([]pulumi.Resource{b.detector}))
	if err != nil {
		return fmt.Errorf("guardduty delegation: %w", err)
	}
	afterGD := pulumi.DependsOn([]pulumi.Resource{gdAdmin})
	if _, err := guardduty.NewOrganizationConfiguration(b.ctx, b.name, &guardduty.OrganizationConfigurationArgs{
		DetectorId:                    b.detector.ID(),
		AutoEnableOrganizationMembers: pulumi.String("ALL"),
	}, b.child, afterGD); err != nil {
		return fmt.Errorf("guardduty organization configuration: %w", err)
	}
	for _, f := range GuardDutyFeatures {
		auto := "ALL"
		if slices.Contains(b.a.DisabledGuardDutyFeatures, f) {
			auto = "NONE"
		}
		args := &guardduty.OrganizationConfigurationFeatureArgs{
			DetectorId: b.detector.ID(),
			Name:       pulumi.String(f),
			AutoEnable: pulumi.String(auto),
		}
		if f == "RUNTIME_MONITORING" {
			var agents guardduty.OrganizationConfigurationFeatureAdditionalConfigurationArray
			for _, agent := range runtimeAgents {
				agents = append(agents, &guardduty.OrganizationConfigurationFeatureAdditionalConfigurationArgs{
					Name: pulumi.String(agent), AutoEnable: pulumi.String(auto),
				})
			}
			args.AdditionalConfigurations = agents
		}
		if _, err := guardduty.NewOrganizationConfigurationFeature(b.ctx, b.name+"-org-"+strings.ToLower(strings.ReplaceAll(f, "_", "-")), args, b.child, afterGD); err != nil {
			return fmt.Errorf("guardduty organization feature %s: %w", f, err)
		}
	}

	// 3. Security Hub: delegation after this account's hub; central
	// configuration needs the finding aggregator of the home region.
	hubAdmin, err := securityhub.NewOrganizationAdminAccount(b.ctx, b.name+"-securityhub", &securityhub.OrganizationAdminAccountArgs{
		AdminAccountId: self,
	}, b.child, mgmt, pulumi.DependsOn([]pulumi.Resource{b.hub}))
	if err != nil {
		return fmt.Errorf("security hub delegation: %w", err)
	}
	// One aggregation region holds every region's findings, new regions
	// included. Source: https://docs.aws.amazon.com/securityhub/latest/userguide/finding-aggregation.html
	aggregator, err := securityhub.NewFindingAggregator(b.ctx, b.name, &securityhub.FindingAggregatorArgs{
		LinkingMode: pulumi.String("ALL_REGIONS"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{b.hub, hubAdmin}))
	if err != nil {
		return fmt.Errorf("security hub finding aggregator: %w", err)
	}
	central, err := securityhub.NewOrganizationConfiguration(b.ctx, b.name, &securityhub.OrganizationConfigurationArgs{
		// Central configuration: the policy below decides, not the
		// local auto-enable settings, which must be off.
		AutoEnable:          pulumi.Bool(false),
		AutoEnableStandards: pulumi.String("NONE"),
		OrganizationConfiguration: &securityhub.OrganizationConfigurationOrganizationConfigurationArgs{
			ConfigurationType: pulumi.String("CENTRAL"),
		},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{hubAdmin, aggregator}))
	if err != nil {
		return fmt.Errorf("security hub central configuration: %w", err)
	}
	var standards pulumi.StringArray
	std := SecurityHubStandards(b.a.Partition, b.a.Region)
	for _, key := range []string{"fsbp", "cis"} {
		standards = append(standards, pulumi.String(std[key]))
	}
	policy, err := securityhub.NewConfigurationPolicy(b.ctx, b.name, &securityhub.ConfigurationPolicyArgs{
		Name:        pulumi.String(b.name + "-baseline"),
		Description: pulumi.String("Security Hub on in every account, with AWS FSBP and CIS AWS Foundations v3.0.0 and their new controls"),
		ConfigurationPolicy: &securityhub.ConfigurationPolicyConfigurationPolicyArgs{
			ServiceEnabled:      pulumi.Bool(true),
			EnabledStandardArns: standards,
			SecurityControlsConfiguration: &securityhub.ConfigurationPolicyConfigurationPolicySecurityControlsConfigurationArgs{
				DisabledControlIdentifiers: pulumi.StringArray{},
			},
		},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{central}))
	if err != nil {
		return fmt.Errorf("security hub configuration policy: %w", err)
	}
	if _, err := securityhub.NewConfigurationPolicyAssociation(b.ctx, b.name+"-root", &securityhub.ConfigurationPolicyAssociationArgs{
		PolicyId: policy.ID(),
		TargetId: pulumi.String(b.org.rootID),
	}, b.child); err != nil {
		return fmt.Errorf("security hub policy association: %w", err)
	}

	// 4. CloudTrail.
	if err := b.organizationTrail(o, mgmt); err != nil {
		return err
	}

	// 5. AWS Config and IAM Access Analyzer.
	delegations := map[string]pulumi.Resource{}
	for _, principal := range []string{PrincipalConfig, PrincipalAccessAnalyzer} {
		d, err := organizations.NewDelegatedAdministrator(b.ctx, b.name+"-"+strings.TrimSuffix(principal, ".amazonaws.com"), &organizations.DelegatedAdministratorArgs{
			AccountId:        self,
			ServicePrincipal: pulumi.String(principal),
		}, b.child, mgmt)
		if err != nil {
			return fmt.Errorf("delegated administration of %s: %w", principal, err)
		}
		delegations[principal] = d
	}
	trust, err := iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"config.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {b.a.AccountID}}},
	}).JSON()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(b.ctx, b.name+"-config-organization", &iam.RoleArgs{
		Name:             pulumi.String(b.name + "-config-organization"),
		Description:      pulumi.String("AWS Config reads the organization's accounts for the aggregator"),
		AssumeRolePolicy: pulumi.String(trust),
	}, b.child)
	if err != nil {
		return err
	}
	// Source: https://docs.aws.amazon.com/config/latest/developerguide/aggregated-create-setup.html
	attach, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-config-organization", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String(iampolicy.ManagedPolicyARN(b.a.Partition, "service-role/AWSConfigRoleForOrganizations")),
	}, b.child)
	if err != nil {
		return err
	}
	// The recorders run in the stacks' one region: the aggregator
	// collects exactly that region of every account of the organization.
	if _, err := cfg.NewConfigurationAggregator(b.ctx, b.name, &cfg.ConfigurationAggregatorArgs{
		Name: pulumi.String(o.AggregatorName),
		OrganizationAggregationSource: &cfg.ConfigurationAggregatorOrganizationAggregationSourceArgs{
			RoleArn: role.Arn,
			Regions: pulumi.StringArray{pulumi.String(b.a.Region)},
		},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{delegations[PrincipalConfig], attach})); err != nil {
		return fmt.Errorf("config aggregator: %w", err)
	}
	if _, err := accessanalyzer.NewAnalyzer(b.ctx, b.name+"-organization-analyzer", &accessanalyzer.AnalyzerArgs{
		AnalyzerName: pulumi.String(o.AnalyzerName),
		Type:         pulumi.String("ORGANIZATION"),
	}, b.child, pulumi.DependsOn([]pulumi.Resource{delegations[PrincipalAccessAnalyzer]})); err != nil {
		return fmt.Errorf("organization analyzer: %w", err)
	}
	return nil
}

// organizationFacts are what the administrator reads of its organization
// from the management account before it builds anything.
type organizationFacts struct {
	id, rootID, managementAccountID string
}

// readOrganization reads the organization through the management
// provider (Args.Organization only).
func (b *builder) readOrganization() error {
	o := b.a.Organization
	if o == nil {
		return nil
	}
	org, err := organizations.LookupOrganization(b.ctx, pulumi.Provider(o.ManagementProvider))
	if err != nil {
		return fmt.Errorf("reading the organization from the management account: %w", err)
	}
	if len(org.Roots) == 0 {
		return fmt.Errorf("the organization %s has no root", org.Id)
	}
	if org.MasterAccountId != o.ManagementAccountID {
		return fmt.Errorf("the organization %s is managed by account %s, not Args.Organization.ManagementAccountID %s", org.Id, org.MasterAccountId, o.ManagementAccountID)
	}
	b.org = &organizationFacts{id: org.Id, rootID: org.Roots[0].Id, managementAccountID: org.MasterAccountId}
	return nil
}

// organizationTrailARN is the organization trail's ARN: the management
// account owns it.
func (b *builder) organizationTrailARN() string {
	return fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", b.a.Partition, b.a.Region, b.a.Organization.ManagementAccountID, b.a.Organization.OrganizationTrailName)
}

// organizationTrail registers this account as CloudTrail's delegated
// administrator and creates the organization trail into the archive,
// encrypted with the logs key (whose policy admits it, logsKeyPolicy).
// The pinned provider starts logging by the trail's ARN, as a delegated
// administrator must (https://github.com/hashicorp/terraform-provider-aws/pull/30758).
func (b *builder) organizationTrail(o *OrganizationAdminArgs, mgmt pulumi.ResourceOrInvokeOption) error {
	delegation, err := cloudtrail.NewOrganizationDelegatedAdminAccount(b.ctx, b.name+"-cloudtrail", &cloudtrail.OrganizationDelegatedAdminAccountArgs{
		AccountId: pulumi.String(b.a.AccountID),
	}, b.child, mgmt)
	if err != nil {
		return fmt.Errorf("cloudtrail delegation: %w", err)
	}
	deps := []pulumi.Resource{delegation}
	if b.trailBucketPolicy != nil {
		deps = append(deps, b.trailBucketPolicy)
	}
	if _, err := cloudtrail.NewTrail(b.ctx, b.name+"-organization-trail", &cloudtrail.TrailArgs{
		Name:                       pulumi.String(o.OrganizationTrailName),
		S3BucketName:               pulumi.String(b.a.Audit.TrailBucket),
		IsOrganizationTrail:        pulumi.Bool(true),
		IsMultiRegionTrail:         pulumi.Bool(true),
		IncludeGlobalServiceEvents: pulumi.Bool(true),
		EnableLogFileValidation:    pulumi.Bool(true),
		EnableLogging:              pulumi.Bool(true),
		KmsKeyId:                   b.keyARNs[KeyLogs],
		EventSelectors: cloudtrail.TrailEventSelectorArray{&cloudtrail.TrailEventSelectorArgs{
			ReadWriteType:           pulumi.String("All"),
			IncludeManagementEvents: pulumi.Bool(true),
		}},
	}, append(b.stateful(), pulumi.DependsOn(deps))...); err != nil {
		return fmt.Errorf("organization trail: %w", err)
	}
	return nil
}
