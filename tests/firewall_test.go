package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// aclGroups returns the managed rule groups of a web ACL and the action
// of its rules: "none" (the groups' own blocks) or "count".
func aclGroups(t *testing.T, acl *offline.Resource) (groups []string, overrides map[string]bool, rate map[string]any) {
	t.Helper()
	overrides = map[string]bool{}
	for _, r := range acl.List("rules") {
		rule := r.(map[string]any)
		if g, ok := offline.Lookup(rule, "statement.managedRuleGroupStatement.name"); ok {
			groups = append(groups, g.(string))
			for k := range rule["overrideAction"].(map[string]any) {
				overrides[k] = true
			}
			continue
		}
		rs, ok := offline.Lookup(rule, "statement.rateBasedStatement")
		require.True(t, ok, "a rule is a managed group or the rate rule: %v", rule["name"])
		rate = rs.(map[string]any)
		for k := range rule["action"].(map[string]any) {
			overrides["rate:"+k] = true
		}
	}
	return groups, overrides, rate
}

func TestEveryPublicEntryPointIsBehindOneWebACL(t *testing.T) {
	mode := map[string]string{"dev": "count", "stage": "none", "prod": "none"}
	for _, name := range stack.NamesOf(stack.RoleApp) {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			alb := p.Find("aws:lb/loadBalancer:LoadBalancer", name+"-public")
			require.NotNil(t, alb, "the public load balancer")
			acls := map[string]*offline.Resource{}
			for _, acl := range p.ByType("aws:wafv2/webAcl:WebAcl") {
				acls[acl.String("scope")] = acl
			}
			require.Len(t, acls, 2, "one regional and one CloudFront ACL")

			// The public load balancer: exactly one association, with the
			// API's groups (SQL injection included).
			regional := acls["REGIONAL"]
			var assoc []*offline.Resource
			for _, a := range p.ByType("aws:wafv2/webAclAssociation:WebAclAssociation") {
				if a.Get("resourceArn") == alb.Output("arn") {
					assoc = append(assoc, a)
				}
			}
			require.Len(t, assoc, 1, "the public load balancer has one web ACL")
			assert.Equal(t, regional.Output("arn"), assoc[0].Get("webAclArn"))
			groups, actions, rate := aclGroups(t, regional)
			assert.ElementsMatch(t, []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"}, groups)
			assert.Equal(t, map[string]bool{mode[name]: true, "rate:" + map[string]string{"count": "count", "none": "block"}[mode[name]]: true}, actions)
			assert.Equal(t, float64(2000), rate["limit"])
			assert.Equal(t, "IP", rate["aggregateKeyType"])

			// The distribution names the CloudFront ACL, created in us-east-1.
			edge := acls["CLOUDFRONT"]
			assert.Equal(t, "us-east-1", p.ProviderOf(edge).String("region"))
			dists := p.ByType("aws:cloudfront/distribution:Distribution")
			require.Len(t, dists, 1)
			assert.Equal(t, edge.Output("arn"), dists[0].Get("webAclId"))
			groups, actions, _ = aclGroups(t, edge)
			assert.ElementsMatch(t, []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}, groups)
			assert.True(t, actions[mode[name]], "%s mode", mode[name])

			// Each ACL logs to an encrypted aws-waf-logs-* group.
			logging := p.ByType("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
			require.Len(t, logging, 2)
			for _, l := range logging {
				dest := l.Strings("logDestinationConfigs")
				require.Len(t, dest, 1)
				var group *offline.Resource
				for _, g := range p.ByType("aws:cloudwatch/logGroup:LogGroup") {
					if g.Output("arn") == dest[0] {
						group = g
					}
				}
				require.NotNil(t, group, "%s logs to a group of the stack", l.Name)
				assert.True(t, strings.HasPrefix(group.String("name"), "aws-waf-logs-"), group.String("name"))
				assert.NotEmpty(t, group.String("kmsKeyId"), "%s is encrypted", group.Name)
				assert.Equal(t, map[string]int{"dev": 30, "stage": 90, "prod": 365}[name], group.Int("retentionInDays"))
				assert.Equal(t, name != "dev", group.Protect, "protected where refarch:deletionProtection is on (stage, prod)")
			}
		})
	}
	for _, name := range []string{"security", "shared-services"} {
		assert.Empty(t, plan(t, name).ByType("aws:wafv2/webAcl:WebAcl"), "%s has no public entry point", name)
	}
}

func TestFirewallConfigRejectsBadValues(t *testing.T) {
	cases := []struct {
		name, stack string
		set         map[string]string
		key, rule   string
	}{
		{"unknown mode", "stage", map[string]string{"refarch:wafMode": "monitor"}, "refarch:wafMode", "block or count"},
		{"count in prod", "prod", map[string]string{"refarch:wafMode": "count"}, "refarch:wafMode", "block in prod"},
		{"rate below AWS's minimum", "dev", map[string]string{"refarch:wafRateLimit": "9"}, "refarch:wafRateLimit", "between 10 and 2000000000"},
		{"rate above AWS's maximum", "prod", map[string]string{"refarch:wafRateLimit": "2000000001"}, "refarch:wafRateLimit", "between 10 and 2000000000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, tc.set, tc.key, tc.rule)
		})
	}
}
