package offline

import (
	"fmt"
	"slices"
	"strings"
)

// The preconditions of the organization and of what it delegates
// (policies' organization rules of the same IDs, rules_aws_org.go): who may
// designate delegated administrators, and after what; what GuardDuty and
// Security Hub create by themselves once an account administers them for
// the organization; who may create organization-wide aggregators,
// analyzers and trails; and the quotas of service control policies.

// The service principals the organization delegates to.
const (
	principalGuardDuty      = "guardduty.amazonaws.com"
	principalSecurityHub    = "securityhub.amazonaws.com"
	principalConfig         = "config.amazonaws.com"
	principalAccessAnalyzer = "access-analyzer.amazonaws.com"
	principalCloudTrail     = "cloudtrail.amazonaws.com"
)

// The quotas of service control policies.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const (
	// scpMaxContent is the largest service control policy, in bytes.
	scpMaxContent = 5120
	// scpMaxAttached is how many service control policies may be attached
	// directly to a root, OU or account, AWS's FullAWSAccess included.
	scpMaxAttached = 5
	// scpFullAWSAccess is the id of FullAWSAccess, the AWS-managed SCP
	// AWS attaches to every root, OU and account when SCPs are enabled.
	scpFullAWSAccess = "p-FullAWSAccess"
)

func init() {
	// Delegation: the management account, with trusted access enabled for
	// the service, designates a member account.
	for _, d := range []struct {
		typ       string
		principal func(in map[string]any) string
	}{
		{orgTypeGuardDutyAdmin, func(map[string]any) string { return principalGuardDuty }},
		{orgTypeSecurityHubAdmin, func(map[string]any) string { return principalSecurityHub }},
		{orgTypeDelegatedAdmin, func(in map[string]any) string { s, _ := in["servicePrincipal"].(string); return s }},
	} {
		registerPrecondition(Precondition{
			Rule: "organizations-trusted-access-before-delegation",
			Type: d.typ,
			Code: "ConstraintViolationException",
			Missing: func(w *World, at Place, in map[string]any) (string, error) {
				return delegationAllowed(w, at, d.principal(in))
			},
		})
	}
	registerPrecondition(Precondition{
		Rule: "organizations-no-delegation-to-management",
		Type: orgTypeDelegatedAdmin,
		Code: "ConstraintViolationException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			account, _ := in["accountId"].(string)
			org, _, err := orgOfMember(w, at.Account)
			if err != nil || account == "" {
				return "", err
			}
			if account == at.Account || (org != nil && org.String("masterAccountId") == account) {
				return fmt.Sprintf("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR: account %s is the management account of the organization: "+
					"you can designate only a member account as a delegated administrator", account), nil
			}
			return "", nil
		},
	})
	// GuardDuty: the delegated administrator configures the organization
	// with its own detector; GuardDuty then creates the detectors itself.
	for _, typ := range []string{orgTypeGuardDutyOrgConfig, orgTypeGuardDutyOrgFeature} {
		registerPrecondition(Precondition{
			Rule:    "guardduty-delegation-before-organization-configuration",
			Type:    typ,
			Code:    "BadRequestException",
			Missing: guardDutyAdministers,
		})
	}
	registerPrecondition(Precondition{
		Rule:    "guardduty-one-detector-per-account",
		Type:    orgTypeGuardDutyDetector,
		Code:    "BadRequestException",
		Missing: noDetectorYet,
	})
	// Security Hub: central configuration, and the hubs it enables.
	registerPrecondition(Precondition{
		Rule:    "securityhub-central-configuration-prerequisites",
		Type:    orgTypeSecurityHubOrgConfig,
		Code:    "InvalidAccessException",
		Missing: centralConfigurationAllowed,
	})
	for _, typ := range []string{orgTypeSecurityHubPolicy, orgTypeSecurityHubAssociation} {
		registerPrecondition(Precondition{
			Rule: "securityhub-central-configuration-prerequisites",
			Type: typ,
			Code: "InvalidAccessException",
			Missing: func(w *World, at Place, _ map[string]any) (string, error) {
				central, err := w.In(at.Account, at.Region, orgTypeSecurityHubOrgConfig, isCentral)
				if err != nil || len(central) > 0 {
					return "", err
				}
				return fmt.Sprintf("account %s has not started central configuration in %s (no CENTRAL organization configuration): "+
					"configuration policies need it", at.Account, at.Region), nil
			},
		})
	}
	registerPrecondition(Precondition{
		Rule:    "securityhub-one-hub-per-account",
		Type:    orgTypeSecurityHubAccount,
		Code:    "ResourceConflictException",
		Missing: noHubYet,
	})
	// Organization-wide aggregators, analyzers and trails.
	registerPrecondition(Precondition{
		Rule: "config-organization-aggregator-needs-delegation",
		Type: orgTypeConfigAggregator,
		Code: "OrganizationAccessDeniedException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			if src, _ := in["organizationAggregationSource"].(map[string]any); src == nil {
				return "", nil // an individual-accounts aggregator
			}
			return organizationWide(w, at, principalConfig, "AWS Config", "an organization aggregator")
		},
	})
	registerPrecondition(Precondition{
		Rule: "accessanalyzer-organization-analyzer-needs-delegation",
		Type: orgTypeAnalyzer,
		Code: "AccessDeniedException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			if typ, _ := in["type"].(string); !strings.HasPrefix(typ, "ORGANIZATION") {
				return "", nil // the account is the zone of trust
			}
			return organizationWide(w, at, principalAccessAnalyzer, "IAM Access Analyzer", "an analyzer with the organization as the zone of trust")
		},
	})
	registerPrecondition(Precondition{
		Rule:    "cloudtrail-organization-trail-from-management",
		Type:    orgTypeTrail,
		Code:    "CloudTrailAccessNotEnabledException",
		Missing: organizationTrailAllowed,
	})
	// Service control policies: their size, and how many one target holds.
	registerPrecondition(Precondition{
		Rule: "organizations-scp-limits",
		Type: orgTypePolicy,
		Code: "ConstraintViolationException",
		Missing: func(_ *World, _ Place, in map[string]any) (string, error) {
			content, _ := in["content"].(string)
			if !isSCPType(in["type"]) || len(content) <= scpMaxContent {
				return "", nil
			}
			return fmt.Sprintf("POLICY_CONTENT_LIMIT_EXCEEDED: the service control policy has %d bytes; at most %d", len(content), scpMaxContent), nil
		},
	})
	registerPrecondition(Precondition{
		Rule:    "organizations-scp-limits",
		Type:    orgTypePolicyAttachment,
		Code:    "ConstraintViolationException",
		Missing: scpAttachmentAllowed,
	})
}

// orgManagedBy returns the organization of the world whose management
// account is account (the account that created it), or nil.
func orgManagedBy(w *World, account string) (*Existing, error) {
	orgs, err := w.In(account, "", orgTypeOrganization, nil)
	if err != nil || len(orgs) == 0 {
		return nil, err
	}
	return &orgs[0], nil
}

// orgOfMember returns the organization of the world that account belongs
// to, and whether account is its management account: the organization it
// manages, else the one whose management account holds an organizations
// Account with its id. nil when it belongs to none.
func orgOfMember(w *World, account string) (*Existing, bool, error) {
	if org, err := orgManagedBy(w, account); err != nil || org != nil {
		return org, org != nil, err
	}
	members, err := w.Of(orgTypeAccount)
	if err != nil {
		return nil, false, err
	}
	for _, m := range members {
		if m.ID == account {
			org, err := orgManagedBy(w, m.Account)
			return org, false, err
		}
	}
	return nil, false, nil
}

// trustedAccess reports whether an organization enabled trusted access for
// a service principal (awsServiceAccessPrincipals).
func trustedAccess(org *Existing, principal string) bool {
	return slices.Contains(Strings(org.State["awsServiceAccessPrincipals"]), principal)
}

// allFeatures reports whether an organization has all features enabled
// (the provider's default feature set).
func allFeatures(org *Existing) bool {
	fs := org.String("featureSet")
	return fs == "" || fs == "ALL"
}

// delegatedFor reports whether the world registers account as a delegated
// administrator for a service principal.
func delegatedFor(w *World, account, principal string) (bool, error) {
	das, err := w.Of(orgTypeDelegatedAdmin)
	if err != nil {
		return false, err
	}
	for _, d := range das {
		if d.String("accountId") == account && d.String("servicePrincipal") == principal {
			return true, nil
		}
	}
	if principal == principalCloudTrail {
		// CloudTrail's own registration (RegisterOrganizationDelegatedAdmin)
		// registers the same delegation.
		// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
		trails, err := w.Of("aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount")
		if err != nil {
			return false, err
		}
		for _, d := range trails {
			if d.String("accountId") == account {
				return true, nil
			}
		}
	}
	return false, nil
}

// adminsOf returns the designations of account as GuardDuty's or Security
// Hub's delegated administrator (typ) in region, wherever made.
func adminsOf(w *World, typ, region, account string) ([]Existing, error) {
	all, err := w.Of(typ)
	if err != nil {
		return nil, err
	}
	var out []Existing
	for _, a := range all {
		if a.Region == region && a.String("adminAccountId") == account {
			out = append(out, a)
		}
	}
	return out, nil
}

// delegationAllowed: only the management account of an organization that
// enabled trusted access for the service designates its delegated
// administrator.
// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_EnableOrganizationAdminAccount.html
// Source: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_EnableOrganizationAdminAccount.html
func delegationAllowed(w *World, at Place, principal string) (string, error) {
	if principal == "" {
		return "", nil
	}
	org, management, err := orgOfMember(w, at.Account)
	switch {
	case err != nil:
		return "", err
	case org == nil:
		return fmt.Sprintf("account %s is in no organization: only an organization's management account designates delegated administrators (%s)",
			at.Account, principal), nil
	case !management:
		return fmt.Sprintf("account %s is a member of organization %s, not its management account %s: only the management account designates "+
			"delegated administrators (%s)", at.Account, org.ID, org.Account, principal), nil
	case !trustedAccess(org, principal):
		return fmt.Sprintf("SERVICE_ACCESS_NOT_ENABLED: organization %s has not enabled trusted access for %s (awsServiceAccessPrincipals): "+
			"call EnableAWSServiceAccess first", org.ID, principal), nil
	}
	return "", nil
}

// guardDutyAdministers: only GuardDuty's delegated administrator, in the
// region it was designated in, configures the organization, with its own
// detector.
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
func guardDutyAdministers(w *World, at Place, in map[string]any) (string, error) {
	admins, err := adminsOf(w, orgTypeGuardDutyAdmin, at.Region, at.Account)
	if err != nil {
		return "", err
	}
	if len(admins) == 0 {
		return fmt.Sprintf("account %s is not GuardDuty's delegated administrator in %s: no organization admin account designates it", at.Account, at.Region), nil
	}
	id, _ := in["detectorId"].(string)
	detectors, err := w.In(at.Account, at.Region, orgTypeGuardDutyDetector, func(d Existing) bool { return id == "" || d.ID == id })
	if err != nil || len(detectors) > 0 {
		return "", err
	}
	return fmt.Sprintf("account %s has no detector %s in %s to configure the organization with", at.Account, id, at.Region), nil
}

// noDetectorYet: an account has one detector per region, whoever created
// it: the account itself; GuardDuty, when the management account designated
// the account its delegated administrator in that region (GuardDuty is then
// enabled in it); or GuardDuty again, in every member account of an
// organization whose administrator auto-enables ALL of them (or NEW ones,
// for an account that joined after the configuration).
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html
// Source: https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html
func noDetectorYet(w *World, at Place, _ map[string]any) (string, error) {
	const exists = "The request is rejected because a detector already exists for the current account"
	own, err := w.In(at.Account, at.Region, orgTypeGuardDutyDetector, nil)
	if err != nil {
		return "", err
	}
	if len(own) > 0 {
		return fmt.Sprintf("%s (%s, %s)", exists, at.Account, at.Region), nil
	}
	admins, err := adminsOf(w, orgTypeGuardDutyAdmin, at.Region, at.Account)
	if err != nil {
		return "", err
	}
	if len(admins) > 0 {
		return fmt.Sprintf("%s: GuardDuty enabled itself in %s when management account %s designated it the delegated administrator in %s",
			exists, at.Account, admins[0].Account, at.Region), nil
	}
	c, mode, err := guardDutyAutoEnabled(w, at)
	if err != nil || c == nil {
		return "", err
	}
	return fmt.Sprintf("%s: GuardDuty enabled itself in %s, a member of the organization its delegated administrator %s configured with "+
		"autoEnableOrganizationMembers %s in %s", exists, at.Account, c.Account, mode, at.Region), nil
}

// guardDutyAutoEnabled returns the organization configuration of GuardDuty
// that enables GuardDuty in the account at (a member, or the management
// account, of the organization whose delegated administrator made it, in
// at's region: every account for ALL, those that joined after it for NEW),
// and that mode; nil when none does.
func guardDutyAutoEnabled(w *World, at Place) (*Existing, string, error) {
	configs, err := w.Of(orgTypeGuardDutyOrgConfig)
	if err != nil {
		return nil, "", err
	}
	for _, c := range configs {
		mode := c.String("autoEnableOrganizationMembers")
		if mode == "" && c.Bool("autoEnable") {
			mode = "NEW"
		}
		if c.Region != at.Region || (mode != "ALL" && mode != "NEW") {
			continue
		}
		// The organization of the administrator that configured it.
		designations, err := adminsOf(w, orgTypeGuardDutyAdmin, c.Region, c.Account)
		if err != nil {
			return nil, "", err
		}
		for _, d := range designations {
			joined, member, err := memberSince(w, d.Account, at.Account)
			if err != nil {
				return nil, "", err
			}
			if member && (mode == "ALL" || joined > c.Created) {
				return &c, mode, nil
			}
		}
	}
	return nil, "", nil
}

// memberSince reports whether account belongs to the organization managed
// from management, and when its organizations Account was created (0 for
// the management account itself, which joined nothing).
func memberSince(w *World, management, account string) (int64, bool, error) {
	if account == management {
		return 0, true, nil
	}
	found, err := w.In(management, "", orgTypeAccount, func(e Existing) bool { return e.ID == account })
	if err != nil || len(found) == 0 {
		return 0, false, err
	}
	return found[0].Created, true, nil
}

// isCentral matches Security Hub organization configurations of type
// CENTRAL.
func isCentral(e Existing) bool {
	t, _ := Lookup(e.State, "organizationConfiguration.configurationType")
	return t == "CENTRAL"
}

// centralConfigurationAllowed: central configuration is started by Security
// Hub's delegated administrator, designated in the home Region, which is
// not the organization's management account, once cross-Region aggregation
// (the finding aggregator) is in that Region.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/start-central-configuration.html
func centralConfigurationAllowed(w *World, at Place, in map[string]any) (string, error) {
	if t, _ := Lookup(in, "organizationConfiguration.configurationType"); t != "CENTRAL" {
		return "", nil
	}
	admins, err := adminsOf(w, orgTypeSecurityHubAdmin, at.Region, at.Account)
	if err != nil {
		return "", err
	}
	if len(admins) == 0 {
		return fmt.Sprintf("Account %s is not an administrator for this organization (no Security Hub designation in %s)", at.Account, at.Region), nil
	}
	_, management, err := orgOfMember(w, at.Account)
	if err != nil {
		return "", err
	}
	if management {
		return fmt.Sprintf("account %s is the organization's management account, which cannot be the delegated administrator of central configuration", at.Account), nil
	}
	aggregators, err := w.In(at.Account, at.Region, orgTypeSecurityHubAggregator, nil)
	if err != nil || len(aggregators) > 0 {
		return "", err
	}
	return fmt.Sprintf("central configuration needs cross-Region aggregation: account %s has no finding aggregator in %s, the home Region", at.Account, at.Region), nil
}

// noHubYet: Security Hub is enabled once per account and region. Designating
// an account Security Hub's delegated administrator enables it there; a
// configuration policy that enables Security Hub, associated by the
// delegated administrator with the root (or an OU above the account, or
// the account), enables it in every centrally managed member account of
// the home Region and the linked Regions.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/accounts-transition-to-orgs.html
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/central-configuration-management-type.html
func noHubYet(w *World, at Place, _ map[string]any) (string, error) {
	const subscribed = "Account %s is already subscribed to Security Hub"
	admins, err := adminsOf(w, orgTypeSecurityHubAdmin, at.Region, at.Account)
	if err != nil {
		return "", err
	}
	if len(admins) > 0 {
		return fmt.Sprintf(subscribed+": designating it the delegated administrator in %s enabled Security Hub there", at.Account, at.Region), nil
	}
	associations, err := w.Of(orgTypeSecurityHubAssociation)
	if err != nil {
		return "", err
	}
	for _, a := range associations {
		enables, err := policyEnablesHub(w, a)
		if err != nil {
			return "", err
		}
		linked, err := hubLinked(w, a.Account, a.Region, at.Region)
		if err != nil {
			return "", err
		}
		if !enables || !linked {
			continue
		}
		designations, err := adminsOf(w, orgTypeSecurityHubAdmin, a.Region, a.Account)
		if err != nil {
			return "", err
		}
		for _, d := range designations {
			covered, err := targetCovers(w, d.Account, a.String("targetId"), at.Account)
			if err != nil {
				return "", err
			}
			if covered {
				return fmt.Sprintf(subscribed+": the configuration policy the delegated administrator %s associated with %s enables Security Hub in it",
					at.Account, a.Account, a.String("targetId")), nil
			}
		}
	}
	return "", nil
}

// policyEnablesHub reports whether the configuration policy an association
// names enables Security Hub (serviceEnabled).
func policyEnablesHub(w *World, association Existing) (bool, error) {
	id := association.String("policyId")
	policies, err := w.In(association.Account, "", orgTypeSecurityHubPolicy, func(p Existing) bool { return p.ID == id || p.String("arn") == id })
	if err != nil || len(policies) == 0 {
		return false, err
	}
	enabled, _ := Lookup(policies[0].State, "configurationPolicy.serviceEnabled")
	return enabled == true, nil
}

// hubLinked reports whether configuration policies of the administrator's
// home Region take effect in region: the home Region itself, or a Region
// its finding aggregator links.
// Source: https://docs.aws.amazon.com/securityhub/latest/userguide/aggregation-central-configuration.html
func hubLinked(w *World, admin, home, region string) (bool, error) {
	if home == region {
		return true, nil
	}
	aggregators, err := w.In(admin, home, orgTypeSecurityHubAggregator, nil)
	if err != nil {
		return false, err
	}
	for _, g := range aggregators {
		listed := slices.Contains(Strings(g.State["specifiedRegions"]), region)
		switch g.String("linkingMode") {
		case "ALL_REGIONS":
			return true, nil
		case "ALL_REGIONS_EXCEPT_SPECIFIED":
			return !listed, nil
		case "SPECIFIED_REGIONS":
			return listed, nil
		}
	}
	return false, nil
}

// targetCovers reports whether a policy association's target (the root, an
// OU, an account) covers account, a member account of the organization
// managed from management: the account itself, the root, or an OU on the
// way from the account up to the root. The management account is left
// out: the stand-in refuses nothing there.
func targetCovers(w *World, management, target, account string) (bool, error) {
	if account == management || target == "" {
		return false, nil
	}
	found, err := w.In(management, "", orgTypeAccount, func(e Existing) bool { return e.ID == account })
	if err != nil || len(found) == 0 {
		return false, err
	}
	if target == account || target == orgRootID(management) {
		return true, nil
	}
	if org, err := orgManagedBy(w, management); err != nil || org == nil {
		return false, err
	} else if roots, _ := org.State["roots"].([]any); len(roots) > 0 {
		if r, _ := roots[0].(map[string]any); r != nil && r["id"] == target {
			return true, nil
		}
	}
	parent := found[0].String("parentId")
	for range 8 { // OUs nest five deep at most
		if parent == "" || !strings.HasPrefix(parent, "ou-") {
			return false, nil
		}
		if parent == target {
			return true, nil
		}
		units, err := w.In(management, "", orgTypeUnit, func(e Existing) bool { return e.ID == parent })
		if err != nil || len(units) == 0 {
			return false, err
		}
		parent = units[0].String("parentId")
	}
	return false, nil
}

// organizationWide: an organization-wide resource of a service is created
// by the organization's management account (with all features enabled), or
// by an account registered as the service's delegated administrator.
func organizationWide(w *World, at Place, principal, service, what string) (string, error) {
	org, management, err := orgOfMember(w, at.Account)
	if err != nil {
		return "", err
	}
	if !management {
		delegated, err := delegatedFor(w, at.Account, principal)
		if err != nil {
			return "", err
		}
		if !delegated {
			return fmt.Sprintf("account %s is neither the management account of an organization nor a registered delegated administrator for %s (%s): "+
				"it cannot create %s", at.Account, service, principal, what), nil
		}
	}
	if org != nil && !allFeatures(org) {
		return fmt.Sprintf("organization %s does not have all features enabled: %s needs them", org.ID, what), nil
	}
	return "", nil
}

// organizationTrailAllowed: an organization trail is created by the
// management account of an organization that enabled trusted access for
// CloudTrail, or by CloudTrail's delegated administrator.
// Source: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
func organizationTrailAllowed(w *World, at Place, in map[string]any) (string, error) {
	if in["isOrganizationTrail"] != true {
		return "", nil
	}
	org, management, err := orgOfMember(w, at.Account)
	if err != nil {
		return "", err
	}
	if management {
		if trustedAccess(org, principalCloudTrail) {
			return "", nil
		}
		return fmt.Sprintf("organization %s has not enabled CloudTrail service access (%s in awsServiceAccessPrincipals)", org.ID, principalCloudTrail), nil
	}
	delegated, err := delegatedFor(w, at.Account, principalCloudTrail)
	if err != nil || delegated {
		return "", err
	}
	return fmt.Sprintf("NotOrganizationMasterAccountException: account %s is neither the management account of an organization nor CloudTrail's "+
		"delegated administrator: it cannot create an organization trail", at.Account), nil
}

// isSCPType reports whether a policy's type is a service control policy's
// (the provider's default when unset).
func isSCPType(t any) bool {
	s, _ := t.(string)
	return s == "" || s == orgSCP
}

// scpAttachmentAllowed: a root, OU or account holds at most five service
// control policies attached directly, FullAWSAccess (attached by AWS)
// included.
func scpAttachmentAllowed(w *World, at Place, in map[string]any) (string, error) {
	policyID, _ := in["policyId"].(string)
	target, _ := in["targetId"].(string)
	if target == "" || policyID == scpFullAWSAccess {
		return "", nil
	}
	policies, err := w.In(at.Account, "", orgTypePolicy, nil)
	if err != nil {
		return "", err
	}
	scp := map[string]bool{}
	for _, p := range policies {
		scp[p.ID] = isSCPType(p.State["type"])
	}
	if known, ok := scp[policyID]; ok && !known {
		return "", nil // another type of policy
	}
	attached, err := w.In(at.Account, "", orgTypePolicyAttachment, func(e Existing) bool {
		return e.String("targetId") == target && scp[e.String("policyId")]
	})
	if err != nil {
		return "", err
	}
	if n := 1 + len(attached) + 1; n > scpMaxAttached {
		return fmt.Sprintf("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED: %s already holds %d service control policies (FullAWSAccess and %d attached): "+
			"at most %d are attached directly", target, 1+len(attached), len(attached), scpMaxAttached), nil
	}
	return "", nil
}
