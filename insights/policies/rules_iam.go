package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// IAM rules: CIS AWS Foundations Benchmark v3.0.0 section 1 and FSBP IAM
// controls (https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html).

const (
	typeIAMPolicy        = "aws:iam/policy:Policy"
	typeRolePolicy       = "aws:iam/rolePolicy:RolePolicy"
	typeGroupPolicy      = "aws:iam/groupPolicy:GroupPolicy"
	typeUserPolicy       = "aws:iam/userPolicy:UserPolicy"
	typeUserPolicyAttach = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
	typePolicyAttachment = "aws:iam/policyAttachment:PolicyAttachment"
	typeRole             = "aws:iam/role:Role"
	typeUser             = "aws:iam/user:User"
	typeUserGroups       = "aws:iam/userGroupMembership:UserGroupMembership"
	typeAccessKey        = "aws:iam/accessKey:AccessKey"
	typePasswordPolicy   = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
	typeAccessAnalyzer   = "aws:accessanalyzer/analyzer:Analyzer"
	typeRoleAttachment   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
)

// identityPolicies are the resources holding an identity-based policy in
// their `policy` input.
var identityPolicies = []string{typeIAMPolicy, typeRolePolicy, typeGroupPolicy, typeUserPolicy}

const mfaKey = "aws:MultiFactorAuthPresent"

var iamRules = []*Rule{
	{
		ID: "iam-no-full-admin-policies", Area: IAM, Severity: Critical,
		Title:    `No policy the stack writes allows "*" on "*"`,
		Controls: []string{"CIS 1.16", "FSBP IAM.1"},
		Reason:   "administrator rights come from the AWS managed AdministratorAccess policy on named roles, never a custom policy",
		Check: func(c *Checker) {
			c.Each(byStatement("policy", func(st statement) string {
				return unless(st.effect() != "Allow" || !st.hasAction("*") || !slices.Contains(st.resources(), "*"),
					fmt.Sprintf("statement %v allows * on *", st["Sid"]))
			}), identityPolicies...)
		},
	},
	{
		ID: "iam-no-wildcard-service-actions", Area: IAM, Severity: Medium,
		Title:    `Customer managed policies grant named actions, never "service:*"`,
		Controls: []string{"FSBP IAM.21"},
		Reason:   "least privilege: a wildcard grants every future action of the service",
		Check: func(c *Checker) {
			c.Each(byStatement("policy", func(st statement) string {
				for _, a := range st.actions() {
					if st.effect() == "Allow" && strings.HasSuffix(a, ":*") {
						return fmt.Sprintf("statement %v allows %s", st["Sid"], a)
					}
				}
				return ""
			}), typeIAMPolicy)
		},
	},
	{
		ID: "iam-users-permissions-through-groups", Area: IAM, Severity: Medium,
		Title:    "IAM users get permissions only through groups: no user policies, every user in a group",
		Controls: []string{"CIS 1.15", "FSBP IAM.2"},
		Reason:   "permissions managed per group are reviewed once, not per person",
		Check: func(c *Checker) {
			for _, r := range c.Stack.ByType(typeUserPolicy, typeUserPolicyAttach) {
				c.Judge(r, "a policy attached to a user")
			}
			for _, r := range c.Stack.ByType(typePolicyAttachment) {
				msg := ""
				if len(r.List("users")) > 0 {
					msg = "a policy attached to users"
				}
				c.Judge(r, msg)
			}
			for _, u := range c.Stack.ByType(typeUser) {
				msg := "the user is in no group"
				for _, m := range c.Stack.ByType(typeUserGroups) {
					if (m.Get("user") == u.String("name") || !known(m.Get("user"))) && len(m.List("groups")) > 0 {
						msg = ""
					}
				}
				c.Judge(u, msg)
			}
		},
	},
	{
		ID: "iam-no-access-keys-for-users", Area: IAM, Severity: High,
		Title:    "The stack creates no access keys for IAM users",
		Controls: []string{"CIS 1.11"},
		Reason:   "people sign in with passwords and MFA and assume roles; a key in state is a long-lived credential in a file",
		Check: func(c *Checker) {
			for _, u := range c.Stack.ByType(typeUser) {
				msg := ""
				for _, k := range c.Stack.ByType(typeAccessKey) {
					if v := k.Get("user"); v == u.String("name") || !known(v) {
						msg = "an access key is created for the user"
					}
				}
				c.Judge(u, msg)
			}
			for _, k := range c.Stack.ByType(typeAccessKey) {
				c.Judge(k, "an IAM access key")
			}
		},
	},
	{
		ID: "iam-password-length", Area: IAM, Severity: Medium,
		Title:    "The account password policy requires at least 14 characters",
		Controls: []string{"CIS 1.8", "FSBP IAM.15"},
		Reason:   "the benchmark's minimum",
		Check: func(c *Checker) {
			c.Require(typePasswordPolicy, func(r *offline.Resource) bool { return r.Int("minimumPasswordLength") >= 14 },
				"no account password policy requires 14 characters")
		},
	},
	{
		ID: "iam-password-reuse", Area: IAM, Severity: Low,
		Title:    "The account password policy prevents reusing the last 24 passwords",
		Controls: []string{"CIS 1.9", "FSBP IAM.16"},
		Reason:   "the benchmark's value",
		Check: func(c *Checker) {
			c.Require(typePasswordPolicy, func(r *offline.Resource) bool { return r.Int("passwordReusePrevention") >= 24 },
				"no account password policy prevents reuse of the last 24 passwords")
		},
	},
	{
		ID: "iam-password-complexity", Area: IAM, Severity: Medium,
		Title:    "The account password policy requires upper and lower case letters, numbers and symbols",
		Controls: []string{"FSBP IAM.7"},
		Reason:   "IAM.7's default parameters",
		Check: func(c *Checker) {
			c.Require(typePasswordPolicy, func(r *offline.Resource) bool {
				return r.Bool("requireUppercaseCharacters") && r.Bool("requireLowercaseCharacters") &&
					r.Bool("requireNumbers") && r.Bool("requireSymbols")
			}, "no account password policy requires all four character classes")
		},
	},
	{
		ID: "iam-groups-require-mfa", Area: IAM, Severity: Critical,
		Title:    "Every group's permissions need MFA: each Allow carries aws:MultiFactorAuthPresent, or the policy denies everything else without MFA",
		Controls: []string{"CIS 1.10", "FSBP IAM.5"},
		Reason:   "a stolen password alone opens nothing but the MFA setup itself",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				sts, ok := statements(r, "policy")
				if !ok {
					return ""
				}
				for _, st := range sts {
					if st.effect() == "Deny" && slices.Contains(st.condition("BoolIfExists", mfaKey), "false") {
						return ""
					}
				}
				for _, st := range sts {
					if st.effect() == "Allow" && !slices.Contains(st.condition("Bool", mfaKey), "true") {
						return fmt.Sprintf("statement %v allows without MFA and nothing denies the rest without it", st["Sid"])
					}
				}
				return ""
			}, typeGroupPolicy)
		},
	},
	{
		ID: "iam-role-trust-scoped", Area: IAM, Severity: Critical,
		Title:    "No role trusts everyone, and a role trusting a whole account requires MFA or names the principal",
		Controls: []string{"refarch"},
		Reason: "a trust of account root lets every principal of that account with sts:AssumeRole in; " +
			"people come with MFA, roles are named (aws:PrincipalArn) " +
			"(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)",
		Check: func(c *Checker) {
			c.Each(byStatement("assumeRolePolicy", func(st statement) string {
				if st.effect() != "Allow" {
					return ""
				}
				if st.allowsEveryone() {
					return fmt.Sprintf("statement %v trusts everyone", st["Sid"])
				}
				named := len(st.condition("ArnEquals", "aws:PrincipalArn")) + len(st.condition("ArnLike", "aws:PrincipalArn")) +
					len(st.condition("StringEquals", "aws:PrincipalArn"))
				for _, p := range st.principals() {
					if strings.HasSuffix(p, ":root") && !slices.Contains(st.condition("Bool", mfaKey), "true") && named == 0 {
						return fmt.Sprintf("statement %v trusts %s without MFA or a named principal", st["Sid"], p)
					}
				}
				return ""
			}), typeRole)
		},
	},
	{
		ID: "iam-access-analyzer", Area: IAM, Severity: Medium,
		Title:    "IAM Access Analyzer watches the account",
		Controls: []string{"CIS 1.20", "FSBP IAM.28"},
		Reason:   "it reports every resource shared outside the account",
		Check: func(c *Checker) {
			c.Require(typeAccessAnalyzer, nil, "no IAM Access Analyzer in this account")
		},
	},
}
