package policies

import (
	"strings"

	"github.com/refarch/refarch/offline"
)

// What the organization does for its member accounts: the account rules
// (GuardDuty, Security Hub, the trail, findings that reach a topic) hold
// for an account of the deployment's organization when its delegated
// administrator, or the organization trail, does it for every account. A
// stack planned alone (no deployment) is judged on its own records only.

// requireOwnOr is Checker.Require of the stack's own records of typ, unless
// none satisfies ok and org finds the deployment's record that does it for
// the account: that record is then examined instead, and passes.
func requireOwnOr(c *Checker, typ string, ok func(*offline.Resource) bool, msg string, org func() (orgRecord, bool)) {
	for _, r := range c.Stack.ByType(typ) {
		if ok(r) {
			c.Require(typ, ok, msg)
			return
		}
	}
	if r, covered := org(); covered {
		c.Judge(r.r, "")
		return
	}
	c.Require(typ, ok, msg)
}

// orgMember reports whether the stack's account belongs to the
// deployment's organization, and returns that account.
func orgMember(s *Stack) (string, bool) {
	account := s.ownAccount()
	return account, account != "" && organizationAccounts(s)[account]
}

// orgTrail returns the deployment's organization trail that satisfies ok,
// when the stack's account belongs to the organization: it records every
// account's management events.
// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html
func orgTrail(s *Stack, ok func(*offline.Resource) bool) (orgRecord, bool) {
	if _, member := orgMember(s); !member {
		return orgRecord{}, false
	}
	for _, t := range deploymentRecords(s, typeTrail, func(_ *Stack, r *offline.Resource) bool {
		return r.Bool("isOrganizationTrail") && ok(r)
	}) {
		return t, true
	}
	return orgRecord{}, false
}

// orgGuardDuty returns the delegated administrator's organization
// configuration that enables GuardDuty in the stack's account (every
// account, auto-enable ALL, in the stack's region), and the protections
// it auto-enables for ALL.
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
func orgGuardDuty(s *Stack) (orgRecord, map[string]orgRecord, bool) {
	account, member := orgMember(s)
	if !member {
		return orgRecord{}, nil, false
	}
	region := s.ownRegion()
	configs := deploymentRecords(s, typeGuardDutyOrgConfig, func(p *Stack, r *offline.Resource) bool {
		return r.String("autoEnableOrganizationMembers") == "ALL" && p.providerAccount(r) != account && (region == "" || p.providerRegion(r) == region)
	})
	if len(configs) == 0 {
		return orgRecord{}, nil, false
	}
	features := map[string]orgRecord{}
	for _, f := range deploymentRecords(s, typeGuardDutyOrgFeature, func(p *Stack, r *offline.Resource) bool {
		return r.String("autoEnable") == "ALL" && p.providerAccount(r) != account && (region == "" || p.providerRegion(r) == region)
	}) {
		features[f.r.String("name")] = f
	}
	return configs[0], features, true
}

// orgSecurityHub returns the central configuration policy associated with
// the organization's root that enables Security Hub (in every account) and
// the standards it enables.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/central-configuration-intro.html
func orgSecurityHub(s *Stack) (orgRecord, []string, bool) {
	if _, member := orgMember(s); !member {
		return orgRecord{}, nil, false
	}
	for _, a := range deploymentRecords(s, typeSecurityHubAssociation, func(_ *Stack, r *offline.Resource) bool {
		return strings.HasPrefix(r.String("targetId"), "r-")
	}) {
		for _, p := range a.stack.ByType(typeSecurityHubPolicy) {
			if p.Get("configurationPolicy.serviceEnabled") == true && (refersTo(a.r.Get("policyId"), p) || !known(a.r.Get("policyId"))) {
				return a, p.Strings("configurationPolicy.enabledStandardArns"), true
			}
		}
	}
	return orgRecord{}, nil, false
}

// orgFindingRules returns the EventBridge rules of GuardDuty's delegated
// administrator that match pattern: GuardDuty and Security Hub publish a
// member's findings to the administrator's event bus.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
func orgFindingRules(s *Stack, match func(p *Stack, r *offline.Resource) bool) []orgRecord {
	account, member := orgMember(s)
	if !member {
		return nil
	}
	var admins []string
	for _, a := range deploymentRecords(s, typeGuardDutyAdmin, nil) {
		if id := a.r.String("adminAccountId"); id != account {
			admins = append(admins, id)
		}
	}
	return deploymentRecords(s, typeEventRule, func(p *Stack, r *offline.Resource) bool {
		for _, id := range admins {
			if p.providerAccount(r) == id && match(p, r) {
				return true
			}
		}
		return false
	})
}

// ownRegion is the region of the stack's own provider ("" when unknown).
func (s *Stack) ownRegion() string {
	for _, p := range s.ByType(typeAWSProvider) {
		if p.Name == "aws-"+s.Name {
			return p.String("region")
		}
	}
	return ""
}
