package offline

import (
	"fmt"
	"regexp"
	"strings"
)

// Output mocks of the organization and of what it delegates: AWS
// Organizations' organization, organizational units, accounts, policies and
// their attachments and delegated administrators; GuardDuty's and Security
// Hub's delegated administrators and organization configurations, Security
// Hub's configuration policies and their associations; IAM Access
// Analyzer's analyzers. The ids have the shapes of the Organizations API
// (o-…, r-…, ou-…-…, p-…, 12-digit accounts) and are derived from the
// management account (the caller that creates the organization), so an
// organization planned in the management stack and the getOrganization
// answer a delegated administrator's stack reads through a management
// provider agree.
// Source: https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html
func init() {
	registerOutputs(orgTypeOrganization, func(r *Resource, e env, state map[string]any) error {
		for k, v := range organizationOf(e, state) {
			state[k] = v
		}
		return nil
	})
	registerOutputs(orgTypeUnit, func(r *Resource, e env, state map[string]any) error {
		id := "ou-" + orgRootID(e.Account)[2:] + "-" + (shortHash(r.URN) + shortHash("ou/"+r.URN))[:8]
		state["id"] = id
		state["arn"] = orgARN(e, "ou", orgID(e.Account)+"/"+id)
		state["accounts"] = []any{}
		return nil
	})
	registerOutputs(orgTypeAccount, func(r *Resource, e env, state map[string]any) error {
		// An adopted account (pulumi import) keeps its id; a created one
		// gets twelve digits of its own.
		id := r.ID
		if !accountIDPattern.MatchString(id) {
			id = fmt.Sprintf("%012d", stableNumber("account/"+r.URN)%1_000_000_000_000)
		}
		state["id"] = id
		state["arn"] = orgARN(e, "account", orgID(e.Account)+"/"+id)
		state["status"] = "ACTIVE"
		state["state"] = "ACTIVE"
		state["govcloudId"] = ""
		return nil
	})
	registerOutputs(orgTypePolicy, func(r *Resource, e env, state map[string]any) error {
		typ, _ := state["type"].(string)
		if typ == "" {
			typ = orgSCP // the provider's default
			state["type"] = typ
		}
		id := "p-" + (shortHash(r.URN) + shortHash("p/"+r.URN))[:8]
		state["id"] = id
		state["arn"] = orgARN(e, "policy", orgID(e.Account)+"/"+strings.ToLower(typ)+"/"+id)
		state["awsManaged"] = false
		return nil
	})
	registerOutputs(orgTypePolicyAttachment, func(r *Resource, e env, state map[string]any) error {
		// The provider's id is "<target id>:<policy id>" (what
		// `pulumi import` of an attachment takes).
		state["id"] = fmt.Sprintf("%v:%v", state["targetId"], state["policyId"])
		return nil
	})
	registerOutputs(orgTypeDelegatedAdmin, func(r *Resource, e env, state map[string]any) error {
		account, _ := state["accountId"].(string)
		state["id"] = fmt.Sprintf("%s/%v", account, state["servicePrincipal"])
		state["arn"] = orgARN(e, "account", orgID(e.Account)+"/"+account)
		state["email"] = "aws+" + account + "@example.com"
		state["name"] = account
		state["status"] = "ACTIVE"
		state["joinedMethod"] = "CREATED"
		state["joinedTimestamp"] = orgEpoch
		state["delegationEnabledDate"] = orgEpoch
		return nil
	})
	// GuardDuty's and Security Hub's delegated administrators are known
	// by the administrator's account id.
	for _, typ := range []string{orgTypeGuardDutyAdmin, orgTypeSecurityHubAdmin} {
		registerOutputs(typ, func(r *Resource, e env, state map[string]any) error {
			state["id"] = state["adminAccountId"]
			return nil
		})
	}
	registerOutputs(orgTypeGuardDutyOrgConfig, func(r *Resource, e env, state map[string]any) error {
		state["id"] = state["detectorId"]
		return nil
	})
	registerOutputs(orgTypeGuardDutyOrgFeature, func(r *Resource, e env, state map[string]any) error {
		state["id"] = fmt.Sprintf("%v/%v", state["detectorId"], state["name"])
		return nil
	})
	registerOutputs(orgTypeSecurityHubOrgConfig, func(r *Resource, e env, state map[string]any) error {
		// Security Hub keeps one organization configuration per
		// administrator account; the provider's id is the account.
		state["id"] = e.Account
		conf, _ := state["organizationConfiguration"].(map[string]any)
		if conf == nil {
			conf = map[string]any{"configurationType": "LOCAL"}
		}
		out := map[string]any{"status": "ENABLED"}
		for k, v := range conf {
			out[k] = v
		}
		state["organizationConfiguration"] = out
		return nil
	})
	registerOutputs(orgTypeSecurityHubPolicy, func(r *Resource, e env, state map[string]any) error {
		id := fmt.Sprintf("%s-%s-4%s-8%s-%s00000", shortHash("shp/"+r.URN)+"0", shortHash(r.Name)[:4], shortHash("a/" + r.URN)[:3], shortHash("b/" + r.URN)[:3], shortHash("c/"+r.URN))
		state["id"] = id
		state["arn"] = fmt.Sprintf("arn:%s:securityhub:%s:%s:configuration-policy/%s", e.Partition, e.Region, e.Account, id)
		return nil
	})
	registerOutputs(orgTypeSecurityHubAssociation, func(r *Resource, e env, state map[string]any) error {
		state["id"] = state["targetId"]
		return nil
	})
	registerOutputs(orgTypeAnalyzer, func(r *Resource, e env, state map[string]any) error {
		name, _ := state["analyzerName"].(string)
		if name == "" {
			name = physicalName(r)
			state["analyzerName"] = name
		}
		state["id"] = name
		state["arn"] = fmt.Sprintf("arn:%s:access-analyzer:%s:%s:analyzer/%s", e.Partition, e.Region, e.Account, name)
		return nil
	})
}

// The type tokens of the organization's resources and of what it
// delegates.
const (
	orgTypeOrganization           = "aws:organizations/organization:Organization"
	orgTypeUnit                   = "aws:organizations/organizationalUnit:OrganizationalUnit"
	orgTypeAccount                = "aws:organizations/account:Account"
	orgTypePolicy                 = "aws:organizations/policy:Policy"
	orgTypePolicyAttachment       = "aws:organizations/policyAttachment:PolicyAttachment"
	orgTypeDelegatedAdmin         = "aws:organizations/delegatedAdministrator:DelegatedAdministrator"
	orgTypeGuardDutyAdmin         = "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount"
	orgTypeGuardDutyOrgConfig     = "aws:guardduty/organizationConfiguration:OrganizationConfiguration"
	orgTypeGuardDutyOrgFeature    = "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature"
	orgTypeGuardDutyDetector      = "aws:guardduty/detector:Detector"
	orgTypeSecurityHubAdmin       = "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount"
	orgTypeSecurityHubOrgConfig   = "aws:securityhub/organizationConfiguration:OrganizationConfiguration"
	orgTypeSecurityHubPolicy      = "aws:securityhub/configurationPolicy:ConfigurationPolicy"
	orgTypeSecurityHubAssociation = "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation"
	orgTypeSecurityHubAggregator  = "aws:securityhub/findingAggregator:FindingAggregator"
	orgTypeSecurityHubAccount     = "aws:securityhub/account:Account"
	orgTypeConfigAggregator       = "aws:cfg/configurationAggregator:ConfigurationAggregator"
	orgTypeAnalyzer               = "aws:accessanalyzer/analyzer:Analyzer"
	orgTypeTrail                  = "aws:cloudtrail/trail:Trail"

	// orgSCP is the policy type of service control policies.
	orgSCP = "SERVICE_CONTROL_POLICY"
	// orgEpoch is the fixed moment the mocks date what AWS dates.
	orgEpoch = "2024-01-01T00:00:00Z"
)

// accountIDPattern is an AWS account id.
var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

// orgID is the id of the organization whose management account is
// management: "o-" and ten lowercase letters or digits.
func orgID(management string) string {
	return "o-" + (shortHash("organization/"+management) + shortHash("o/"+management))[:10]
}

// orgRootID is the id of that organization's root: "r-" and four.
func orgRootID(management string) string { return "r-" + shortHash("root/" + management)[:4] }

// orgARN is an Organizations ARN of kind in the organization managed from
// the environment's account: Organizations is global, its ARNs name the
// management account and no region.
func orgARN(e env, kind, rest string) string {
	return fmt.Sprintf("arn:%s:organizations::%s:%s/%s", e.Partition, e.Account, kind, rest)
}

// organizationOf is what AWS holds for the organization whose management
// account is the environment's account, given its inputs (featureSet,
// awsServiceAccessPrincipals, enabledPolicyTypes; nil for none known).
func organizationOf(e env, inputs map[string]any) map[string]any {
	id, root := orgID(e.Account), orgRootID(e.Account)
	featureSet, _ := inputs["featureSet"].(string)
	if featureSet == "" {
		featureSet = "ALL" // the provider's default
	}
	enabled := Strings(inputs["enabledPolicyTypes"])
	policyTypes := []any{}
	for _, t := range enabled {
		policyTypes = append(policyTypes, map[string]any{"status": "ENABLED", "type": t})
	}
	principals := []any{}
	for _, p := range Strings(inputs["awsServiceAccessPrincipals"]) {
		principals = append(principals, p)
	}
	types := []any{}
	for _, t := range enabled {
		types = append(types, t)
	}
	masterARN := orgARN(e, "account", id+"/"+e.Account)
	return map[string]any{
		"id":                         id,
		"arn":                        orgARN(e, "organization", id),
		"featureSet":                 featureSet,
		"awsServiceAccessPrincipals": principals,
		"enabledPolicyTypes":         types,
		"masterAccountId":            e.Account,
		"masterAccountArn":           masterARN,
		"masterAccountEmail":         "",
		"masterAccountName":          "",
		"roots": []any{map[string]any{
			"id": root, "arn": orgARN(e, "root", id+"/"+root), "name": "Root", "policyTypes": policyTypes,
		}},
		// The management account is an account of its organization.
		"accounts": []any{map[string]any{
			"id": e.Account, "arn": masterARN, "name": "", "email": "", "status": "ACTIVE", "state": "ACTIVE",
		}},
		"nonMasterAccounts": []any{},
	}
}
