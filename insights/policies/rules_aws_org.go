package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of the organization and of what it delegates: AWS
// Organizations' delegated administrators, trusted access, service
// control policies and names; GuardDuty and Security Hub administered for
// the organization by a delegated administrator (the detectors and hubs
// they then create themselves); and the organization-wide aggregator,
// analyzer and trail. The organization is in the management stack; the
// delegations are made by the security stack through a provider of the
// management account, so most of these rules read the other stacks of the
// deployment (Stack.Peers). Without them (CrossGuard previews one stack)
// a rule judges only what the stack itself shows.

const (
	typeOrganization           = "aws:organizations/organization:Organization"
	typeOrgUnit                = "aws:organizations/organizationalUnit:OrganizationalUnit"
	typeOrgAccount             = "aws:organizations/account:Account"
	typeOrgPolicy              = "aws:organizations/policy:Policy"
	typeOrgPolicyAttachment    = "aws:organizations/policyAttachment:PolicyAttachment"
	typeDelegatedAdmin         = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
	typeGuardDutyAdmin         = "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount"
	typeGuardDutyOrgConfig     = "aws:guardduty/organizationConfiguration:OrganizationConfiguration"
	typeGuardDutyOrgFeature    = "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature"
	typeSecurityHubAdmin       = "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount"
	typeSecurityHubOrgConfig   = "aws:securityhub/organizationConfiguration:OrganizationConfiguration"
	typeSecurityHubPolicy      = "aws:securityhub/configurationPolicy:ConfigurationPolicy"
	typeSecurityHubAssociation = "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation"

	// The service principals the organization delegates to.
	principalGuardDuty      = "guardduty.amazonaws.com"
	principalSecurityHub    = "securityhub.amazonaws.com"
	principalConfig         = "config.amazonaws.com"
	principalAccessAnalyzer = "access-analyzer.amazonaws.com"
	principalCloudTrail     = "cloudtrail.amazonaws.com"

	// scpType is the policy type of service control policies, the
	// provider's default.
	scpType = "SERVICE_CONTROL_POLICY"
	// scpFullAWSAccess is the AWS-managed SCP AWS attaches to every root,
	// OU and account once SCPs are enabled.
	scpFullAWSAccess = "p-FullAWSAccess"
)

// The quotas of service control policies: the size of one, and how many
// one root, OU or account holds directly, FullAWSAccess included.
// Source: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const (
	scpMaxContent  = 5120
	scpMaxAttached = 5
)

// emailPattern is CreateAccount's pattern of an email address.
// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html
var emailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

// orgRecord is a record of the deployment and the stack that holds it.
type orgRecord struct {
	stack *Stack
	r     *offline.Resource
}

// deploymentRecords returns the records of typ of every stack of the
// deployment (this one alone when no deployment links it) that satisfy
// match (nil for all), in deployment order.
func deploymentRecords(s *Stack, typ string, match func(p *Stack, r *offline.Resource) bool) []orgRecord {
	var out []orgRecord
	for _, p := range netDeployment(s) {
		for _, r := range p.ByType(typ) {
			if match == nil || match(p, r) {
				out = append(out, orgRecord{p, r})
			}
		}
	}
	return out
}

// createdBefore reports whether dep exists when r, a record of s, is
// created: r waits for it in the same stack, or dep's stack is deployed
// first.
func createdBefore(s *Stack, r *offline.Resource, dep orgRecord) bool {
	if dep.stack == s {
		return s.DependsOn(r, dep.r)
	}
	return s.Before(dep.stack.Name, s.Name)
}

// anyCreatedBefore reports whether one of deps exists when r is created.
func anyCreatedBefore(s *Stack, r *offline.Resource, deps []orgRecord) bool {
	for _, d := range deps {
		if createdBefore(s, r, d) {
			return true
		}
	}
	return false
}

// organizations returns the organizations of the deployment.
func organizations(s *Stack) []orgRecord { return deploymentRecords(s, typeOrganization, nil) }

// managedOrganization returns the organization of the deployment created
// through a provider of account: the organization account manages.
func managedOrganization(s *Stack, account string) (orgRecord, bool) {
	for _, o := range organizations(s) {
		if account != "" && o.stack.providerAccount(o.r) == account {
			return o, true
		}
	}
	return orgRecord{}, false
}

// managementAccount is the management account of the deployment's
// organization ("" when the deployment holds none).
func managementAccount(s *Stack) string {
	for _, o := range organizations(s) {
		if a := o.stack.providerAccount(o.r); a != "" {
			return a
		}
	}
	return ""
}

// organizationAccounts are the accounts of the deployment's organization:
// when the deployment holds an organization, every account a stack of the
// deployment acts in (the reference architecture adopts or creates each of
// them: the management stack's organizations Account records), the
// management account, and the accounts those records name. Empty when
// the deployment holds no organization.
func organizationAccounts(s *Stack) map[string]bool {
	out := map[string]bool{}
	if len(organizations(s)) == 0 {
		return out
	}
	out[managementAccount(s)] = true
	for _, p := range netDeployment(s) {
		if a := p.ownAccount(); a != "" {
			out[a] = true
		}
	}
	for _, a := range deploymentRecords(s, typeOrgAccount, nil) {
		if id := a.r.ID; len(id) == 12 {
			out[id] = true
		}
	}
	return out
}

// designations returns the records of typ (GuardDuty's or Security Hub's
// organization admin account) of the deployment that designate account in
// region.
func designations(s *Stack, typ, account, region string) []orgRecord {
	return deploymentRecords(s, typ, func(p *Stack, r *offline.Resource) bool {
		return account != "" && r.String("adminAccountId") == account && p.providerRegion(r) == region
	})
}

// delegatedAdmins returns the delegated administrator records of the
// deployment that register account for principal.
func delegatedAdmins(s *Stack, account, principal string) []orgRecord {
	out := deploymentRecords(s, typeDelegatedAdmin, func(_ *Stack, r *offline.Resource) bool {
		return account != "" && r.String("accountId") == account && r.String("servicePrincipal") == principal
	})
	if principal == principalCloudTrail {
		// CloudTrail's own registration (RegisterOrganizationDelegatedAdmin),
		// which also creates its service-linked role in the management
		// account, registers the same delegation.
		// Source: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
		out = append(out, deploymentRecords(s, typeCloudTrailDelegatedAdmin, func(_ *Stack, r *offline.Resource) bool {
			return account != "" && r.String("accountId") == account
		})...)
	}
	return out
}

// typeCloudTrailDelegatedAdmin is CloudTrail's registration of its
// delegated administrator.
const typeCloudTrailDelegatedAdmin = "aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount"

// trusts reports whether an organization record enables trusted access for
// principal; known is false when its principals are not known.
func trusts(org *offline.Resource, principal string) (trusted, known bool) {
	v := org.Get("awsServiceAccessPrincipals")
	if v != nil && !isKnownList(v) {
		return false, false
	}
	return slices.Contains(org.Strings("awsServiceAccessPrincipals"), principal), true
}

// isKnownList reports whether v is a list the engine knows entirely.
func isKnownList(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range l {
		if !known(e) {
			return false
		}
	}
	return true
}

// delegation is a designation of a delegated administrator and the service
// principal it delegates.
type delegation struct {
	r         *offline.Resource
	principal string
}

// delegations are the stack's designations: organizations'
// DelegatedAdministrator (its servicePrincipal), GuardDuty's and Security
// Hub's organization admin accounts.
func delegations(s *Stack) []delegation {
	var out []delegation
	for _, r := range s.ByType(typeDelegatedAdmin) {
		out = append(out, delegation{r, r.String("servicePrincipal")})
	}
	for _, r := range s.ByType(typeGuardDutyAdmin) {
		out = append(out, delegation{r, principalGuardDuty})
	}
	for _, r := range s.ByType(typeSecurityHubAdmin) {
		out = append(out, delegation{r, principalSecurityHub})
	}
	return out
}

// orgWide judges r, an organization-wide resource of the service of
// principal created through a provider of its account: the account is the
// management account of the deployment's organization (created first, with
// all features and, when needTrust, trusted access for the service), or a
// delegated administrator for principal registered first.
func orgWide(c *Checker, r *offline.Resource, principal, what string, needTrust bool) {
	account := c.Stack.providerAccount(r)
	if account == "" {
		c.Judge(r, "")
		return
	}
	if org, ok := managedOrganization(c.Stack, account); ok {
		trusted, known := trusts(org.r, principal)
		fs := org.r.String("featureSet")
		switch {
		case fs != "" && fs != "ALL":
			c.Judge(r, fmt.Sprintf("organization %s has feature set %s: %s needs all features", org.r.Name, fs, what))
		case needTrust && known && !trusted:
			c.Judge(r, fmt.Sprintf("organization %s does not enable trusted access for %s (awsServiceAccessPrincipals): %s needs it", org.r.Name, principal, what))
		case !createdBefore(c.Stack, r, org):
			c.Judge(r, fmt.Sprintf("is not ordered after organization %s (stack %s): %s needs it", org.r.Name, org.stack.Name, what))
		default:
			c.Judge(r, "")
		}
		return
	}
	das := delegatedAdmins(c.Stack, account, principal)
	switch {
	case len(das) == 0 && len(c.Stack.Peers()) == 0:
		c.Judge(r, "") // the organization and its delegations are in other stacks
	case len(das) == 0:
		c.Judge(r, fmt.Sprintf("account %s is neither the management account of the deployment's organization nor a delegated administrator for %s: "+
			"it cannot create %s", account, principal, what))
	case !anyCreatedBefore(c.Stack, r, das):
		c.Judge(r, fmt.Sprintf("is not ordered after the registration of account %s as delegated administrator for %s (stack %s)", account, principal, das[0].stack.Name))
	default:
		c.Judge(r, "")
	}
}

// enablesHub reports whether the configuration policy an association
// names (a record of the association's stack) enables Security Hub.
func enablesHub(s *Stack, association *offline.Resource) bool {
	for _, p := range s.ByType(typeSecurityHubPolicy) {
		if !refersTo(association.Get("policyId"), p) && known(association.Get("policyId")) {
			continue
		}
		if p.Get("configurationPolicy.serviceEnabled") == true {
			return true
		}
	}
	return false
}

// orgRuntimeMonitoring returns the organization's GuardDuty
// RUNTIME_MONITORING feature that enables runtime monitoring in the
// stack's account (a member of the deployment's organization, not
// GuardDuty's delegated administrator, in the region of the stack's
// provider): an organization configuration feature auto-enabled for ALL
// members, and whether it enables ECS_FARGATE_AGENT_MANAGEMENT for ALL too.
func orgRuntimeMonitoring(s *Stack) (feature orgRecord, fargateAgent, ok bool) {
	account, member := orgMember(s)
	if !member {
		return orgRecord{}, false, false
	}
	region := s.ownRegion()
	features := deploymentRecords(s, typeGuardDutyOrgFeature, func(p *Stack, r *offline.Resource) bool {
		return r.String("name") == "RUNTIME_MONITORING" && r.String("autoEnable") == "ALL" && p.providerAccount(r) != account &&
			(region == "" || p.providerRegion(r) == region)
	})
	for _, f := range features {
		for i := range f.r.List("additionalConfigurations") {
			p := fmt.Sprintf("additionalConfigurations[%d].", i)
			if f.r.String(p+"name") == "ECS_FARGATE_AGENT_MANAGEMENT" && f.r.String(p+"autoEnable") == "ALL" {
				return f, true, true
			}
		}
	}
	if len(features) > 0 {
		return features[0], false, true
	}
	return orgRecord{}, false, false
}

// isSCP reports whether a policy record is a service control policy.
func isSCP(p *offline.Resource) bool {
	t := p.String("type")
	return t == "" || t == scpType
}

// lengthIn reports whether the known string input at path of r is from
// min to max characters long ("" when it is, or is not known).
func lengthIn(r *offline.Resource, path string, minLen, maxLen int) string {
	v, ok := r.Get(path).(string)
	if !ok {
		return ""
	}
	if n := len([]rune(v)); n < minLen || n > maxLen {
		return fmt.Sprintf("%s has %d characters, not %d to %d", path, n, minLen, maxLen)
	}
	return ""
}

func awsOrgRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "organizations-trusted-access-before-delegation",
			Title:    "Delegated administrators (of Organizations, GuardDuty, Security Hub) are designated by the organization's management account, after the organization enables trusted access for the service",
			Severity: Critical,
			Reason: "Organizations refuses to register a delegated administrator for a service without trusted access, and only the management account registers one: " +
				"the security stack's pulumi up fails (Security Hub, too, requires its integration with Organizations first; GuardDuty would enable the access itself, " +
				"which the organization's awsServiceAccessPrincipals then removes on its next update)",
			Check: func(c *Checker) {
				for _, d := range delegations(c.Stack) {
					caller := c.Stack.providerAccount(d.r)
					if d.principal == "" || caller == "" {
						c.Judge(d.r, "")
						continue
					}
					org, ok := managedOrganization(c.Stack, caller)
					if !ok {
						switch {
						case len(organizations(c.Stack)) > 0:
							c.Judge(d.r, fmt.Sprintf("is made through a provider of account %s, not the organization's management account %s: "+
								"only the management account designates delegated administrators", caller, managementAccount(c.Stack)))
						case len(c.Stack.Peers()) == 0:
							c.Judge(d.r, "") // the organization is in another stack
						default:
							c.Judge(d.r, fmt.Sprintf("no organization of the deployment is managed from account %s: only an organization's management account "+
								"designates delegated administrators", caller))
						}
						continue
					}
					trusted, known := trusts(org.r, d.principal)
					switch {
					case known && !trusted:
						c.Judge(d.r, fmt.Sprintf("organization %s does not enable trusted access for %s (awsServiceAccessPrincipals)", org.r.Name, d.principal))
					case !createdBefore(c.Stack, d.r, org):
						c.Judge(d.r, fmt.Sprintf("is not ordered after organization %s (stack %s), which enables trusted access for %s", org.r.Name, org.stack.Name, d.principal))
					default:
						c.Judge(d.r, "")
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL:   "https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html",
			Quote: "SERVICE_ACCESS_NOT_ENABLED: You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first.",
			Error: "ConstraintViolationException",
		}),
		awsRule(&Rule{
			ID:       "organizations-no-delegation-to-management",
			Title:    "No delegated administrator of Organizations is the management account itself",
			Severity: High,
			Reason: "Organizations refuses to register the management account as a delegated administrator: the pulumi up that designates it fails " +
				"(Security Hub's central configuration refuses it too: securityhub-central-configuration-prerequisites; GuardDuty accepts it, against AWS's advice)",
			Check: func(c *Checker) {
				mgmt := managementAccount(c.Stack)
				c.Each(func(r *offline.Resource) string {
					account, ok := r.Get("accountId").(string)
					if !ok {
						return ""
					}
					return unless(account != c.Stack.providerAccount(r) && account != mgmt,
						fmt.Sprintf("designates the management account %s: only a member account can be a delegated administrator", account))
				}, typeDelegatedAdmin)
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/organizations/latest/APIReference/API_RegisterDelegatedAdministrator.html",
			Quote: "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR: You attempted to register the management account of the organization as a delegated " +
				"administrator for an AWS service integrated with Organizations. You can designate only a member account as a delegated administrator.",
			Error: "ConstraintViolationException",
		}),
		awsRule(&Rule{
			ID:       "guardduty-delegation-before-organization-configuration",
			Title:    "GuardDuty's organization configuration is made by the delegated administrator, after its designation in that region, with its own detector",
			Severity: High,
			Reason:   "GuardDuty refuses the organization configuration of an account it does not know as the delegated administrator: the security stack's pulumi up fails",
			Check: func(c *Checker) {
				for _, r := range c.Stack.ByType(typeGuardDutyOrgConfig, typeGuardDutyOrgFeature) {
					account, region := c.Stack.providerAccount(r), c.Stack.providerRegion(r)
					if account == "" {
						c.Judge(r, "")
						continue
					}
					admins := designations(c.Stack, typeGuardDutyAdmin, account, region)
					ownDetector := false
					for _, d := range c.Stack.ByType(typeGuardDutyDetector) {
						if c.Stack.providerAccount(d) == account && c.Stack.providerRegion(d) == region && c.Stack.DependsOn(r, d) {
							ownDetector = true
						}
					}
					switch {
					case len(admins) == 0 && len(c.Stack.Peers()) == 0:
						c.Judge(r, "") // the designation may be in another stack
					case len(admins) == 0:
						c.Judge(r, fmt.Sprintf("no GuardDuty organization admin account of the deployment designates account %s in %s", account, region))
					case !anyCreatedBefore(c.Stack, r, admins):
						c.Judge(r, fmt.Sprintf("is not ordered after the designation of account %s as GuardDuty's delegated administrator (stack %s)", account, admins[0].stack.Name))
					case !ownDetector:
						c.Judge(r, fmt.Sprintf("does not wait for a detector of account %s in %s in the stack", account, region))
					default:
						c.Judge(r, "")
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL:   "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_UpdateOrganizationConfiguration.html",
			Quote: "Configures the delegated administrator account with the provided values. You must provide a value for either autoEnableOrganizationMembers or autoEnable, but not both.",
			Error: "BadRequestException",
		}),
		awsRule(&Rule{
			ID: "guardduty-one-detector-per-account",
			Title: "An account creates its own detector only where GuardDuty will not: the delegated administrator before its designation, " +
				"and no member of an organization whose administrator auto-enables ALL",
			Severity: Critical,
			Reason: "GuardDuty creates the detector itself in the account it is designated delegated administrator for, and in every member account the " +
				"organization configuration auto-enables; a second detector is refused and the stack's pulumi up fails",
			Check: func(c *Checker) {
				members := organizationAccounts(c.Stack)
				autoAll := deploymentRecords(c.Stack, typeGuardDutyOrgConfig, func(_ *Stack, r *offline.Resource) bool {
					return r.String("autoEnableOrganizationMembers") == "ALL"
				})
				for _, d := range c.Stack.ByType(typeGuardDutyDetector) {
					account, region := c.Stack.providerAccount(d), c.Stack.providerRegion(d)
					if account == "" {
						c.Judge(d, "")
						continue
					}
					msg := ""
					admins := designations(c.Stack, typeGuardDutyAdmin, account, region)
					for _, a := range admins {
						if (a.stack == c.Stack && !c.Stack.DependsOn(a.r, d)) || (a.stack != c.Stack && !c.Stack.Before(c.Stack.Name, a.stack.Name)) {
							msg = fmt.Sprintf("designating account %s GuardDuty's delegated administrator (%s, stack %s) enables GuardDuty in it: "+
								"the designation must wait for this detector", account, a.r.Name, a.stack.Name)
						}
					}
					if len(admins) == 0 && members[account] {
						for _, cfg := range autoAll {
							// A detector created in a stack deployed before the
							// configuration exists when auto-enablement runs:
							// GuardDuty associates it instead of creating one
							// (the management account's).
							if cfg.stack.providerRegion(cfg.r) == region && (cfg.stack == c.Stack || !c.Stack.Before(c.Stack.Name, cfg.stack.Name)) {
								msg = fmt.Sprintf("GuardDuty enables itself in organization member %s (autoEnableOrganizationMembers ALL, %s in stack %s): "+
									"the account must not create a detector of its own", account, cfg.r.Name, cfg.stack.Name)
							}
						}
					}
					c.Judge(d, msg)
				}
				// A designation made in another stack than the
				// administrator's: the administrator's stack (and detector)
				// comes first.
				for _, a := range c.Stack.ByType(typeGuardDutyAdmin) {
					admin := c.Stack.accountStack(a.String("adminAccountId"))
					if admin == nil || admin == c.Stack {
						c.Judge(a, "")
						continue
					}
					region := c.Stack.providerRegion(a)
					late := false
					for _, d := range admin.ByType(typeGuardDutyDetector) {
						if admin.providerAccount(d) == a.String("adminAccountId") && admin.providerRegion(d) == region && !c.Stack.Before(admin.Name, c.Stack.Name) {
							late = true
						}
					}
					c.Judge(a, unless(!late, fmt.Sprintf("the administrator's stack %s, whose detector the designation must wait for, is deployed after %s", admin.Name, c.Stack.Name)))
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL:   "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html",
			Quote: "To start using GuardDuty, you must create a detector in each Region where you enable the service. You can have only one detector per account per Region.",
			Error: "BadRequestException",
		}),
		awsRule(&Rule{
			ID: "securityhub-central-configuration-prerequisites",
			Title: "Security Hub's central configuration is started by its delegated administrator, designated in the home Region, not the management account, " +
				"after the finding aggregator; configuration policies and their associations after it",
			Severity: High,
			Reason:   "Security Hub refuses central configuration otherwise, and configuration policies before it: the security stack's pulumi up fails",
			Check: func(c *Checker) {
				for _, r := range c.Stack.ByType(typeSecurityHubOrgConfig) {
					if r.Get("organizationConfiguration.configurationType") != "CENTRAL" {
						continue
					}
					account, region := c.Stack.providerAccount(r), c.Stack.providerRegion(r)
					if account == "" {
						c.Judge(r, "")
						continue
					}
					admins := designations(c.Stack, typeSecurityHubAdmin, account, region)
					_, management := managedOrganization(c.Stack, account)
					aggregated := false
					for _, g := range c.Stack.ByType(typeSecurityHubAggregator) {
						if c.Stack.providerAccount(g) == account && c.Stack.providerRegion(g) == region && c.Stack.DependsOn(r, g) {
							aggregated = true
						}
					}
					switch {
					case management || (account == managementAccount(c.Stack)):
						c.Judge(r, fmt.Sprintf("account %s is the organization's management account, which cannot be the delegated administrator of central configuration", account))
					case len(admins) == 0 && len(c.Stack.Peers()) > 0:
						c.Judge(r, fmt.Sprintf("no Security Hub organization admin account of the deployment designates account %s in %s, the home Region", account, region))
					case len(admins) > 0 && !anyCreatedBefore(c.Stack, r, admins):
						c.Judge(r, fmt.Sprintf("is not ordered after the designation of account %s as Security Hub's delegated administrator (stack %s)", account, admins[0].stack.Name))
					case !aggregated:
						c.Judge(r, fmt.Sprintf("does not wait for a finding aggregator of account %s in %s: central configuration needs cross-Region aggregation", account, region))
					default:
						c.Judge(r, "")
					}
				}
				for _, r := range c.Stack.ByType(typeSecurityHubPolicy, typeSecurityHubAssociation) {
					account := c.Stack.providerAccount(r)
					central := false
					for _, o := range c.Stack.ByType(typeSecurityHubOrgConfig) {
						if o.Get("organizationConfiguration.configurationType") == "CENTRAL" && c.Stack.providerAccount(o) == account && c.Stack.DependsOn(r, o) {
							central = true
						}
					}
					c.Judge(r, unless(central, "is not ordered after a CENTRAL Security Hub organization configuration of its account: configuration policies need central configuration"))
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/securityhub/latest/userguide/start-central-configuration.html",
			Quote: "Ensure that you designate your delegated administrator in your intended home Region. When you start using central configuration, the same " +
				"delegated administrator is automatically set in all linked Regions as well. The Organizations management account cannot be set as the delegated administrator account.",
			Error: "InvalidAccessException",
		}),
		awsRule(&Rule{
			ID: "securityhub-one-hub-per-account",
			Title: "Security Hub is enabled by an account only where Security Hub will not enable it: the delegated administrator before its designation, " +
				"no centrally managed member",
			Severity: High,
			Reason: "designating the delegated administrator enables Security Hub in it, and a configuration policy associated with the root enables it in every " +
				"member account: the account's own hub (and standards) are refused, or fight the delegated administrator's configuration",
			Check: func(c *Checker) {
				members := organizationAccounts(c.Stack)
				mgmt := managementAccount(c.Stack)
				var central []orgRecord
				for _, a := range deploymentRecords(c.Stack, typeSecurityHubAssociation, nil) {
					if target, ok := a.r.Get("targetId").(string); ok && strings.HasPrefix(target, "r-") && enablesHub(a.stack, a.r) {
						central = append(central, a)
					}
				}
				for _, r := range c.Stack.ByType(typeSecurityHubAccount, typeSecurityHubStandard) {
					account, region := c.Stack.providerAccount(r), c.Stack.providerRegion(r)
					if account == "" {
						c.Judge(r, "")
						continue
					}
					admins := designations(c.Stack, typeSecurityHubAdmin, account, region)
					msg := ""
					if r.Type == typeSecurityHubAccount {
						for _, a := range admins {
							if (a.stack == c.Stack && !c.Stack.DependsOn(a.r, r)) || (a.stack != c.Stack && !c.Stack.Before(c.Stack.Name, a.stack.Name)) {
								msg = fmt.Sprintf("designating account %s Security Hub's delegated administrator (%s, stack %s) enables Security Hub in it: "+
									"the designation must wait for this hub", account, a.r.Name, a.stack.Name)
							}
						}
					}
					if len(admins) == 0 && members[account] && account != mgmt {
						for _, a := range central {
							if a.stack.providerAccount(a.r) != account {
								msg = fmt.Sprintf("the configuration policy %s associates with the root (stack %s) enables Security Hub in organization member %s: "+
									"only the delegated administrator configures it", a.r.Name, a.stack.Name, account)
							}
						}
					}
					c.Judge(r, msg)
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/securityhub/latest/userguide/central-configuration-management-type.html",
			Quote: "A self-managed account, OU, or root can configure its own Security Hub settings separately in each AWS Region. The delegated administrator can't " +
				"configure Security Hub settings for self-managed targets, and configuration policies can't be associated with them. In contrast, only the delegated " +
				"administrator can configure Security Hub settings for centrally managed accounts and OUs across the home Region and linked Regions.",
			Error: "ResourceConflictException",
		}),
		awsRule(&Rule{
			ID:       "config-organization-aggregator-needs-delegation",
			Title:    "An organization aggregator of AWS Config is created by the management account or by a delegated administrator for config.amazonaws.com, registered first",
			Severity: High,
			Reason:   "AWS Config refuses an organization aggregator in any other account: the stack's pulumi up fails",
			Check: func(c *Checker) {
				for _, r := range c.Stack.ByType(auditTypeAggregator) {
					if set(r.Get("organizationAggregationSource")) {
						orgWide(c, r, principalConfig, "an organization aggregator", false)
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html",
			Quote: "If your source type is an organization, you must be signed in to the management account or a registered delegated administrator and all " +
				"the features must be enabled in your organization.",
			Error: "OrganizationAccessDeniedException",
		}),
		awsRule(&Rule{
			ID:       "accessanalyzer-organization-analyzer-needs-delegation",
			Title:    "An analyzer with the organization as the zone of trust is created by the management account or by a delegated administrator for access-analyzer.amazonaws.com, registered first",
			Severity: High,
			Reason:   "IAM Access Analyzer refuses it in any other account: the stack's pulumi up fails",
			Check: func(c *Checker) {
				for _, r := range c.Stack.ByType(typeAccessAnalyzer) {
					if strings.HasPrefix(r.String("type"), "ORGANIZATION") {
						orgWide(c, r, principalAccessAnalyzer, "an organization analyzer", false)
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-settings.html",
			Quote: "The delegated administrator for IAM Access Analyzer is a member account within the organization that has permissions to create and manage " +
				"analyzers with the organization as the zone of trust.",
			Error: "AccessDeniedException",
		}),
		awsRule(&Rule{
			ID:       "cloudtrail-organization-trail-from-management",
			Title:    "An organization trail is created by the management account of an organization that enables trusted access for CloudTrail, or by CloudTrail's delegated administrator",
			Severity: High,
			Reason:   "CloudTrail refuses an organization trail from any other account, or before the organization trusts CloudTrail: the stack's pulumi up fails",
			Check: func(c *Checker) {
				for _, r := range c.Stack.ByType(typeTrail) {
					if r.Bool("isOrganizationTrail") {
						orgWide(c, r, principalCloudTrail, "an organization trail", true)
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
			Quote: "Specifies whether the trail is created for all accounts in an organization in AWS Organizations, or only for the current AWS account. " +
				"The default is false, and cannot be true unless the call is made on behalf of an AWS account that is the management account or delegated " +
				"administrator account for an organization in AWS Organizations.",
			Error: "CloudTrailAccessNotEnabledException",
		}),
		awsRule(&Rule{
			ID: "organizations-scp-limits",
			Title: "Service control policies are enabled with all features, are at most 5,120 bytes each, and at most 5 are attached directly to one root, OU " +
				"or account, AWS's FullAWSAccess included",
			Severity: High,
			Reason:   "Organizations refuses the larger policy, the sixth attachment, and SCPs in an organization without all features: the management stack's pulumi up fails",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					fs := r.String("featureSet")
					return unless(!slices.Contains(r.Strings("enabledPolicyTypes"), scpType) || fs == "" || fs == "ALL",
						fmt.Sprintf("enables service control policies with feature set %s", fs))
				}, typeOrganization)
				scps := map[string]bool{}
				c.Each(func(r *offline.Resource) string {
					if !isSCP(r) {
						return ""
					}
					scps[r.URN] = true
					content, ok := r.Get("content").(string)
					return unless(!ok || len(content) <= scpMaxContent, fmt.Sprintf("the service control policy has %d bytes, more than %d", len(content), scpMaxContent))
				}, typeOrgPolicy)
				perTarget := map[string][]*offline.Resource{}
				for _, a := range c.Stack.ByType(typeOrgPolicyAttachment) {
					target, ok := a.Get("targetId").(string)
					if !ok || a.String("policyId") == scpFullAWSAccess {
						c.Judge(a, "")
						continue
					}
					for _, p := range c.Stack.ByType(typeOrgPolicy) {
						if scps[p.URN] && refersTo(a.Get("policyId"), p) {
							perTarget[target] = append(perTarget[target], a)
						}
					}
					c.Judge(a, "")
				}
				for target, attached := range perTarget {
					if n := 1 + len(attached); n > scpMaxAttached {
						for _, a := range attached {
							c.Judge(a, fmt.Sprintf("%s holds %d service control policies attached directly (FullAWSAccess and %d), more than %d", target, n, len(attached), scpMaxAttached))
						}
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL: "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html",
			Quote: "Maximum size of a policy document … Service control policies: 5120 bytes (not characters) … Every entity must have at least one SCP " +
				"attached at all times. You can't remove the last SCP from an entity. … These numbers apply to only those policies that are directly attached " +
				"to an OU or an account.",
			Error: "ConstraintViolationException",
		}),
		awsRule(&Rule{
			ID:       "organizations-names",
			Title:    "Member accounts have a name of 1-50 characters and an email address of 6-64; organizational units a name of 1-128",
			Severity: Medium,
			Reason:   "Organizations refuses the account or the organizational unit: the management stack's pulumi up fails",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if msg := lengthIn(r, "name", 1, 50); msg != "" {
						return msg
					}
					if msg := lengthIn(r, "email", 6, 64); msg != "" {
						return msg
					}
					email, ok := r.Get("email").(string)
					return unless(!ok || emailPattern.MatchString(email), fmt.Sprintf("email %q is not an email address", email))
				}, typeOrgAccount)
				c.Each(func(r *offline.Resource) string { return lengthIn(r, "name", 1, 128) }, typeOrgUnit)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html",
			Quote: "AccountName … The friendly name of the member account. … Length Constraints: Minimum length of 1. Maximum length of 50. … Email … Length Constraints: Minimum length of 6. Maximum length of 64.",
			Error: "InvalidInputException",
		}),
	}
}
