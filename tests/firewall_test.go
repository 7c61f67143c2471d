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
		if rule["name"] == "origin-header-only" {
			continue // TestTheAPIBehindTheCDNIsReachedOnlyThroughIt
		}
		rs, ok := offline.Lookup(rule, "statement.rateBasedStatement")
		require.True(t, ok, "a rule is a managed group, the rate rule or the origin header's: %v", rule["name"])
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

// ruleNamed returns the web ACL's rule of that name, or nil.
func ruleNamed(acl *offline.Resource, name string) map[string]any {
	for _, r := range acl.List("rules") {
		if rule := r.(map[string]any); rule["name"] == name {
			return rule
		}
	}
	return nil
}

// TestTheAPIBehindTheCDNIsReachedOnlyThroughIt: where CloudFront forwards
// /api/* to the public load balancer (stage, prod), the distribution adds
// a secret header kept in an SSM SecureString, and the load balancer's
// ACL admits /api/ only with it and counts per address only the requests
// without it (CloudFront's come from its edge servers). dev has no API
// behind the CDN and none of it.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html
func TestTheAPIBehindTheCDNIsReachedOnlyThroughIt(t *testing.T) {
	for _, name := range stack.NamesOf(stack.RoleApp) {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			regional := p.Find("aws:wafv2/webAcl:WebAcl", "refarch-"+name+"-public")
			require.NotNil(t, regional)
			dists := p.ByType("aws:cloudfront/distribution:Distribution")
			require.Len(t, dists, 1)
			dist := dists[0]
			params := p.ByType("aws:ssm/parameter:Parameter")
			rate, ok := offline.Lookup(ruleNamed(regional, "rate-limit"), "statement.rateBasedStatement")
			require.True(t, ok)
			if name == "dev" {
				assert.Empty(t, params, "no API behind dev's CDN: no header")
				assert.Nil(t, ruleNamed(regional, "origin-header-only"))
				assert.NotContains(t, rate, "scopeDownStatement")
				assert.Len(t, dist.List("origins"), 1)
				return
			}

			// The value: generated once, kept encrypted with the secrets key.
			require.Len(t, params, 1)
			param := params[0]
			assert.Equal(t, "/refarch/"+name+"/cdn-origin-header", param.String("name"))
			assert.Equal(t, "SecureString", param.String("type"))
			key := p.Require(t, "aws:kms/key:Key", "refarch-"+name+"-secrets")
			assert.Equal(t, key.Output("arn"), param.Get("keyId"), "the account's secrets key")
			assert.Contains(t, param.Secrets, "value", "the value is a secret")
			assert.Equal(t, []string{"value"}, param.IgnoreChanges, "generated once: later runs keep the stored value")
			value := param.Output("value")
			require.NotEmpty(t, value)

			// The distribution adds it to the API origin's requests only.
			var api map[string]any
			for _, o := range dist.List("origins") {
				if o.(map[string]any)["originId"] == "api" {
					api = o.(map[string]any)
				} else {
					assert.NotContains(t, o.(map[string]any), "customHeaders", "the bucket's requests do not carry it")
				}
			}
			require.NotNil(t, api)
			assert.Equal(t, []any{map[string]any{"name": "x-origin-verify", "value": value}}, api["customHeaders"])

			// The ACL reads the same value.
			withoutHeader := map[string]any{"notStatement": map[string]any{"statements": []any{map[string]any{"byteMatchStatement": map[string]any{
				"fieldToMatch":         map[string]any{"singleHeader": map[string]any{"name": "x-origin-verify"}},
				"positionalConstraint": "EXACTLY",
				"searchString":         value,
				"textTransformations":  []any{map[string]any{"priority": float64(0), "type": "NONE"}},
			}}}}}
			assert.Equal(t, "IP", rate.(map[string]any)["aggregateKeyType"])
			assert.Equal(t, withoutHeader, rate.(map[string]any)["scopeDownStatement"], "only direct requests are limited per address")
			only := ruleNamed(regional, "origin-header-only")
			require.NotNil(t, only, "the API only through the CDN")
			assert.Equal(t, map[string]any{"block": map[string]any{}}, only["action"])
			path, _ := offline.Lookup(only, "statement.andStatement.statements[0].byteMatchStatement.searchString")
			pattern, _ := offline.Lookup(dist.List("orderedCacheBehaviors")[0], "pathPattern")
			assert.Equal(t, strings.TrimSuffix(pattern.(string), "*"), path, "the paths the CDN sends to the load balancer")
			other, _ := offline.Lookup(only, "statement.andStatement.statements[1]")
			assert.Equal(t, withoutHeader, other)

			// The CDN's own ACL still limits every viewer by address.
			edgeRate, _ := offline.Lookup(ruleNamed(p.Find("aws:wafv2/webAcl:WebAcl", "refarch-"+name+"-edge"), "rate-limit"), "statement.rateBasedStatement")
			assert.NotContains(t, edgeRate, "scopeDownStatement")
		})
	}
}

// TestTheHeaderFollowsTheAPIOrigin: turning refarch:edgeApiOrigin on in a
// stack (dev) gives both the distribution and the load balancer's ACL the
// header, from the one parameter.
func TestTheHeaderFollowsTheAPIOrigin(t *testing.T) {
	p, err := planWith(t, "dev", map[string]string{"refarch:edgeApiOrigin": "true"})
	require.NoError(t, err)
	params := p.ByType("aws:ssm/parameter:Parameter")
	require.Len(t, params, 1)
	value := params[0].Output("value")
	dist := p.ByType("aws:cloudfront/distribution:Distribution")[0]
	assert.Equal(t, value, dist.Get("origins[1].customHeaders[0].value"))
	regional := p.Find("aws:wafv2/webAcl:WebAcl", "refarch-dev-public")
	got, _ := offline.Lookup(ruleNamed(regional, "rate-limit"), "statement.rateBasedStatement.scopeDownStatement.notStatement.statements[0].byteMatchStatement.searchString")
	assert.Equal(t, value, got)
	assert.Equal(t, map[string]any{"count": map[string]any{}}, ruleNamed(regional, "origin-header-only")["action"], "dev's ACL only counts")
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
