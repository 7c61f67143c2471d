package securitybaseline_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/offline"
)

const managementAccount = "999999999999"

// runAdmin runs the baseline as the organization's delegated
// administrator, with a provider in the management account.
func runAdmin(t *testing.T, edit func(o *sb.OrganizationAdminArgs)) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		mgmt, err := aws.NewProvider(ctx, "management", &aws.ProviderArgs{
			Region:            pulumi.String(offline.UnitRegion),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(managementAccount)},
		})
		if err != nil {
			return err
		}
		args := archiveArgs()
		args.Organization = &sb.OrganizationAdminArgs{ManagementProvider: mgmt, ManagementAccountID: managementAccount}
		if edit != nil {
			edit(args.Organization)
		}
		_, err = sb.NewSecurityBaseline(ctx, "base", args, pulumi.Provider(p))
		return err
	})
}

func TestAdministratorIsDelegatedAfterItsOwnDetectorAndHub(t *testing.T) {
	p, err := runAdmin(t, nil)
	require.NoError(t, err)
	det := p.Require(t, "aws:guardduty/detector:Detector", "base")
	hub := p.Require(t, "aws:securityhub/account:Account", "base")

	// Only the management account designates; designation enables
	// GuardDuty in the administrator when it has no detector, so the
	// detector comes first.
	gd := p.Require(t, "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount", "base-guardduty")
	assert.Equal(t, account, gd.String("adminAccountId"))
	assert.Equal(t, managementAccount, providerAccount(t, p, gd), "designated from the management account")
	assert.Contains(t, gd.DependsOn, det.URN)
	sh := p.Require(t, "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount", "base-securityhub")
	assert.Equal(t, managementAccount, providerAccount(t, p, sh))
	assert.Contains(t, sh.DependsOn, hub.URN)

	conf := p.Require(t, "aws:guardduty/organizationConfiguration:OrganizationConfiguration", "base")
	assert.Equal(t, "ALL", conf.String("autoEnableOrganizationMembers"), "existing and new accounts")
	assert.Equal(t, det.ID, conf.String("detectorId"))
	assert.Contains(t, conf.DependsOn, gd.URN)
	assert.Equal(t, account, providerAccount(t, p, conf))
	features := map[string]string{}
	for _, f := range p.ByType("aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature") {
		features[f.String("name")] = f.String("autoEnable")
		assert.Contains(t, f.DependsOn, gd.URN)
	}
	assert.Equal(t, map[string]string{"S3_DATA_EVENTS": "ALL", "EKS_AUDIT_LOGS": "ALL", "EBS_MALWARE_PROTECTION": "ALL",
		"RDS_LOGIN_EVENTS": "ALL", "LAMBDA_NETWORK_LOGS": "ALL", "RUNTIME_MONITORING": "ALL"}, features)

	agg := p.Require(t, "aws:securityhub/findingAggregator:FindingAggregator", "base")
	central := p.Require(t, "aws:securityhub/organizationConfiguration:OrganizationConfiguration", "base")
	assert.Equal(t, "CENTRAL", central.String("organizationConfiguration.configurationType"))
	assert.False(t, central.Bool("autoEnable"))
	assert.Equal(t, "NONE", central.String("autoEnableStandards"))
	assert.Contains(t, central.DependsOn, agg.URN, "central configuration needs the home region's aggregator")
	assert.Contains(t, central.DependsOn, sh.URN)
	policy := p.Require(t, "aws:securityhub/configurationPolicy:ConfigurationPolicy", "base")
	assert.True(t, policy.Bool("configurationPolicy.serviceEnabled"))
	assert.ElementsMatch(t, []string{
		"arn:aws:securityhub:us-west-2::standards/aws-foundational-security-best-practices/v/1.0.0",
		"arn:aws:securityhub:us-west-2::standards/cis-aws-foundations-benchmark/v/3.0.0",
	}, policy.Strings("configurationPolicy.enabledStandardArns"))
	assoc := p.Require(t, "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation", "base-root")
	assert.Regexp(t, `^r-[0-9a-z]{4,32}$`, assoc.String("targetId"), "the organization's root")

	delegated := map[string]string{}
	for _, d := range p.ByType("aws:organizations/delegatedAdministrator:DelegatedAdministrator") {
		delegated[d.String("servicePrincipal")] = d.String("accountId")
		assert.Equal(t, managementAccount, providerAccount(t, p, d))
	}
	assert.Equal(t, map[string]string{"config.amazonaws.com": account, "access-analyzer.amazonaws.com": account}, delegated)

	cfgAgg := p.Require(t, "aws:cfg/configurationAggregator:ConfigurationAggregator", "base")
	assert.Equal(t, "base-config", cfgAgg.String("name"))
	assert.Equal(t, []string{"us-west-2"}, cfgAgg.Strings("organizationAggregationSource.regions"))
	assert.NotEmpty(t, cfgAgg.String("organizationAggregationSource.roleArn"))
	assert.Empty(t, cfgAgg.Strings("accountAggregationSource.accountIds"), "the organization, not a list of accounts")
	analyzer := p.Require(t, "aws:accessanalyzer/analyzer:Analyzer", "base-organization-analyzer")
	assert.Equal(t, "ORGANIZATION", analyzer.String("type"))

	for _, typ := range []string{
		"aws:guardduty/member:Member", "aws:guardduty/inviteAccepter:InviteAccepter",
		"aws:securityhub/member:Member", "aws:securityhub/inviteAccepter:InviteAccepter",
		"aws:cfg/aggregateAuthorization:AggregateAuthorization",
	} {
		assert.Empty(t, p.ByType(typ), "no invitation in an organization: %s", typ)
	}
}

func TestAdministratorCreatesTheOrganizationTrailIntoTheArchive(t *testing.T) {
	p, err := runAdmin(t, nil)
	require.NoError(t, err)
	delegation := p.Require(t, "aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount", "base-cloudtrail")
	assert.Equal(t, account, delegation.String("accountId"))
	assert.Equal(t, managementAccount, providerAccount(t, p, delegation), "only the management account delegates")

	trail := p.Require(t, "aws:cloudtrail/trail:Trail", "base-organization-trail")
	assert.True(t, trail.Bool("isOrganizationTrail"))
	assert.True(t, trail.Bool("isMultiRegionTrail"))
	assert.True(t, trail.Bool("enableLogFileValidation"))
	assert.Equal(t, "org-audit-trail", trail.String("s3BucketName"), "into the archive")
	assert.Contains(t, trail.DependsOn, delegation.URN, "a member creates an organization trail only as CloudTrail's delegated administrator")

	var policy string
	for _, bp := range p.ByType("aws:s3/bucketPolicy:BucketPolicy") {
		if strings.Contains(bp.String("policy"), "CloudTrailWriteOrganization") {
			policy = bp.String("policy")
			assert.Contains(t, trail.DependsOn, bp.URN, "CloudTrail checks the bucket policy when the trail is created")
		}
	}
	require.NotEmpty(t, policy, "the archive admits the organization trail")
	assert.Contains(t, policy, "arn:aws:s3:::org-audit-trail/AWSLogs/"+managementAccount+"/*")
	assert.Regexp(t, `arn:aws:s3:::org-audit-trail/AWSLogs/o-[a-z0-9]{10,32}/\*`, policy)
	assert.Contains(t, policy, "arn:aws:cloudtrail:us-west-2:"+managementAccount+":trail/base-organization", "the management account owns the trail")

	key := p.Require(t, "aws:kms/key:Key", "base-logs").String("policy")
	assert.Contains(t, key, "CloudTrailOfTheOrganization")
	assert.Contains(t, key, "arn:aws:cloudtrail:*:"+managementAccount+":trail/*")
}

func TestMemberLeavesDetectionToTheOrganization(t *testing.T) {
	args := workloadArgs()
	args.OrganizationMember = &sb.OrganizationMemberArgs{AdministratorAccountID: identityAccount}
	p := mustRun(t, args)
	for _, typ := range []string{
		"aws:guardduty/detector:Detector", "aws:guardduty/detectorFeature:DetectorFeature",
		"aws:securityhub/account:Account", "aws:securityhub/standardsSubscription:StandardsSubscription",
		"aws:cloudwatch/eventRule:EventRule",
	} {
		assert.Empty(t, p.ByType(typ), "the administrator's auto-enablement creates it: %s", typ)
	}
	// What is the account's own stays.
	p.Require(t, "aws:cfg/recorder:Recorder", "base")
	p.Require(t, "aws:cloudtrail/trail:Trail", "base-trail")
}

func TestStandaloneAccountRunsItsOwnDetection(t *testing.T) {
	p := mustRun(t, workloadArgs())
	p.Require(t, "aws:guardduty/detector:Detector", "base")
	p.Require(t, "aws:securityhub/account:Account", "base")
	for _, typ := range []string{
		"aws:guardduty/organizationAdminAccount:OrganizationAdminAccount",
		"aws:securityhub/findingAggregator:FindingAggregator",
		"aws:cfg/configurationAggregator:ConfigurationAggregator",
	} {
		assert.Empty(t, p.ByType(typ), typ)
	}
}

func TestBadAdministrationIsRefused(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(a *sb.SecurityBaselineArgs)
		field, rule string
	}{
		{"no management provider", func(a *sb.SecurityBaselineArgs) {
			a.Organization = &sb.OrganizationAdminArgs{ManagementAccountID: managementAccount}
		}, "Args.Organization.ManagementProvider", "required"},
		{"administrator is the management account", func(a *sb.SecurityBaselineArgs) {
			a.Organization = &sb.OrganizationAdminArgs{ManagementAccountID: account}
		}, "Args.Organization.ManagementAccountID", "another account"},
		{"bad aggregator name", func(a *sb.SecurityBaselineArgs) {
			a.Organization = &sb.OrganizationAdminArgs{ManagementAccountID: managementAccount, AggregatorName: "my aggregator"}
		}, "Args.Organization.AggregatorName", "letters"},
		{"bad analyzer name", func(a *sb.SecurityBaselineArgs) {
			a.Organization = &sb.OrganizationAdminArgs{ManagementAccountID: managementAccount, AnalyzerName: "9lives"}
		}, "Args.Organization.AnalyzerName", "starting with a letter"},
		{"both roles", func(a *sb.SecurityBaselineArgs) {
			a.Organization = &sb.OrganizationAdminArgs{ManagementAccountID: managementAccount}
			a.OrganizationMember = &sb.OrganizationMemberArgs{AdministratorAccountID: otherWriter}
		}, "Args.OrganizationMember", "nobody's member"},
		{"own administrator", func(a *sb.SecurityBaselineArgs) {
			a.OrganizationMember = &sb.OrganizationMemberArgs{AdministratorAccountID: account}
		}, "Args.OrganizationMember.AdministratorAccountID", "another account"},
		{"administrator id malformed", func(a *sb.SecurityBaselineArgs) {
			a.OrganizationMember = &sb.OrganizationMemberArgs{AdministratorAccountID: "1234"}
		}, "Args.OrganizationMember.AdministratorAccountID", "12-digit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := workloadArgs()
			tc.edit(args)
			p, err := run(t, args)
			offline.RequireRefused(t, p, err, "refarch:securitybaseline:SecurityBaseline", tc.field, tc.rule)
		})
	}
}

// providerAccount is the account the provider of r is pinned to.
func providerAccount(t *testing.T, p *offline.Plan, r *offline.Resource) string {
	t.Helper()
	prov := p.ProviderOf(r)
	require.NotNil(t, prov, "%s has an explicit provider", r.Name)
	ids := prov.Strings("allowedAccountIds")
	require.Len(t, ids, 1)
	return ids[0]
}
