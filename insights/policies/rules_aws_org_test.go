package policies

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/refarch/refarch/offline"
)

// The accounts of the organization cases: the management account, the
// security account (the delegated administrator) and a member.
const (
	orgMgmtAccount = "100000000000"
	orgSecAccount  = "111111111111"
	orgDevAccount  = "333333333333"
)

var orgAllPrincipals = []string{principalAccessAnalyzer, principalCloudTrail, principalConfig, principalGuardDuty, principalSecurityHub}

// orgFixture builds fresh records of the management, security and dev
// stacks: the management stack's provider, the security stack's own and
// its provider in the management account, dev's.
type orgFixture struct {
	mgmtP, secP, secMgmtP, devP *offline.Resource
}

func newOrgFixture() *orgFixture {
	return &orgFixture{
		mgmtP:    netProvider("management", "aws-management", orgMgmtAccount, "us-west-2"),
		secP:     netProvider("security", "aws-security", orgSecAccount, "us-west-2"),
		secMgmtP: netProvider("security", "aws-security-management", orgMgmtAccount, "us-west-2"),
		devP:     netProvider("dev", "aws-dev", orgDevAccount, "us-west-2"),
	}
}

// rec is a record of stack created through provider p, after deps.
func rec(stack string, p *offline.Resource, typ, name string, inputs in, deps ...*offline.Resource) *offline.Resource {
	return after(inStack(stack, via(p, res(typ, name, inputs))), deps...)
}

// management is the management stack: its provider and an organization
// trusting principals, and more records.
func (f *orgFixture) management(principals []string, more ...*offline.Resource) []*offline.Resource {
	return append(one(f.mgmtP, f.organization(principals)), more...)
}

func (f *orgFixture) organization(principals []string) *offline.Resource {
	p := []any{}
	for _, s := range principals {
		p = append(p, s)
	}
	return rec("management", f.mgmtP, typeOrganization, "refarch-organization", in{"featureSet": "ALL", "enabledPolicyTypes": []any{scpType}, "awsServiceAccessPrincipals": p})
}

// dev is a member stack with no detector or hub of its own, and more.
func (f *orgFixture) dev(more ...*offline.Resource) []*offline.Resource {
	return append(one(f.devP, rec("dev", f.devP, "aws:ec2/vpc:Vpc", "vpc", in{})), more...)
}

// peersWith is the management stack (trusting every principal) and dev.
func (f *orgFixture) peersWith(principals []string) map[string][]*offline.Resource {
	return map[string][]*offline.Resource{"management": f.management(principals), "dev": f.dev()}
}

// guardDuty is the security stack's detector, its designation (after the
// detector unless early) and the organization configuration.
func (f *orgFixture) guardDuty(early bool, mode string) []*offline.Resource {
	d := rec("security", f.secP, typeGuardDutyDetector, "detector", in{"enable": true})
	deps := []*offline.Resource{d}
	if early {
		deps = nil
	}
	admin := rec("security", f.secMgmtP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}, deps...)
	conf := rec("security", f.secP, typeGuardDutyOrgConfig, "guardduty-org", in{"detectorId": d.ID, "autoEnableOrganizationMembers": mode}, d, admin)
	return one(f.secP, f.secMgmtP, d, admin, conf)
}

// securityHub is the security stack's hub, its designation (after the hub
// unless early), the aggregator and central configuration (after the
// aggregator unless unaggregated), a policy and its association with the
// root.
func (f *orgFixture) securityHub(early, unaggregated bool) []*offline.Resource {
	hub := rec("security", f.secP, typeSecurityHubAccount, "hub", in{"enableDefaultStandards": false})
	deps := []*offline.Resource{hub}
	if early {
		deps = nil
	}
	admin := rec("security", f.secMgmtP, typeSecurityHubAdmin, "securityhub", in{"adminAccountId": orgSecAccount}, deps...)
	agg := rec("security", f.secP, typeSecurityHubAggregator, "aggregator", in{"linkingMode": "ALL_REGIONS"}, hub, admin)
	confDeps := []*offline.Resource{admin, agg}
	if unaggregated {
		confDeps = []*offline.Resource{admin}
	}
	conf := rec("security", f.secP, typeSecurityHubOrgConfig, "central", in{"autoEnable": false, "organizationConfiguration": in{"configurationType": "CENTRAL"}}, confDeps...)
	pol := rec("security", f.secP, typeSecurityHubPolicy, "policy", in{"configurationPolicy": in{"serviceEnabled": true}}, conf)
	assoc := rec("security", f.secP, typeSecurityHubAssociation, "root", in{"targetId": "r-abcd", "policyId": pol.ID}, pol)
	return one(f.secP, f.secMgmtP, hub, admin, agg, conf, pol, assoc)
}

// delegated is the security stack's registration for principals through
// its management provider, and more records after them.
func (f *orgFixture) delegated(principals []string, more func(das []*offline.Resource) []*offline.Resource) []*offline.Resource {
	out := one(f.secP, f.secMgmtP)
	var das []*offline.Resource
	for _, p := range principals {
		das = append(das, rec("security", f.secMgmtP, typeDelegatedAdmin, "da-"+strings.TrimSuffix(p, ".amazonaws.com"), in{"accountId": orgSecAccount, "servicePrincipal": p}))
	}
	return append(append(out, das...), more(das)...)
}

func (f *orgFixture) orgAggregator(das []*offline.Resource) []*offline.Resource {
	return one(rec("security", f.secP, auditTypeAggregator, "refarch-security", in{"organizationAggregationSource": in{"roleArn": "arn:aws:iam::111111111111:role/agg", "regions": []any{"us-west-2"}}}, das...))
}

func (f *orgFixture) orgAnalyzer(das []*offline.Resource) []*offline.Resource {
	return one(rec("security", f.secP, typeAccessAnalyzer, "organization-analyzer", in{"analyzerName": "refarch-organization", "type": "ORGANIZATION"}, das...))
}

// orgTrail is the management stack with an organization trail after the
// organization.
func (f *orgFixture) orgTrail(principals []string) []*offline.Resource {
	org := f.organization(principals)
	return one(f.mgmtP, org, rec("management", f.mgmtP, typeTrail, "refarch-organization", in{"name": "refarch-organization", "isOrganizationTrail": true, "isMultiRegionTrail": true}, org))
}

// scps is the management stack with n SCPs of size bytes, each attached
// to the root.
func (f *orgFixture) scps(n, size int, featureSet string) []*offline.Resource {
	org := rec("management", f.mgmtP, typeOrganization, "refarch-organization", in{"featureSet": featureSet, "enabledPolicyTypes": []any{scpType}})
	out := one(f.mgmtP, org)
	for i := range n {
		name := string(rune('a' + i))
		p := rec("management", f.mgmtP, typeOrgPolicy, "scp-"+name, in{"type": scpType, "content": strings.Repeat(" ", size)}, org)
		out = append(out, p, rec("management", f.mgmtP, typeOrgPolicyAttachment, "scp-"+name+"-root", in{"policyId": p.ID, "targetId": "r-abcd"}, p))
	}
	return out
}

// accounts is the management stack with a member account and an OU.
func (f *orgFixture) accounts(name, email, ou string) []*offline.Resource {
	org := f.organization(orgAllPrincipals)
	unit := rec("management", f.mgmtP, typeOrgUnit, "refarch-workloads", in{"name": ou, "parentId": "r-abcd"}, org)
	acct := rec("management", f.mgmtP, typeOrgAccount, "refarch-dev", in{"name": name, "email": email, "parentId": unit.ID}, unit)
	acct.ID = orgDevAccount
	return one(f.mgmtP, org, unit, acct)
}

func awsOrgCases() map[string]ruleCase {
	f := newOrgFixture
	allDelegations := func(x *orgFixture) []*offline.Resource {
		return x.delegated([]string{principalConfig, principalAccessAnalyzer}, func([]*offline.Resource) []*offline.Resource {
			return one(rec("security", x.secMgmtP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}),
				rec("security", x.secMgmtP, typeSecurityHubAdmin, "securityhub", in{"adminAccountId": orgSecAccount}))
		})
	}
	a, b := f(), f()
	c, d := f(), f()
	e, g := f(), f()
	h, i := f(), f()
	j, k := f(), f()
	l, m := f(), f()
	n, o := f(), f()
	p, q := f(), f()
	r, s := f(), f()
	t, u := f(), f()
	v, w := f(), f()
	return map[string]ruleCase{
		"organizations-trusted-access-before-delegation": {
			stack: "security", good: allDelegations(a), peers: a.peersWith(orgAllPrincipals),
			bad: allDelegations(b), badPeers: b.peersWith([]string{principalGuardDuty, principalSecurityHub, principalAccessAnalyzer}),
		},
		"organizations-no-delegation-to-management": {
			stack: "security", peers: c.peersWith(orgAllPrincipals),
			good: one(c.secP, c.secMgmtP, rec("security", c.secMgmtP, typeDelegatedAdmin, "da-config", in{"accountId": orgSecAccount, "servicePrincipal": principalConfig})),
			bad:  one(d.secP, d.secMgmtP, rec("security", d.secMgmtP, typeDelegatedAdmin, "da-config", in{"accountId": orgMgmtAccount, "servicePrincipal": principalConfig})),
		},
		"guardduty-delegation-before-organization-configuration": {
			stack: "security", peers: e.peersWith(orgAllPrincipals),
			good: e.guardDuty(false, "ALL"),
			bad: one(g.secP, g.secMgmtP, rec("security", g.secP, typeGuardDutyDetector, "detector", in{}),
				rec("security", g.secP, typeGuardDutyOrgConfig, "guardduty-org", in{"autoEnableOrganizationMembers": "ALL"})),
		},
		"guardduty-one-detector-per-account": {
			stack: "security", peers: h.peersWith(orgAllPrincipals),
			good: h.guardDuty(false, "ALL"), bad: i.guardDuty(true, "ALL"),
		},
		"securityhub-central-configuration-prerequisites": {
			stack: "security", peers: j.peersWith(orgAllPrincipals),
			good: j.securityHub(false, false), bad: k.securityHub(false, true),
		},
		"securityhub-one-hub-per-account": {
			stack: "security", peers: l.peersWith(orgAllPrincipals),
			good: l.securityHub(false, false), bad: m.securityHub(true, false),
		},
		"config-organization-aggregator-needs-delegation": {
			stack: "security", peers: n.peersWith(orgAllPrincipals),
			good: n.delegated([]string{principalConfig}, n.orgAggregator),
			bad:  o.delegated([]string{principalAccessAnalyzer}, o.orgAggregator),
		},
		"accessanalyzer-organization-analyzer-needs-delegation": {
			stack: "security", peers: p.peersWith(orgAllPrincipals),
			good: p.delegated([]string{principalAccessAnalyzer}, p.orgAnalyzer),
			bad:  q.delegated([]string{principalConfig}, q.orgAnalyzer),
		},
		"cloudtrail-organization-trail-from-management": {
			stack: "management",
			good:  r.orgTrail(orgAllPrincipals), bad: s.orgTrail([]string{principalConfig}),
		},
		"organizations-scp-limits": {
			stack: "management",
			good:  t.scps(4, 5120, "ALL"), bad: u.scps(1, 5121, "ALL"),
		},
		"organizations-names": {
			stack: "management",
			good:  v.accounts("refarch-dev", "aws+dev@example.com", "Workloads"), bad: w.accounts(strings.Repeat("x", 51), "aws+dev@example.com", "Workloads"),
		},
	}
}

// TestOrganizationRulesCatchEachBreak: each way of breaking a rule of the
// organization fails it, and the compliant deployment (management,
// security, dev) keeps every one of them.
func TestOrganizationRulesCatchEachBreak(t *testing.T) {
	byID := map[string]*Rule{}
	for _, r := range awsOrgRules() {
		byID[r.ID] = r
	}
	type orgBreak struct {
		name, rule, stack string
		records           func(f *orgFixture) []*offline.Resource
		peers             func(f *orgFixture) map[string][]*offline.Resource
		fails             bool
	}
	everyPeer := func(f *orgFixture) map[string][]*offline.Resource { return f.peersWith(orgAllPrincipals) }
	noPeers := func(*orgFixture) map[string][]*offline.Resource { return nil }
	cases := []orgBreak{
		{"a member designates", "organizations-trusted-access-before-delegation", "security", func(f *orgFixture) []*offline.Resource {
			return one(f.secP, rec("security", f.secP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}))
		}, everyPeer, true},
		{"a designation before the organization", "organizations-trusted-access-before-delegation", "management", func(f *orgFixture) []*offline.Resource {
			return append(f.management(orgAllPrincipals), rec("management", f.mgmtP, typeDelegatedAdmin, "da", in{"accountId": orgSecAccount, "servicePrincipal": principalConfig}))
		}, everyPeer, true},
		{"a designation after the organization", "organizations-trusted-access-before-delegation", "management", func(f *orgFixture) []*offline.Resource {
			org := f.organization(orgAllPrincipals)
			return one(f.mgmtP, org, rec("management", f.mgmtP, typeDelegatedAdmin, "da", in{"accountId": orgSecAccount, "servicePrincipal": principalConfig}, org))
		}, everyPeer, false},
		{"no organization in the deployment", "organizations-trusted-access-before-delegation", "security", func(f *orgFixture) []*offline.Resource {
			return one(f.secMgmtP, rec("security", f.secMgmtP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}))
		}, func(f *orgFixture) map[string][]*offline.Resource {
			return map[string][]*offline.Resource{"dev": f.dev()}
		}, true},
		{"a previewed stack alone", "organizations-trusted-access-before-delegation", "security", func(f *orgFixture) []*offline.Resource {
			return one(f.secMgmtP, rec("security", f.secMgmtP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}))
		}, noPeers, false},
		{"the management account designated by itself", "organizations-no-delegation-to-management", "management", func(f *orgFixture) []*offline.Resource {
			return append(f.management(orgAllPrincipals), rec("management", f.mgmtP, typeDelegatedAdmin, "da", in{"accountId": orgMgmtAccount, "servicePrincipal": principalConfig}))
		}, everyPeer, true},
		{"a configuration designated in another region", "guardduty-delegation-before-organization-configuration", "security", func(f *orgFixture) []*offline.Resource {
			east := netProvider("security", "aws-security-management-east", orgMgmtAccount, "us-east-1")
			d := rec("security", f.secP, typeGuardDutyDetector, "detector", in{})
			admin := rec("security", east, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}, d)
			return one(f.secP, east, d, admin, rec("security", f.secP, typeGuardDutyOrgConfig, "org", in{"autoEnableOrganizationMembers": "ALL"}, d, admin))
		}, everyPeer, true},
		{"a configuration without the administrator's detector", "guardduty-delegation-before-organization-configuration", "security", func(f *orgFixture) []*offline.Resource {
			admin := rec("security", f.secMgmtP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount})
			return one(f.secP, f.secMgmtP, admin, rec("security", f.secP, typeGuardDutyOrgConfig, "org", in{"autoEnableOrganizationMembers": "ALL"}, admin))
		}, everyPeer, true},
		{"a member's detector once GuardDuty enables ALL", "guardduty-one-detector-per-account", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeGuardDutyDetector, "detector", in{}))
		}, func(f *orgFixture) map[string][]*offline.Resource {
			return map[string][]*offline.Resource{"management": f.management(orgAllPrincipals), "security": f.guardDuty(false, "ALL")}
		}, true},
		{"a member's detector when GuardDuty enables only NEW accounts", "guardduty-one-detector-per-account", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeGuardDutyDetector, "detector", in{}))
		}, func(f *orgFixture) map[string][]*offline.Resource {
			return map[string][]*offline.Resource{"management": f.management(orgAllPrincipals), "security": f.guardDuty(false, "NEW")}
		}, false},
		{"detectors without an organization", "guardduty-one-detector-per-account", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeGuardDutyDetector, "detector", in{}))
		}, func(*orgFixture) map[string][]*offline.Resource { return nil }, false},
		{"a designation in the management stack before the administrator's stack", "guardduty-one-detector-per-account", "management", func(f *orgFixture) []*offline.Resource {
			return f.management(orgAllPrincipals, rec("management", f.mgmtP, typeGuardDutyAdmin, "guardduty", in{"adminAccountId": orgSecAccount}))
		}, func(f *orgFixture) map[string][]*offline.Resource {
			return map[string][]*offline.Resource{"security": one(f.secP, rec("security", f.secP, typeGuardDutyDetector, "detector", in{}))}
		}, true},
		{"central configuration by the management account", "securityhub-central-configuration-prerequisites", "management", func(f *orgFixture) []*offline.Resource {
			org := f.organization(orgAllPrincipals)
			admin := rec("management", f.mgmtP, typeSecurityHubAdmin, "securityhub", in{"adminAccountId": orgMgmtAccount}, org)
			agg := rec("management", f.mgmtP, typeSecurityHubAggregator, "aggregator", in{"linkingMode": "ALL_REGIONS"}, admin)
			return one(f.mgmtP, org, admin, agg, rec("management", f.mgmtP, typeSecurityHubOrgConfig, "central",
				in{"organizationConfiguration": in{"configurationType": "CENTRAL"}}, admin, agg))
		}, everyPeer, true},
		{"central configuration without designation", "securityhub-central-configuration-prerequisites", "security", func(f *orgFixture) []*offline.Resource {
			agg := rec("security", f.secP, typeSecurityHubAggregator, "aggregator", in{"linkingMode": "ALL_REGIONS"})
			return one(f.secP, agg, rec("security", f.secP, typeSecurityHubOrgConfig, "central", in{"organizationConfiguration": in{"configurationType": "CENTRAL"}}, agg))
		}, everyPeer, true},
		{"a configuration policy before central configuration", "securityhub-central-configuration-prerequisites", "security", func(f *orgFixture) []*offline.Resource {
			return one(f.secP, rec("security", f.secP, typeSecurityHubPolicy, "policy", in{"configurationPolicy": in{"serviceEnabled": true}}))
		}, everyPeer, true},
		{"a member's hub under central configuration", "securityhub-one-hub-per-account", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeSecurityHubAccount, "hub", in{}))
		}, func(f *orgFixture) map[string][]*offline.Resource {
			return map[string][]*offline.Resource{"management": f.management(orgAllPrincipals), "security": f.securityHub(false, false)}
		}, true},
		{"a member's standards under central configuration", "securityhub-one-hub-per-account", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeSecurityHubStandard, "cis", in{}))
		}, func(f *orgFixture) map[string][]*offline.Resource {
			return map[string][]*offline.Resource{"management": f.management(orgAllPrincipals), "security": f.securityHub(false, false)}
		}, true},
		{"a member's hub without central configuration", "securityhub-one-hub-per-account", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeSecurityHubAccount, "hub", in{}))
		}, everyPeer, false},
		{"an organization aggregator in the management account", "config-organization-aggregator-needs-delegation", "management", func(f *orgFixture) []*offline.Resource {
			org := f.organization(orgAllPrincipals)
			return one(f.mgmtP, org, rec("management", f.mgmtP, auditTypeAggregator, "agg", in{"organizationAggregationSource": in{"allRegions": true}}, org))
		}, everyPeer, false},
		{"an organization aggregator before its registration", "config-organization-aggregator-needs-delegation", "security", func(f *orgFixture) []*offline.Resource {
			return f.delegated([]string{principalConfig}, func([]*offline.Resource) []*offline.Resource { return f.orgAggregator(nil) })
		}, everyPeer, true},
		{"an account analyzer anywhere", "accessanalyzer-organization-analyzer-needs-delegation", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeAccessAnalyzer, "analyzer", in{"type": "ACCOUNT"}))
		}, everyPeer, false},
		{"an organization trail in a member", "cloudtrail-organization-trail-from-management", "dev", func(f *orgFixture) []*offline.Resource {
			return f.dev(rec("dev", f.devP, typeTrail, "trail", in{"isOrganizationTrail": true}))
		}, everyPeer, true},
		{"an organization trail before the organization", "cloudtrail-organization-trail-from-management", "management", func(f *orgFixture) []*offline.Resource {
			return f.management(orgAllPrincipals, rec("management", f.mgmtP, typeTrail, "trail", in{"isOrganizationTrail": true}))
		}, noPeers, true},
		{"a sixth SCP on the root", "organizations-scp-limits", "management", func(f *orgFixture) []*offline.Resource { return f.scps(5, 100, "ALL") }, noPeers, true},
		{"SCPs without all features", "organizations-scp-limits", "management", func(f *orgFixture) []*offline.Resource { return f.scps(1, 100, "CONSOLIDATED_BILLING") }, noPeers, true},
		{"an email that is no address", "organizations-names", "management", func(f *orgFixture) []*offline.Resource {
			return f.accounts("refarch-dev", "refarch-dev", "Workloads")
		}, noPeers, true},
		{"an OU name too long", "organizations-names", "management", func(f *orgFixture) []*offline.Resource {
			return f.accounts("refarch-dev", "aws+dev@example.com", strings.Repeat("o", 129))
		}, noPeers, true},
	}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			rule := byID[tc.rule]
			fx := newOrgFixture()
			res := rule.Run(caseStack(tc.stack, tc.records(fx), tc.peers(fx)))
			if tc.fails {
				assert.Equal(t, Fail, res.Status, "%v", res.Findings)
			} else {
				assert.NotEqual(t, Fail, res.Status, "%v", res.Findings)
			}
		})
	}

	// The compliant deployment keeps every rule of the organization, and
	// the member stack's own resources (no detector, no hub) are left to
	// GuardDuty and Security Hub.
	fx := newOrgFixture()
	mgmt := append(fx.management(orgAllPrincipals), fx.scps(2, 200, "ALL")[2:]...)
	security := append(append(fx.guardDuty(false, "ALL"), fx.securityHub(false, false)[2:]...),
		fx.delegated([]string{principalConfig, principalAccessAnalyzer}, func(das []*offline.Resource) []*offline.Resource {
			return append(fx.orgAggregator(das[:1]), fx.orgAnalyzer(das[1:])...)
		})[2:]...)
	stacks := Deploy(NewStack("management", mgmt), NewStack("security", security), NewStack("dev", fx.dev()))
	for _, rule := range awsOrgRules() {
		examined := 0
		for _, s := range stacks {
			res := rule.Run(s)
			assert.NotEqual(t, Fail, res.Status, "%s on %s: %v", rule.ID, s.Name, res.Findings)
			examined += res.Examined
		}
		if rule.ID != "organizations-names" && rule.ID != "cloudtrail-organization-trail-from-management" {
			assert.Positive(t, examined, "%s examines the deployment", rule.ID)
		}
	}
}

// TestFargateRulesSeeTheOrganizationsRuntimeMonitoring: a member stack
// without a detector of its own runs its services under the runtime
// monitoring (and Fargate agent) the organization's configuration
// auto-enables: created before them, and judged by the Fargate rules.
func TestFargateRulesSeeTheOrganizationsRuntimeMonitoring(t *testing.T) {
	byID := map[string]*Rule{}
	for _, r := range AWSCatalog() {
		byID[r.ID] = r
	}
	runtime := func(stack string, p *offline.Resource) []*offline.Resource {
		return one(p, rec(stack, p, typeGuardDutyOrgFeature, "runtime", in{"name": "RUNTIME_MONITORING", "autoEnable": "ALL",
			"additionalConfigurations": []any{in{"name": "ECS_FARGATE_AGENT_MANAGEMENT", "autoEnable": "ALL"}}}))
	}
	service := func(f *orgFixture, platform string) []*offline.Resource {
		return f.dev(rec("dev", f.devP, typeService, "web", in{"platformVersion": platform, "launchType": "FARGATE"}))
	}
	for _, tc := range []struct {
		name, rule string
		platform   string
		// in is the stack holding the organization's feature ("" for none).
		in    string
		fails bool
	}{
		{"a service after the organization's runtime monitoring", "gd-fargate-service-after-runtime-monitoring", "LATEST", "security", false},
		{"a service before the organization's runtime monitoring", "gd-fargate-service-after-runtime-monitoring", "LATEST", "prod", true},
		{"the agent's platform, enabled by the organization", "gd-fargate-platform-linux-1-4-0", "1.3.0", "security", true},
		{"no agent without the organization's feature", "gd-fargate-platform-linux-1-4-0", "1.3.0", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newOrgFixture()
			peers := map[string][]*offline.Resource{"management": f.management(orgAllPrincipals)}
			switch tc.in {
			case "security":
				peers["security"] = runtime("security", f.secP)
			case "prod":
				prodP := netProvider("prod", "aws-prod", "555555555555", "us-west-2")
				peers["prod"] = runtime("prod", prodP)
			}
			res := byID[tc.rule].Run(caseStack("dev", service(f, tc.platform), peers))
			assert.Positive(t, res.Examined)
			if tc.fails {
				assert.Equal(t, Fail, res.Status, "%v", res.Findings)
			} else {
				assert.Equal(t, Pass, res.Status, "%v", res.Findings)
			}
		})
	}
}
