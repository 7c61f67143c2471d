package offline

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The accounts of the organization cases: the management account, the
// security account (the delegated administrator), a member and an
// account outside the organization.
const (
	orgMgmt     = "100000000000"
	orgSecurity = "111111111111"
	orgDev      = "333333333333"
	orgOutsider = "999999999999"
)

// orgStep is one create (or, with adopt, one import) in the world: by a
// provider of account in region (us-west-2 unless said), as stack.
type orgStep struct {
	account, region, typ, name string
	in                         map[string]any
	// adopt imports the resource with this id instead of creating it.
	adopt string
}

// run applies a step and returns the create's error.
func (s orgStep) run(t *testing.T, w *World) error {
	t.Helper()
	region := s.region
	if region == "" {
		region = "us-west-2"
	}
	c := NewCloud(map[string]any{"region": region, "allowedAccountIds": []any{s.account}}).Remember(w)
	urn := resource.URN("urn:pulumi:org::refarch::" + s.typ + "::" + s.name)
	in := resource.NewPropertyMapFromMap(s.in)
	if s.adopt != "" {
		_, err := c.Adopt(urn, s.adopt, in)
		return err
	}
	_, _, err := c.Create(urn, in)
	return err
}

// The steps the cases build their worlds from.
func orgCreate(principals ...string) orgStep {
	p := []any{}
	for _, s := range principals {
		p = append(p, s)
	}
	return orgStep{account: orgMgmt, typ: orgTypeOrganization, name: "org",
		in: map[string]any{"featureSet": "ALL", "enabledPolicyTypes": []any{orgSCP}, "awsServiceAccessPrincipals": p}}
}

var allPrincipals = []string{principalAccessAnalyzer, principalCloudTrail, principalConfig, principalGuardDuty, principalSecurityHub}

func adoptAccount(id string, extra map[string]any) orgStep {
	in := map[string]any{"name": "refarch-" + id, "email": id + "@example.com"}
	for k, v := range extra {
		in[k] = v
	}
	return orgStep{account: orgMgmt, typ: orgTypeAccount, name: "account-" + id, in: in, adopt: id}
}

func delegate(caller, account, principal string) orgStep {
	return orgStep{account: caller, typ: orgTypeDelegatedAdmin, name: "da-" + account + "-" + principal,
		in: map[string]any{"accountId": account, "servicePrincipal": principal}}
}

func designate(typ, account string) orgStep {
	return orgStep{account: orgMgmt, typ: typ, name: "admin-" + account, in: map[string]any{"adminAccountId": account}}
}

func detectorIn(account string) orgStep {
	return orgStep{account: account, typ: orgTypeGuardDutyDetector, name: "detector-" + account, in: map[string]any{"enable": true}}
}

func gdConfig(mode string) orgStep {
	return orgStep{account: orgSecurity, typ: orgTypeGuardDutyOrgConfig, name: "gd-org", in: map[string]any{"autoEnableOrganizationMembers": mode}}
}

func hubIn(account string) orgStep {
	return orgStep{account: account, typ: orgTypeSecurityHubAccount, name: "hub-" + account, in: map[string]any{}}
}

func aggregator(account string, in map[string]any) orgStep {
	return orgStep{account: account, typ: orgTypeSecurityHubAggregator, name: "aggregator-" + account, in: in}
}

func shConfig(account, typ string) orgStep {
	return orgStep{account: account, typ: orgTypeSecurityHubOrgConfig, name: "sh-org-" + account,
		in: map[string]any{"autoEnable": false, "organizationConfiguration": map[string]any{"configurationType": typ}}}
}

func shPolicy(enabled bool) orgStep {
	return orgStep{account: orgSecurity, typ: orgTypeSecurityHubPolicy, name: "policy",
		in: map[string]any{"configurationPolicy": map[string]any{"serviceEnabled": enabled}}}
}

// shAssociation associates the policy of shPolicy (its id, as the stand-in
// computes it) with target.
func shAssociation(target string) orgStep {
	return orgStep{account: orgSecurity, typ: orgTypeSecurityHubAssociation, name: "association", in: map[string]any{"targetId": target, "policyId": "@policy"}}
}

// centralSecurityHub is the world of Security Hub's central configuration
// by the security account, up to its configuration policy.
func centralSecurityHub(enabled bool) []orgStep {
	return []orgStep{
		orgCreate(allPrincipals...), adoptAccount(orgSecurity, nil), adoptAccount(orgDev, nil),
		hubIn(orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity), aggregator(orgSecurity, map[string]any{"linkingMode": "ALL_REGIONS"}),
		shConfig(orgSecurity, "CENTRAL"), shPolicy(enabled),
	}
}

func ecsService(account string) orgStep {
	return orgStep{account: account, typ: "aws:ecs/service:Service", name: "web-" + account, in: map[string]any{"cluster": "prod", "launchType": "FARGATE"}}
}

func orgAggregator(account string, organization bool) orgStep {
	in := map[string]any{"accountAggregationSource": map[string]any{"accountIds": []any{account}, "regions": []any{"us-west-2"}}}
	if organization {
		in = map[string]any{"organizationAggregationSource": map[string]any{"roleArn": "arn:aws:iam::" + account + ":role/aggregator", "regions": []any{"us-west-2"}}}
	}
	return orgStep{account: account, typ: orgTypeConfigAggregator, name: "aggregator", in: in}
}

func analyzer(account, typ string) orgStep {
	return orgStep{account: account, typ: orgTypeAnalyzer, name: "analyzer", in: map[string]any{"analyzerName": "refarch", "type": typ}}
}

func orgTrail(account string, organization bool) orgStep {
	return orgStep{account: account, typ: orgTypeTrail, name: "trail", in: map[string]any{"name": "refarch", "isOrganizationTrail": organization}}
}

func scp(name string, size int) orgStep {
	return orgStep{account: orgMgmt, typ: orgTypePolicy, name: name, in: map[string]any{"type": orgSCP, "content": strings.Repeat(" ", size)}}
}

func attach(policy, target string) orgStep {
	return orgStep{account: orgMgmt, typ: orgTypePolicyAttachment, name: policy + "-" + target, in: map[string]any{"policyId": "@" + policy, "targetId": target}}
}

// resolve replaces "@name" inputs by the id of the resource named name the
// world holds (the policy an association or attachment names).
func (s orgStep) resolve(t *testing.T, w *World) orgStep {
	t.Helper()
	in := map[string]any{}
	for k, v := range s.in {
		in[k] = v
		ref, ok := v.(string)
		if !ok || !strings.HasPrefix(ref, "@") {
			continue
		}
		for _, typ := range []string{orgTypeSecurityHubPolicy, orgTypePolicy} {
			all, err := w.Of(typ)
			require.NoError(t, err)
			for _, e := range all {
				if strings.HasSuffix(e.URN, "::"+ref[1:]) {
					in[k] = e.ID
				}
			}
		}
		if in[k] == ref {
			in[k] = ref[1:] // not in the world: the literal id
		}
	}
	s.in = in
	return s
}

// TestTheOrganizationsPreconditions replays, for each rule, worlds that
// break it (the last create is refused with AWS's code) and worlds that
// keep it (every create succeeds).
func TestTheOrganizationsPreconditions(t *testing.T) {
	type orgCase struct {
		name  string
		steps []orgStep
		// rule is the rule whose refusal the last step meets; "" when
		// every step succeeds.
		rule, code string
	}
	with := func(base []orgStep, more ...orgStep) []orgStep { return append(append([]orgStep{}, base...), more...) }
	org := []orgStep{orgCreate(allPrincipals...), adoptAccount(orgSecurity, nil), adoptAccount(orgDev, nil)}
	gdAdmin := with(org, detectorIn(orgSecurity), designate(orgTypeGuardDutyAdmin, orgSecurity))
	fiveSCPs := with(org, scp("a", 10), scp("b", 10), scp("c", 10), scp("d", 10), scp("e", 10),
		attach("a", "r-root"), attach("b", "r-root"), attach("c", "r-root"), attach("d", "r-root"))
	const (
		trusted  = "organizations-trusted-access-before-delegation"
		notMgmt  = "organizations-no-delegation-to-management"
		gdConf   = "guardduty-delegation-before-organization-configuration"
		detector = "guardduty-one-detector-per-account"
		central  = "securityhub-central-configuration-prerequisites"
		oneHub   = "securityhub-one-hub-per-account"
		cfgAgg   = "config-organization-aggregator-needs-delegation"
		aa       = "accessanalyzer-organization-analyzer-needs-delegation"
		trail    = "cloudtrail-organization-trail-from-management"
		limits   = "organizations-scp-limits"
	)
	cases := []orgCase{
		// Delegation needs the management account and trusted access.
		{"no organization, no delegation", []orgStep{delegate(orgMgmt, orgSecurity, principalConfig)}, trusted, "ConstraintViolationException"},
		{"trusted access not enabled", []orgStep{orgCreate(principalGuardDuty), delegate(orgMgmt, orgSecurity, principalConfig)}, trusted, "ConstraintViolationException"},
		{"a member does not delegate", with(org, delegate(orgSecurity, orgDev, principalConfig)), trusted, "ConstraintViolationException"},
		{"GuardDuty without trusted access", []orgStep{orgCreate(principalConfig), designate(orgTypeGuardDutyAdmin, orgSecurity)}, trusted, "ConstraintViolationException"},
		{"Security Hub without trusted access", []orgStep{orgCreate(principalConfig), designate(orgTypeSecurityHubAdmin, orgSecurity)}, trusted, "ConstraintViolationException"},
		{"the management account delegates what it trusts", with(org, delegate(orgMgmt, orgSecurity, principalConfig), delegate(orgMgmt, orgSecurity, principalAccessAnalyzer),
			designate(orgTypeGuardDutyAdmin, orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity)), "", ""},
		// Never to itself.
		{"delegation to the management account", with(org, delegate(orgMgmt, orgMgmt, principalConfig)), notMgmt, "ConstraintViolationException"},
		{"GuardDuty may designate the management account", with(org, designate(orgTypeGuardDutyAdmin, orgMgmt)), "", ""},
		// GuardDuty's organization configuration.
		{"configuration without designation", with(org, detectorIn(orgSecurity), gdConfig("ALL")), gdConf, "BadRequestException"},
		{"configuration designated in another region", with(org, detectorIn(orgSecurity), orgStep{account: orgMgmt, region: "us-east-1",
			typ: orgTypeGuardDutyAdmin, name: "admin-east", in: map[string]any{"adminAccountId": orgSecurity}}, gdConfig("ALL")), gdConf, "BadRequestException"},
		{"feature configuration by another account", with(gdAdmin, orgStep{account: orgDev, typ: orgTypeGuardDutyOrgFeature, name: "f",
			in: map[string]any{"name": "S3_DATA_EVENTS", "autoEnable": "ALL"}}), gdConf, "BadRequestException"},
		{"the administrator configures the organization", with(gdAdmin, gdConfig("ALL"), orgStep{account: orgSecurity, typ: orgTypeGuardDutyOrgFeature, name: "f",
			in: map[string]any{"name": "S3_DATA_EVENTS", "autoEnable": "ALL"}}), "", ""},
		// One detector per account and region, whoever created it.
		{"the account's second detector", []orgStep{detectorIn(orgDev), {account: orgDev, typ: orgTypeGuardDutyDetector, name: "again", in: map[string]any{}}},
			detector, "BadRequestException"},
		{"the administrator's detector after its designation", with(org, designate(orgTypeGuardDutyAdmin, orgSecurity), detectorIn(orgSecurity)), detector, "BadRequestException"},
		{"the administrator's detector before its designation", gdAdmin, "", ""},
		{"designated in another region", with(org, orgStep{account: orgMgmt, region: "us-east-1", typ: orgTypeGuardDutyAdmin, name: "admin-east",
			in: map[string]any{"adminAccountId": orgSecurity}}, detectorIn(orgSecurity)), "", ""},
		{"a member's detector once members are auto-enabled", with(gdAdmin, gdConfig("ALL"), detectorIn(orgDev)), detector, "BadRequestException"},
		{"the management account's detector once members are auto-enabled", with(gdAdmin, gdConfig("ALL"), detectorIn(orgMgmt)), detector, "BadRequestException"},
		{"an outsider's detector", with(gdAdmin, gdConfig("ALL"), detectorIn(orgOutsider)), "", ""},
		{"a member's detector when GuardDuty enables no member", with(gdAdmin, gdConfig("NONE"), detectorIn(orgDev)), "", ""},
		{"an older member's detector when GuardDuty enables new members", with(gdAdmin, gdConfig("NEW"), detectorIn(orgDev)), "", ""},
		{"a new member's detector when GuardDuty enables new members", with(gdAdmin, gdConfig("NEW"), adoptAccount("444444444444", nil), detectorIn("444444444444")),
			detector, "BadRequestException"},
		// Runtime monitoring of the services of accounts GuardDuty enables.
		{"a member's service before the organization's runtime monitoring", with(gdAdmin, gdConfig("ALL"), ecsService(orgDev)),
			"gd-fargate-service-after-runtime-monitoring", SilentFailure},
		{"a member's service after the organization's runtime monitoring", with(gdAdmin, gdConfig("ALL"), orgStep{account: orgSecurity,
			typ: orgTypeGuardDutyOrgFeature, name: "runtime", in: map[string]any{"name": "RUNTIME_MONITORING", "autoEnable": "ALL"}}, ecsService(orgDev)), "", ""},
		{"an outsider's service", with(gdAdmin, gdConfig("ALL"), ecsService(orgOutsider)), "", ""},
		// Security Hub's central configuration.
		{"central configuration without designation", with(org, hubIn(orgSecurity), aggregator(orgSecurity, map[string]any{"linkingMode": "ALL_REGIONS"}),
			shConfig(orgSecurity, "CENTRAL")), central, "InvalidAccessException"},
		{"central configuration by the management account", with(org, hubIn(orgMgmt), designate(orgTypeSecurityHubAdmin, orgMgmt),
			aggregator(orgMgmt, map[string]any{"linkingMode": "ALL_REGIONS"}), shConfig(orgMgmt, "CENTRAL")), central, "InvalidAccessException"},
		{"central configuration without aggregation", with(org, hubIn(orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity), shConfig(orgSecurity, "CENTRAL")),
			central, "InvalidAccessException"},
		{"local configuration needs no aggregation", with(org, hubIn(orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity), shConfig(orgSecurity, "LOCAL")), "", ""},
		{"a configuration policy without central configuration", with(org, hubIn(orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity), shPolicy(true)),
			central, "InvalidAccessException"},
		{"an association without central configuration", with(org, hubIn(orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity), shAssociation(orgRootID(orgMgmt))),
			central, "InvalidAccessException"},
		{"central configuration, its policy and its association", with(centralSecurityHub(true), shAssociation(orgRootID(orgMgmt))), "", ""},
		// One hub per account.
		{"the administrator's hub after its designation", with(org, designate(orgTypeSecurityHubAdmin, orgSecurity), hubIn(orgSecurity)), oneHub, "ResourceConflictException"},
		{"a member's hub once the root's policy enables Security Hub", with(centralSecurityHub(true), shAssociation(orgRootID(orgMgmt)), hubIn(orgDev)),
			oneHub, "ResourceConflictException"},
		{"a member's hub in a linked region", with(centralSecurityHub(true), shAssociation(orgRootID(orgMgmt)), orgStep{account: orgDev, region: "eu-west-1",
			typ: orgTypeSecurityHubAccount, name: "hub-eu", in: map[string]any{}}), oneHub, "ResourceConflictException"},
		{"a member's hub under an OU the policy is associated with", with(centralSecurityHub(true),
			orgStep{account: orgMgmt, typ: orgTypeUnit, name: "workloads", in: map[string]any{"name": "Workloads", "parentId": orgRootID(orgMgmt)}, adopt: "ou-abcd-11111111"},
			orgStep{account: orgMgmt, typ: orgTypeUnit, name: "prod", in: map[string]any{"name": "Prod", "parentId": "ou-abcd-11111111"}, adopt: "ou-abcd-22222222"},
			adoptAccount("555555555555", map[string]any{"parentId": "ou-abcd-22222222"}),
			shAssociation("ou-abcd-11111111"), hubIn("555555555555")), oneHub, "ResourceConflictException"},
		{"a member's hub under another OU", with(centralSecurityHub(true),
			adoptAccount("555555555555", map[string]any{"parentId": "ou-abcd-22222222"}), shAssociation("ou-abcd-11111111"), hubIn("555555555555")), "", ""},
		{"a member's hub when the policy disables Security Hub", with(centralSecurityHub(false), shAssociation(orgRootID(orgMgmt)), hubIn(orgDev)), "", ""},
		{"an outsider's hub", with(centralSecurityHub(true), shAssociation(orgRootID(orgMgmt)), hubIn(orgOutsider)), "", ""},
		{"a member's hub in a region not linked", with(org, hubIn(orgSecurity), designate(orgTypeSecurityHubAdmin, orgSecurity),
			aggregator(orgSecurity, map[string]any{"linkingMode": "SPECIFIED_REGIONS", "specifiedRegions": []any{"us-east-1"}}), shConfig(orgSecurity, "CENTRAL"),
			shPolicy(true), shAssociation(orgRootID(orgMgmt)), orgStep{account: orgDev, region: "eu-west-1", typ: orgTypeSecurityHubAccount, name: "hub-eu",
				in: map[string]any{}}), "", ""},
		// Organization-wide aggregators, analyzers and trails.
		{"an organization aggregator in a member", with(org, orgAggregator(orgSecurity, true)), cfgAgg, "OrganizationAccessDeniedException"},
		{"an organization aggregator delegated for another service", with(org, delegate(orgMgmt, orgSecurity, principalAccessAnalyzer), orgAggregator(orgSecurity, true)),
			cfgAgg, "OrganizationAccessDeniedException"},
		{"an organization aggregator in the delegated administrator", with(org, delegate(orgMgmt, orgSecurity, principalConfig), orgAggregator(orgSecurity, true)), "", ""},
		{"an organization aggregator in the management account", with(org, orgAggregator(orgMgmt, true)), "", ""},
		{"an organization aggregator without all features", []orgStep{{account: orgMgmt, typ: orgTypeOrganization, name: "org",
			in: map[string]any{"featureSet": "CONSOLIDATED_BILLING"}}, orgAggregator(orgMgmt, true)}, cfgAgg, "OrganizationAccessDeniedException"},
		{"an individual-accounts aggregator anywhere", []orgStep{orgAggregator(orgOutsider, false)}, "", ""},
		{"an organization analyzer in a member", with(org, analyzer(orgSecurity, "ORGANIZATION")), aa, "AccessDeniedException"},
		{"an organization analyzer in the delegated administrator", with(org, delegate(orgMgmt, orgSecurity, principalAccessAnalyzer), analyzer(orgSecurity, "ORGANIZATION")), "", ""},
		{"an organization analyzer in the management account", with(org, analyzer(orgMgmt, "ORGANIZATION")), "", ""},
		{"an account analyzer anywhere", []orgStep{analyzer(orgOutsider, "ACCOUNT")}, "", ""},
		{"an organization trail without CloudTrail's trusted access", []orgStep{orgCreate(principalConfig), orgTrail(orgMgmt, true)}, trail, "CloudTrailAccessNotEnabledException"},
		{"an organization trail in a member", with(org, orgTrail(orgSecurity, true)), trail, "CloudTrailAccessNotEnabledException"},
		{"an organization trail outside any organization", []orgStep{orgTrail(orgOutsider, true)}, trail, "CloudTrailAccessNotEnabledException"},
		{"an organization trail in the management account", with(org, orgTrail(orgMgmt, true)), "", ""},
		{"an organization trail in CloudTrail's delegated administrator", with(org, delegate(orgMgmt, orgSecurity, principalCloudTrail), orgTrail(orgSecurity, true)), "", ""},
		{"an account trail anywhere", []orgStep{orgTrail(orgOutsider, false)}, "", ""},
		// Service control policies.
		{"a service control policy over 5,120 bytes", with(org, scp("big", 5121)), limits, "ConstraintViolationException"},
		{"a service control policy of 5,120 bytes", with(org, scp("big", 5120)), "", ""},
		{"a tag policy over 5,120 bytes", with(org, orgStep{account: orgMgmt, typ: orgTypePolicy, name: "tags", in: map[string]any{"type": "TAG_POLICY", "content": strings.Repeat(" ", 6000)}}), "", ""},
		{"a fifth SCP besides FullAWSAccess", with(fiveSCPs, attach("e", "r-root")), limits, "ConstraintViolationException"},
		{"four SCPs besides FullAWSAccess", fiveSCPs, "", ""},
		{"the fifth SCP on another target", with(fiveSCPs, attach("e", "ou-abcd-11111111")), "", ""},
		{"a tag policy on a target full of SCPs", with(fiveSCPs, orgStep{account: orgMgmt, typ: orgTypePolicy, name: "tags", in: map[string]any{"type": "TAG_POLICY", "content": "{}"}},
			attach("tags", "r-root")), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := OpenWorld(t.TempDir())
			require.NoError(t, err)
			for i, s := range tc.steps {
				err := s.resolve(t, w).run(t, w)
				if i < len(tc.steps)-1 || tc.rule == "" {
					require.NoError(t, err, "step %d (%s %s)", i, s.typ, s.name)
					continue
				}
				requireRefusal(t, err, tc.rule, tc.code)
			}
		})
	}
}

func TestOrganizationOutputsHaveAWSShapes(t *testing.T) {
	w, err := OpenWorld(t.TempDir())
	require.NoError(t, err)
	mgmt := NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{orgMgmt}}).Remember(w)
	id, state, err := mgmt.Create("urn:pulumi:management::refarch::"+orgTypeOrganization+"::org", resource.NewPropertyMapFromMap(orgCreate(allPrincipals...).in))
	require.NoError(t, err)
	org := state.Mappable()
	assert.Regexp(t, `^o-[a-z0-9]{10}$`, id)
	assert.Equal(t, orgMgmt, org["masterAccountId"])
	assert.Equal(t, "arn:aws:organizations::"+orgMgmt+":organization/"+id, org["arn"])
	root := org["roots"].([]any)[0].(map[string]any)
	assert.Regexp(t, `^r-[a-z0-9]{4}$`, root["id"])
	assert.Equal(t, "Root", root["name"])
	assert.Equal(t, []any{map[string]any{"status": "ENABLED", "type": orgSCP}}, root["policyTypes"])

	ou, _, err := mgmt.Create("urn:pulumi:management::refarch::"+orgTypeUnit+"::security", resource.NewPropertyMapFromMap(map[string]any{"name": "Security", "parentId": root["id"]}))
	require.NoError(t, err)
	assert.Regexp(t, `^ou-[a-z0-9]{4}-[a-z0-9]{8}$`, ou)
	created, _, err := mgmt.Create("urn:pulumi:management::refarch::"+orgTypeAccount+"::new", resource.NewPropertyMapFromMap(map[string]any{"name": "new", "email": "new@example.com"}))
	require.NoError(t, err)
	assert.Regexp(t, `^\d{12}$`, created)
	adopted, err := mgmt.Adopt("urn:pulumi:management::refarch::"+orgTypeAccount+"::dev", orgDev, resource.NewPropertyMapFromMap(map[string]any{"name": "dev", "email": "dev@example.com"}))
	require.NoError(t, err)
	assert.Equal(t, orgDev, adopted.Mappable()["id"], "an imported account keeps its id")
	assert.Equal(t, "ACTIVE", adopted.Mappable()["status"])
	p, _, err := mgmt.Create("urn:pulumi:management::refarch::"+orgTypePolicy+"::deny", resource.NewPropertyMapFromMap(map[string]any{"content": "{}"}))
	require.NoError(t, err)
	assert.Regexp(t, `^p-[a-z0-9]{8}$`, p)
	att, _, err := mgmt.Create("urn:pulumi:management::refarch::"+orgTypePolicyAttachment+"::deny-root", resource.NewPropertyMapFromMap(map[string]any{"policyId": p, "targetId": root["id"]}))
	require.NoError(t, err)
	assert.Equal(t, root["id"].(string)+":"+p, att)
	da, _, err := mgmt.Create("urn:pulumi:security::refarch::"+orgTypeDelegatedAdmin+"::config", resource.NewPropertyMapFromMap(map[string]any{"accountId": orgSecurity, "servicePrincipal": principalConfig}))
	require.NoError(t, err)
	assert.Equal(t, orgSecurity+"/"+principalConfig, da)

	// getOrganization, read by the delegated administrator's stack through
	// a management provider, is the organization the management stack
	// created, with its members: from the world, and derived alike
	// without one.
	answer, err := mgmt.Invoke("aws:organizations/getOrganization:getOrganization", resource.PropertyMap{})
	require.NoError(t, err)
	got := answer.Mappable()
	assert.Equal(t, id, got["id"])
	assert.Equal(t, org["roots"], got["roots"])
	assert.Len(t, got["accounts"], 3, "the management account, and the two it holds")
	assert.Len(t, got["nonMasterAccounts"], 2)
	bare, err := NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{orgMgmt}}).Invoke("aws:organizations/getOrganization:getOrganization", resource.PropertyMap{})
	require.NoError(t, err)
	assert.Equal(t, id, bare.Mappable()["id"])
	assert.Equal(t, root["id"], bare.Mappable()["roots"].([]any)[0].(map[string]any)["id"])
	member, err := NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{orgDev}}).Remember(w).Invoke("aws:organizations/getOrganization:getOrganization", resource.PropertyMap{})
	require.NoError(t, err)
	assert.Equal(t, id, member.Mappable()["id"], "a member reads its organization")
	assert.Equal(t, orgMgmt, member.Mappable()["masterAccountId"])

	// getDetector answers with the detector the world holds.
	sec := NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{orgSecurity}}).Remember(w)
	det, _, err := sec.Create("urn:pulumi:security::refarch::"+orgTypeGuardDutyDetector+"::d", resource.NewPropertyMapFromMap(map[string]any{"enable": true}))
	require.NoError(t, err)
	found, err := sec.Invoke("aws:guardduty/getDetector:getDetector", resource.PropertyMap{})
	require.NoError(t, err)
	assert.Equal(t, det, found.Mappable()["id"])
	derived, err := NewCloud(map[string]any{"region": "us-west-2", "allowedAccountIds": []any{orgSecurity}}).Invoke("aws:guardduty/getDetector:getDetector", resource.PropertyMap{})
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{32}$`, derived.Mappable()["id"])
}
