package waf_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/waf"
	"github.com/refarch/refarch/offline"
)

const (
	deployRole = "arn:aws:iam::" + offline.UnitAccount + ":role/refarch-deploy"
	albARN     = "arn:aws:elasticloadbalancing:us-west-2:" + offline.UnitAccount + ":loadbalancer/app/web/0123456789abcdef"
)

func regionalArgs() *waf.WebFirewallArgs {
	return &waf.WebFirewallArgs{
		Scope:             waf.ScopeRegional,
		ResourceARNs:      []pulumi.StringInput{pulumi.String(albARN)},
		KeyAdministrators: []string{deployRole},
	}
}

func run(t *testing.T, args *waf.WebFirewallArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := waf.NewWebFirewall(ctx, "web", args, pulumi.Provider(p))
		return err
	})
}

func mustRun(t *testing.T, args *waf.WebFirewallArgs) *offline.Plan {
	t.Helper()
	p, err := run(t, args)
	require.NoError(t, err)
	return p
}

// ruleByName indexes the ACL's rules.
func ruleByName(t *testing.T, acl *offline.Resource) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range acl.List("rules") {
		m := r.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

func TestDefaultsBlockWithTheManagedGroupsAndARateLimit(t *testing.T) {
	p := mustRun(t, regionalArgs())
	acl := p.Require(t, waf.TypeWebACL, "web")
	assert.Equal(t, "REGIONAL", acl.String("scope"))
	assert.Equal(t, map[string]any{}, acl.Get("defaultAction.allow"), "allow unless a rule matches")
	assert.False(t, acl.Has("defaultAction.block"))
	assert.True(t, acl.Bool("visibilityConfig.cloudwatchMetricsEnabled"))

	rules := ruleByName(t, acl)
	assert.Len(t, rules, 4, "the rate rule and three managed groups")
	want := map[string]int{
		"rate-limit":                            10,
		"AWSManagedRulesAmazonIpReputationList": 20,
		"AWSManagedRulesCommonRuleSet":          30,
		"AWSManagedRulesKnownBadInputsRuleSet":  40,
	}
	for name, prio := range want {
		r, ok := rules[name]
		require.True(t, ok, name)
		assert.EqualValues(t, prio, r["priority"], name)
		vis := r["visibilityConfig"].(map[string]any)
		assert.Equal(t, true, vis["sampledRequestsEnabled"], name)
		assert.Equal(t, "web-"+name, vis["metricName"], name)
		if name == "rate-limit" {
			continue
		}
		group, _ := offline.Lookup(r, "statement.managedRuleGroupStatement")
		assert.Equal(t, map[string]any{"name": name, "vendorName": "AWS"}, group)
		assert.Equal(t, map[string]any{"none": map[string]any{}}, r["overrideAction"], "%s keeps the group's own block actions", name)
		assert.NotContains(t, r, "action", "a managed group takes an override action, not an action")
	}
	rate, _ := offline.Lookup(rules["rate-limit"], "statement.rateBasedStatement")
	assert.Equal(t, map[string]any{"limit": float64(2000), "aggregateKeyType": "IP", "evaluationWindowSec": float64(300)}, rate)
	assert.Equal(t, map[string]any{"block": map[string]any{}}, rules["rate-limit"]["action"])

	assoc := p.ByType(waf.TypeWebACLAssociation)
	require.Len(t, assoc, 1)
	assert.Equal(t, albARN, assoc[0].String("resourceArn"))
	assert.Equal(t, acl.Output("arn"), assoc[0].Get("webAclArn"))
}

// originHeader is the header a distribution in front of albARN adds.
func originHeader() *waf.OriginHeader {
	return &waf.OriginHeader{Name: "x-origin-verify", Value: pulumi.String("s3cr3t-value"), PathPrefixes: []string{"/api/"}}
}

// TestBehindCloudFrontTheRateRuleCountsOnlyDirectRequests: with the
// distribution's origin header, the per-address limit skips requests
// carrying it (their address is a CloudFront edge's), and the API paths
// are refused without it.
func TestBehindCloudFrontTheRateRuleCountsOnlyDirectRequests(t *testing.T) {
	args := regionalArgs()
	args.OriginHeader = originHeader()
	rules := ruleByName(t, mustRun(t, args).Require(t, waf.TypeWebACL, "web"))

	headerMatch := map[string]any{"byteMatchStatement": map[string]any{
		"fieldToMatch":         map[string]any{"singleHeader": map[string]any{"name": "x-origin-verify"}},
		"positionalConstraint": "EXACTLY",
		"searchString":         "s3cr3t-value",
		"textTransformations":  []any{map[string]any{"priority": float64(0), "type": "NONE"}},
	}}
	withoutHeader := map[string]any{"notStatement": map[string]any{"statements": []any{headerMatch}}}

	rate, _ := offline.Lookup(rules["rate-limit"], "statement.rateBasedStatement")
	assert.Equal(t, "IP", rate.(map[string]any)["aggregateKeyType"])
	assert.Equal(t, withoutHeader, rate.(map[string]any)["scopeDownStatement"], "only requests without the header count")

	origin, ok := rules["origin-header-only"]
	require.True(t, ok, "the rule guarding the distribution's paths")
	assert.EqualValues(t, 5, origin["priority"], "before every other rule")
	assert.Equal(t, map[string]any{"block": map[string]any{}}, origin["action"])
	all, _ := offline.Lookup(origin, "statement.andStatement.statements")
	require.Len(t, all, 2)
	path, _ := offline.Lookup(all.([]any)[0], "byteMatchStatement")
	assert.Equal(t, map[string]any{"uriPath": map[string]any{}}, path.(map[string]any)["fieldToMatch"])
	assert.Equal(t, "STARTS_WITH", path.(map[string]any)["positionalConstraint"])
	assert.Equal(t, "/api/", path.(map[string]any)["searchString"])
	var transforms []string
	for _, tt := range path.(map[string]any)["textTransformations"].([]any) {
		transforms = append(transforms, tt.(map[string]any)["type"].(string))
	}
	assert.Equal(t, []string{"URL_DECODE", "NORMALIZE_PATH", "LOWERCASE"}, transforms, "encoded or doubled spellings of the path are caught")
	assert.Equal(t, withoutHeader, all.([]any)[1])

	// Without the header (the default), nothing changes.
	plain := ruleByName(t, mustRun(t, regionalArgs()).Require(t, waf.TypeWebACL, "web"))
	assert.NotContains(t, plain, "origin-header-only")
	_, scoped := offline.Lookup(plain["rate-limit"], "statement.rateBasedStatement.scopeDownStatement")
	assert.False(t, scoped, "a firewall not behind CloudFront counts every request")
}

func TestOriginHeaderGuardsEveryPathPrefix(t *testing.T) {
	args := regionalArgs()
	args.OriginHeader = originHeader()
	args.OriginHeader.PathPrefixes = []string{"/api/", "/admin/"}
	rules := ruleByName(t, mustRun(t, args).Require(t, waf.TypeWebACL, "web"))
	anyOf, ok := offline.Lookup(rules["origin-header-only"], "statement.andStatement.statements[0].orStatement.statements")
	require.True(t, ok, "several prefixes: any of them")
	var prefixes []any
	for _, st := range anyOf.([]any) {
		v, _ := offline.Lookup(st, "byteMatchStatement.searchString")
		prefixes = append(prefixes, v)
	}
	assert.Equal(t, []any{"/api/", "/admin/"}, prefixes)
}

func TestCountModeCountsEverything(t *testing.T) {
	args := regionalArgs()
	args.Mode = waf.ModeCount
	rules := ruleByName(t, mustRun(t, args).Require(t, waf.TypeWebACL, "web"))
	for name, r := range rules {
		if name == "rate-limit" {
			assert.Equal(t, map[string]any{"count": map[string]any{}}, r["action"])
			continue
		}
		assert.Equal(t, map[string]any{"count": map[string]any{}}, r["overrideAction"], name)
	}
}

func TestAPIGroupsAddSQLInjectionAtItsOwnPriority(t *testing.T) {
	args := regionalArgs()
	args.RuleGroups = waf.APIRuleGroups
	rules := ruleByName(t, mustRun(t, args).Require(t, waf.TypeWebACL, "web"))
	require.Contains(t, rules, "AWSManagedRulesSQLiRuleSet")
	assert.EqualValues(t, 50, rules["AWSManagedRulesSQLiRuleSet"]["priority"])
	assert.EqualValues(t, 30, rules["AWSManagedRulesCommonRuleSet"]["priority"], "adding a group renumbers no other")
}

func TestLogsGoToAnEncryptedAwsWafLogsGroupWithCredentialsRedacted(t *testing.T) {
	args := regionalArgs()
	args.LogRetentionDays = 90
	args.Protect = true
	p := mustRun(t, args)
	acl := p.Require(t, waf.TypeWebACL, "web")
	group := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "web")
	assert.Equal(t, "aws-waf-logs-web", group.String("name"), "WAF writes only to groups named aws-waf-logs-*")
	assert.Equal(t, 90, group.Int("retentionInDays"))
	key := p.Require(t, "aws:kms/key:Key", "web-logs")
	assert.Equal(t, key.Output("arn"), group.Get("kmsKeyId"))
	assert.True(t, key.Bool("enableKeyRotation"))
	st := key.Statements(t, "policy")["CloudWatchLogsOfThisAccount"]
	require.NotNil(t, st)
	cond, _ := offline.Lookup(st, "Condition.ArnLike.kms:EncryptionContext:aws:logs:arn")
	assert.Equal(t, []any{"arn:aws:logs:us-west-2:" + offline.UnitAccount + ":log-group:aws-waf-logs-web"}, cond, "the key serves that group only")
	for _, r := range []*offline.Resource{group, key} {
		assert.True(t, r.Protect, r.Name)
	}

	logging := p.Require(t, waf.TypeWebACLLoggingConfig, "web")
	assert.Equal(t, acl.Output("arn"), logging.Get("resourceArn"))
	assert.Equal(t, []any{group.Output("arn")}, logging.List("logDestinationConfigs"))
	assert.Equal(t, []any{
		map[string]any{"singleHeader": map[string]any{"name": "authorization"}},
		map[string]any{"singleHeader": map[string]any{"name": "cookie"}},
	}, logging.List("redactedFields"))
}

func TestCloudFrontFirewallHasNoAssociation(t *testing.T) {
	args := regionalArgs()
	args.Scope = waf.ScopeCloudFront
	args.ResourceARNs = nil
	p, err := offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		east, err := aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{Region: pulumi.String("us-east-1")})
		if err != nil {
			return err
		}
		_, err = waf.NewWebFirewall(ctx, "web", args, pulumi.Provider(east))
		return err
	})
	require.NoError(t, err)
	acl := p.Require(t, waf.TypeWebACL, "web")
	assert.Equal(t, "CLOUDFRONT", acl.String("scope"))
	assert.Contains(t, acl.Output("arn"), ":wafv2:us-east-1:")
	assert.Empty(t, p.ByType(waf.TypeWebACLAssociation), "a distribution names its ACL itself")
}

func TestEveryResourceIsAChildOfTheComponent(t *testing.T) {
	p := mustRun(t, regionalArgs())
	comp := p.Require(t, "refarch:waf:WebFirewall", "web")
	for _, r := range p.Resources {
		if r.Custom && r.Type != "pulumi:providers:aws" {
			assert.Equal(t, comp.URN, r.Parent, "%s %s", r.Type, r.Name)
		}
	}
}

func TestBadArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(a *waf.WebFirewallArgs)
		field, rule string
	}{
		{"no scope", func(a *waf.WebFirewallArgs) { a.Scope = "" }, "Args.Scope", "REGIONAL or CLOUDFRONT"},
		{"unknown mode", func(a *waf.WebFirewallArgs) { a.Mode = "monitor" }, "Args.Mode", "block or count"},
		{"rate limit below AWS's minimum", func(a *waf.WebFirewallArgs) { a.RateLimit = 9 }, "Args.RateLimit", "between 10 and 2000000000"},
		{"rate limit above AWS's maximum", func(a *waf.WebFirewallArgs) { a.RateLimit = 2_000_000_001 }, "Args.RateLimit", "between 10"},
		{"unknown group", func(a *waf.WebFirewallArgs) { a.RuleGroups = []string{"AWSManagedRulesLinuxRuleSet"} }, "Args.RuleGroups[0]", "one of"},
		{"group twice", func(a *waf.WebFirewallArgs) {
			a.RuleGroups = []string{waf.RulesCommon, waf.RulesCommon}
		}, "Args.RuleGroups[1]", "twice"},
		{"no groups", func(a *waf.WebFirewallArgs) { a.RuleGroups = []string{} }, "Args.RuleGroups", "at least one"},
		{"associating a distribution", func(a *waf.WebFirewallArgs) { a.Scope = waf.ScopeCloudFront }, "Args.ResourceARNs", "distribution names"},
		{"no key administrator", func(a *waf.WebFirewallArgs) { a.KeyAdministrators = nil }, "Args.KeyAdministrators", "at least one"},
		{"retention CloudWatch refuses", func(a *waf.WebFirewallArgs) { a.LogRetentionDays = 45 }, "Args.LogRetentionDays", "CloudWatch"},
		{"upper-case header", func(a *waf.WebFirewallArgs) { a.RedactedHeaders = []string{"Authorization"} }, "Args.RedactedHeaders[0]", "lower-case"},
		{"origin header on a CloudFront ACL", func(a *waf.WebFirewallArgs) {
			a.Scope, a.ResourceARNs, a.OriginHeader = waf.ScopeCloudFront, nil, originHeader()
		}, "Args.OriginHeader", "only for a regional ACL"},
		{"upper-case origin header", func(a *waf.WebFirewallArgs) {
			a.OriginHeader = originHeader()
			a.OriginHeader.Name = "X-Origin-Verify"
		}, "Args.OriginHeader.Name", "lower-case HTTP header name"},
		{"origin header without a value", func(a *waf.WebFirewallArgs) {
			a.OriginHeader = originHeader()
			a.OriginHeader.Value = nil
		}, "Args.OriginHeader.Value", "required"},
		{"origin header guarding nothing", func(a *waf.WebFirewallArgs) {
			a.OriginHeader = originHeader()
			a.OriginHeader.PathPrefixes = nil
		}, "Args.OriginHeader.PathPrefixes", "must list"},
		{"origin path with a wildcard", func(a *waf.WebFirewallArgs) {
			a.OriginHeader = originHeader()
			a.OriginHeader.PathPrefixes = []string{"/api/*"}
		}, "Args.OriginHeader.PathPrefixes[0]", "without wildcards"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := regionalArgs()
			tc.edit(args)
			p, err := run(t, args)
			offline.RequireRefused(t, p, err, "refarch:waf:WebFirewall", tc.field, tc.rule)
		})
	}
}
