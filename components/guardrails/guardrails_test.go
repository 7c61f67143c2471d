package guardrails_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/guardrails"
	"github.com/refarch/refarch/components/validate"
)

// sample are the arguments of the sample organization: it deploys in
// us-west-2 and puts CloudFront's certificates and web ACLs in us-east-1.
func sample() guardrails.Args {
	return guardrails.Args{
		DeployRoleName: "refarch-deploy",
		AllowedRegions: []string{"us-west-2", "us-east-1"},
		HomeRegion:     "us-west-2",
	}
}

func policies(t *testing.T, a guardrails.Args) []guardrails.Policy {
	t.Helper()
	ps, err := guardrails.Policies(a)
	require.NoError(t, err)
	return ps
}

// denials evaluates req against the policies in effect at targets.
func denials(t *testing.T, ps []guardrails.Policy, req guardrails.Request, targets ...guardrails.Target) []string {
	t.Helper()
	got, err := guardrails.Evaluate(guardrails.ForTargets(ps, targets...), req)
	require.NoError(t, err)
	var out []string
	for _, d := range got {
		out = append(out, d.Sid)
	}
	return out
}

var member = []guardrails.Target{guardrails.TargetRoot, guardrails.TargetWorkloads}

func TestPoliciesFitAWSOrganizationsQuotas(t *testing.T) {
	ps := policies(t, sample())
	perTarget := map[guardrails.Target]int{}
	names := map[string]bool{}
	sids := map[string]bool{}
	for _, p := range ps {
		doc, err := p.Document.JSON()
		require.NoError(t, err)
		assert.LessOrEqual(t, len(doc), guardrails.MaxPolicySize, "%s is %d characters", p.Name, len(doc))
		assert.NotContains(t, doc, "\n", "%s is rendered compact", p.Name)
		var parsed map[string]any
		require.NoError(t, json.Unmarshal([]byte(doc), &parsed), p.Name)

		assert.False(t, names[p.Name], "policy %s is named twice", p.Name)
		names[p.Name] = true
		assert.LessOrEqual(t, len(p.Name), 128)
		assert.NotEmpty(t, p.Description)
		assert.LessOrEqual(t, len(p.Description), 512, p.Name)
		assert.NotEmpty(t, p.Reason, p.Name)
		assert.NotEmpty(t, p.Targets, p.Name)
		require.NotEmpty(t, p.Sources, p.Name)
		for _, src := range p.Sources {
			assert.True(t, strings.HasPrefix(src, "https://docs.aws.amazon.com/"), "%s cites AWS's documentation: %s", p.Name, src)
		}
		for _, st := range p.Document.Statement {
			assert.Equal(t, "Deny", st.Effect, "%s/%s: a guardrail only denies", p.Name, st.Sid)
			assert.NotEmpty(t, st.Sid, p.Name)
			assert.False(t, sids[st.Sid], "Sid %s is used twice", st.Sid)
			sids[st.Sid] = true
		}
		for _, target := range p.Targets {
			perTarget[target]++
		}
	}
	for _, target := range guardrails.Targets {
		assert.LessOrEqual(t, perTarget[target], guardrails.MaxOwnPoliciesPerTarget,
			"target %s: FullAWSAccess needs one of the %d places", target, guardrails.MaxAttachedPolicies)
	}
	assert.LessOrEqual(t, len(ps), 5, "few policies")
}

func TestEveryRegionAllowedStillFits(t *testing.T) {
	// Every known region of the partition allowed: the largest document
	// the arguments can produce still fits.
	a := sample()
	a.AllowedRegions = nil
	for r := range validate.RegionAZs {
		if validate.Partition(r) == "aws" {
			a.AllowedRegions = append(a.AllowedRegions, r)
		}
	}
	for _, p := range policies(t, a) {
		doc, err := p.Document.JSON()
		require.NoError(t, err)
		assert.LessOrEqual(t, len(doc), guardrails.MaxPolicySize, p.Name)
	}
}

func TestOnlyTheDeployRoleChangesWhatRecordsAndDetects(t *testing.T) {
	ps := policies(t, sample())
	for _, action := range []string{
		"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "config:StopConfigurationRecorder",
		"config:DeleteDeliveryChannel", "guardduty:DeleteDetector", "guardduty:UpdateDetector",
		"guardduty:DisassociateFromAdministratorAccount", "securityhub:DisableSecurityHub",
		"securityhub:BatchDisableStandards", "access-analyzer:DeleteAnalyzer",
	} {
		asDeploy := guardrails.Request{Action: action, PrincipalARN: deployARN, Region: "us-west-2"}
		asOther := guardrails.Request{Action: action, PrincipalARN: otherARN, Region: "us-west-2"}
		assert.Empty(t, denials(t, ps, asDeploy, member...), "the deploy role may %s", action)
		assert.Equal(t, []string{guardrails.SidAuditTampering}, denials(t, ps, asOther, member...), "another role may not %s", action)
	}

	// The archive: its buckets and objects, not other buckets.
	archive := "arn:aws:s3:::refarch-audit-trail-111111111111"
	for _, tc := range []struct{ action, resource string }{
		{"s3:DeleteBucket", archive},
		{"s3:PutBucketPolicy", archive},
		{"s3:PutLifecycleConfiguration", "arn:aws:s3:::refarch-audit-config-111111111111"},
		{"s3:PutBucketVersioning", archive + "-access"},
		{"s3:DeleteObjectVersion", archive + "/AWSLogs/o-abc/333333333333/CloudTrail/x.json.gz"},
		{"s3:BypassGovernanceRetention", archive + "/x"},
	} {
		assert.Equal(t, []string{guardrails.SidArchiveTampering},
			denials(t, ps, guardrails.Request{Action: tc.action, Resource: tc.resource, PrincipalARN: otherARN, Region: "us-west-2"}, member...), tc.action)
		assert.Empty(t, denials(t, ps, guardrails.Request{Action: tc.action, Resource: tc.resource, PrincipalARN: deployARN, Region: "us-west-2"}, member...), tc.action)
	}
	assert.Empty(t, denials(t, ps, guardrails.Request{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::refarch-dev-edge-logs", PrincipalARN: otherARN, Region: "us-west-2"}, member...),
		"other buckets are not the archive")

	// A role named like the deploy role in another path is not it.
	impostor := "arn:aws:iam::123456789012:role/team/refarch-deploy"
	assert.Equal(t, []string{guardrails.SidAuditTampering},
		denials(t, ps, guardrails.Request{Action: "cloudtrail:StopLogging", PrincipalARN: impostor, Region: "us-west-2"}, member...))
}

func TestTheRootUserOfAMemberAccountDoesNothing(t *testing.T) {
	ps := policies(t, sample())
	for _, action := range []string{"ec2:RunInstances", "iam:CreateAccessKey", "s3:GetObject", "sts:AssumeRole"} {
		got := denials(t, ps, guardrails.Request{Action: action, PrincipalARN: rootARN, Region: "us-west-2"}, member...)
		assert.Contains(t, got, guardrails.SidRootUser, action)
	}
	assert.NotContains(t, denials(t, ps, guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN, Region: "us-west-2"}, member...),
		guardrails.SidRootUser)
}

func TestOnlyTheAllowedRegionsAreUsed(t *testing.T) {
	ps := policies(t, sample())
	outside := func(action string) []string {
		return denials(t, ps, guardrails.Request{Action: action, PrincipalARN: deployARN, Region: "eu-west-1"}, member...)
	}
	assert.Equal(t, []string{guardrails.SidOutsideRegions}, outside("ec2:RunInstances"), "a region outside the list")
	assert.Equal(t, []string{guardrails.SidOutsideRegions}, outside("kms:CreateKey"), "KMS is regional")
	assert.Equal(t, []string{guardrails.SidOutsideRegions}, outside("acm:RequestCertificate"), "ACM is regional")
	for _, global := range []string{"iam:CreateRole", "sts:AssumeRole", "route53:ChangeResourceRecordSets", "cloudfront:CreateDistribution",
		"organizations:DescribeOrganization", "s3:PutAccountPublicAccessBlock", "support:CreateCase"} {
		got := outside(global)
		assert.NotContains(t, got, guardrails.SidOutsideRegions, "%s is global", global)
	}
	for _, region := range []string{"us-west-2", "us-east-1"} {
		assert.Empty(t, denials(t, ps, guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN, Region: region}, member...), region)
	}
	// CloudFront's certificate is requested in us-east-1: allowed when
	// the list has it, denied when it does not.
	cert := guardrails.Request{Action: "acm:RequestCertificate", PrincipalARN: deployARN, Region: "us-east-1"}
	assert.Empty(t, denials(t, ps, cert, member...), "us-east-1 allowed")
	west := sample()
	west.AllowedRegions = []string{"us-west-2"}
	assert.Equal(t, []string{guardrails.SidOutsideRegions}, denials(t, policies(t, west), cert, member...), "us-east-1 not allowed")
}

func TestAccountDefaultsStayOn(t *testing.T) {
	ps := policies(t, sample())
	ebs := guardrails.Request{Action: "ec2:DisableEbsEncryptionByDefault", Region: "us-west-2"}
	for _, who := range []string{deployARN, otherARN} {
		ebs.PrincipalARN = who
		assert.Equal(t, []string{guardrails.SidEbsEncryptionOff}, denials(t, ps, ebs, member...), who)
	}
	assert.Empty(t, denials(t, ps, guardrails.Request{Action: "ec2:EnableEbsEncryptionByDefault", PrincipalARN: otherARN, Region: "us-west-2"}, member...))

	// S3 authorizes setting and deleting the account's block with one
	// action: only the deploy role makes it.
	pab := guardrails.Request{Action: "s3:PutAccountPublicAccessBlock", Region: "us-west-2", PrincipalARN: deployARN}
	assert.Empty(t, denials(t, ps, pab, member...))
	pab.PrincipalARN = otherARN
	assert.Equal(t, []string{guardrails.SidAccountPublicAccess}, denials(t, ps, pab, member...))
}

func TestNoAccountLeavesTheOrganization(t *testing.T) {
	ps := policies(t, sample())
	for _, who := range []string{deployARN, otherARN, rootARN} {
		got := denials(t, ps, guardrails.Request{Action: "organizations:LeaveOrganization", PrincipalARN: who, Region: "us-east-1"}, member...)
		assert.Contains(t, got, guardrails.SidLeaveOrganization, who)
	}
}

func TestIAMUsersExistOnlyInTheSecurityAccount(t *testing.T) {
	ps := policies(t, sample())
	for _, action := range []string{"iam:CreateUser", "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:CreateAccessKey"} {
		req := guardrails.Request{Action: action, PrincipalARN: deployARN, Region: "us-east-1"}
		for _, ou := range []guardrails.Target{guardrails.TargetInfrastructure, guardrails.TargetWorkloads} {
			assert.Equal(t, []string{guardrails.SidIAMUsers}, denials(t, ps, req, guardrails.TargetRoot, ou), "%s in %s", action, ou)
		}
		assert.Empty(t, denials(t, ps, req, guardrails.TargetRoot, guardrails.TargetSecurity), "%s in the security account", action)
	}
}

func TestForTargetsKeepsTheOrder(t *testing.T) {
	ps := policies(t, sample())
	var names []string
	for _, p := range guardrails.ForTargets(ps, guardrails.TargetRoot, guardrails.TargetSecurity) {
		names = append(names, p.Name)
	}
	assert.Equal(t, []string{guardrails.NameOrganizationIntegrity, guardrails.NameAuditIntegrity, guardrails.NameRegionsAndDefaults}, names)
	assert.Len(t, guardrails.ForTargets(ps, guardrails.TargetRoot, guardrails.TargetWorkloads), 4)
	assert.Empty(t, guardrails.ForTargets(ps))
}

func TestValidateNamesEveryBrokenField(t *testing.T) {
	cases := map[string]struct {
		args  guardrails.Args
		field string
		rule  string
	}{
		"home region not allowed": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-east-1"}, HomeRegion: "us-west-2"},
			"Args.AllowedRegions", "must include Args.HomeRegion us-west-2"},
		"unknown region": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-west-2", "us-moon-1"}, HomeRegion: "us-west-2"},
			"Args.AllowedRegions[1]", "must be an AWS region"},
		"region twice": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-west-2", "us-west-2"}, HomeRegion: "us-west-2"},
			"Args.AllowedRegions[1]", "listed twice"},
		"no region": {guardrails.Args{DeployRoleName: "refarch-deploy", HomeRegion: "us-west-2"},
			"Args.AllowedRegions", "at least one region"},
		"another partition": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-west-2", "us-gov-west-1"}, HomeRegion: "us-west-2"},
			"Args.AllowedRegions[1]", "not in partition aws"},
		"empty role": {guardrails.Args{AllowedRegions: []string{"us-west-2"}, HomeRegion: "us-west-2"},
			"Args.DeployRoleName", "is required"},
		"bad role": {guardrails.Args{DeployRoleName: "refarch deploy", AllowedRegions: []string{"us-west-2"}, HomeRegion: "us-west-2"},
			"Args.DeployRoleName", "IAM role name"},
		"no home region": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-west-2"}},
			"Args.HomeRegion", "is required"},
		"bad partition": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-west-2"}, HomeRegion: "us-west-2", Partition: "aws-moon"},
			"Args.Partition", "must be one of"},
		"bad archive prefix": {guardrails.Args{DeployRoleName: "refarch-deploy", AllowedRegions: []string{"us-west-2"}, HomeRegion: "us-west-2", ArchiveBucketPrefix: "Audit_"},
			"Args.ArchiveBucketPrefix", "bucket names"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.args.Validate()
			require.Error(t, err)
			var verr *validate.Error
			require.True(t, errors.As(err, &verr), "a *validate.Error: %v", err)
			require.True(t, verr.Has(tc.field), "names %s:\n%v", tc.field, err)
			assert.Contains(t, err.Error(), tc.rule)
			_, perr := guardrails.Policies(tc.args)
			require.Error(t, perr, "Policies validates first")
		})
	}

	// Every problem at once.
	err := (&guardrails.Args{AllowedRegions: []string{"us-moon-1"}}).Validate()
	var verr *validate.Error
	require.True(t, errors.As(err, &verr))
	for _, field := range []string{"Args.DeployRoleName", "Args.HomeRegion", "Args.AllowedRegions[0]"} {
		assert.True(t, verr.Has(field), "names %s:\n%v", field, err)
	}

	good := sample()
	require.NoError(t, good.Validate())
}

func TestPoliciesDoNotChangeTheirArguments(t *testing.T) {
	a := sample()
	a.AllowedRegions = []string{"us-west-2", "us-east-1"}
	_, err := guardrails.Policies(a)
	require.NoError(t, err)
	assert.Equal(t, []string{"us-west-2", "us-east-1"}, a.AllowedRegions, "the caller's list is not sorted in place")
	assert.Empty(t, a.Partition, "defaults apply to a copy")
}

func TestCreateActionsAreNamedActions(t *testing.T) {
	for typ, acts := range guardrails.CreateActions {
		assert.True(t, strings.HasPrefix(typ, "aws:"), typ)
		assert.NotEmpty(t, acts.Names, typ)
		assert.True(t, strings.HasPrefix(acts.Source, "https://docs.aws.amazon.com/"), "%s cites AWS: %s", typ, acts.Source)
		for _, a := range acts.Names {
			assert.Empty(t, validate.CheckNamedAction(a), "%s: %s", typ, a)
		}
	}
	for comp, types := range guardrails.RemoteComponents {
		for _, typ := range types {
			assert.Contains(t, guardrails.CreateActions, typ, "%s creates %s", comp, typ)
		}
	}
}
