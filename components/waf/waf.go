// Package waf provides WebFirewall, an AWS WAF web ACL in front of a public
// entry point (a load balancer, or a CloudFront distribution), with AWS
// managed rule groups, a per-address rate limit and encrypted logs. Behind
// a CloudFront distribution, a regional ACL takes the distribution's
// secret origin header (OriginHeader): it rate-limits only the requests
// that come without it, and admits the distribution's paths only with it.
//
// It registers the provider's wafv2 resources by their type tokens
// (schema.go) instead of importing the pulumi-aws wafv2 Go package, whose
// compilation alone needs tens of gigabytes of memory.
package waf

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength keeps the longest name derived from the component's, the
// metric "<name>-AWSManagedRulesKnownBadInputsRuleSet", within CloudWatch
// metric names' 128 characters, with room to spare.
const MaxNameLength = 64

// LogGroupPrefix is the prefix WAF requires of a CloudWatch Logs
// destination. Source: https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
const LogGroupPrefix = "aws-waf-logs-"

// rateRuleName is the name (and priority key) of the rate-based rule;
// originRuleName of the rule admitting OriginHeader's paths only with the
// header.
const (
	rateRuleName   = "rate-limit"
	originRuleName = "origin-header-only"
)

// WebFirewall is a WAFv2 web ACL:
//   - default action allow; the managed rule groups of Args.RuleGroups
//     (default: IP reputation, common rule set, known bad inputs), each at
//     a fixed priority, applied as AWS wrote them (ModeBlock) or counted
//     only (ModeCount);
//   - a rate-based rule blocking (or counting) an address above
//     Args.RateLimit requests in five minutes;
//   - with Args.OriginHeader (a regional ACL behind a CloudFront
//     distribution), the rate rule scoped down to requests without the
//     distribution's secret header (those through CloudFront come from
//     an edge server's address, shared by all its viewers, and are
//     limited per viewer by the distribution's own ACL), and a rule
//     blocking (or counting) requests to the header's paths that come
//     without it, so those paths are reached only through the CDN;
//   - CloudWatch metrics and sampled requests for the ACL and every rule;
//   - every request logged to the log group aws-waf-logs-<name>, encrypted
//     with a key of its own, with the authorization and cookie headers
//     redacted;
//   - one association per regional resource of Args.ResourceARNs; a
//     distribution names WebACLARN itself.
//
// Create a ScopeCloudFront firewall with a us-east-1 provider: CloudFront
// ACLs, and the log groups they write to, live there.
type WebFirewall struct {
	pulumi.ResourceState

	// WebACLARN is the web ACL (a distribution's web ACL id is this ARN).
	WebACLARN pulumi.StringOutput `pulumi:"webAclArn"`
	// LogGroupName is the log group receiving every request's record.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`
}

// NewWebFirewall creates the web ACL, its logging and its associations. It
// validates args before registering anything.
func NewWebFirewall(ctx *pulumi.Context, name string, args *WebFirewallArgs, opts ...pulumi.ResourceOption) (*WebFirewall, error) {
	if args == nil {
		args = &WebFirewallArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("web firewall arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("web firewall %q: %w", name, err)
	}
	c := &WebFirewall{}
	if err := ctx.RegisterComponentResource("refarch:waf:WebFirewall", name, c, opts...); err != nil {
		return nil, fmt.Errorf("web firewall %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("web firewall %q: %w", name, err)
	}

	var acl webACLState
	if err := ctx.RegisterResource(TypeWebACL, name, webACL(name, a), &acl, child); err != nil {
		return nil, fmt.Errorf("web firewall %q: web ACL: %w", name, err)
	}
	for i, arn := range a.ResourceARNs {
		var assoc plainState
		if err := ctx.RegisterResource(TypeWebACLAssociation, fmt.Sprintf("%s-%d", name, i),
			webACLAssociationInputs{ResourceArn: arn, WebAclArn: acl.Arn}, &assoc, child); err != nil {
			return nil, fmt.Errorf("web firewall %q: association %d: %w", name, i, err)
		}
	}
	group, err := logs(ctx, name, a, env, child)
	if err != nil {
		return nil, fmt.Errorf("web firewall %q: logs: %w", name, err)
	}
	fields := make([]redactedField, len(a.RedactedHeaders))
	for i, h := range a.RedactedHeaders {
		fields[i] = redactedField{SingleHeader: &singleHeader{Name: h}}
	}
	var logging plainState
	if err := ctx.RegisterResource(TypeWebACLLoggingConfig, name, loggingConfigInputs{
		ResourceArn:           acl.Arn,
		LogDestinationConfigs: pulumi.StringArray{group.Arn},
		RedactedFields:        fields,
	}, &logging, child); err != nil {
		return nil, fmt.Errorf("web firewall %q: logging configuration: %w", name, err)
	}

	c.WebACLARN = acl.Arn
	c.LogGroupName = group.Name
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"webAclArn":    c.WebACLARN,
		"logGroupName": c.LogGroupName,
	})
}

// webACL renders the ACL's inputs: the rate rule, then the managed groups.
func webACL(name string, a WebFirewallArgs) webACLInputs {
	visibility := func(metric string) visibilityConfig {
		return visibilityConfig{CloudwatchMetricsEnabled: true, MetricName: metric, SampledRequestsEnabled: true}
	}
	rate := &ruleAction{Block: &empty{}}
	override := &overrideAction{None: &empty{}}
	if a.Mode == ModeCount {
		rate = &ruleAction{Count: &empty{}}
		override = &overrideAction{Count: &empty{}}
	}
	limit := &rateBasedStatement{Limit: a.RateLimit, AggregateKeyType: "IP", EvaluationWindowSec: RateWindowSeconds}
	var rules []rule
	if h := a.OriginHeader; h != nil {
		withoutHeader := statement{NotStatement: &logicalStatement{Statements: []statement{headerMatch(h)}}}
		// Requests through the distribution come from its edge servers:
		// counted per address, all the viewers of one edge would share one
		// limit. The distribution's own ACL limits them per viewer.
		// Source: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html
		limit.ScopeDownStatement = &withoutHeader
		guarded := make([]statement, len(h.PathPrefixes))
		for i, prefix := range h.PathPrefixes {
			guarded[i] = pathStartsWith(prefix)
		}
		paths := guarded[0]
		if len(guarded) > 1 {
			paths = statement{OrStatement: &logicalStatement{Statements: guarded}}
		}
		rules = append(rules, rule{
			Name:             originRuleName,
			Priority:         rulePriorities[originRuleName],
			Action:           rate,
			Statement:        statement{AndStatement: &logicalStatement{Statements: []statement{paths, withoutHeader}}},
			VisibilityConfig: visibility(name + "-" + originRuleName),
		})
	}
	rules = append(rules, rule{
		Name:             rateRuleName,
		Priority:         rulePriorities[rateRuleName],
		Action:           rate,
		Statement:        statement{RateBasedStatement: limit},
		VisibilityConfig: visibility(name + "-" + rateRuleName),
	})
	for _, g := range a.RuleGroups {
		rules = append(rules, rule{
			Name:             g,
			Priority:         rulePriorities[g],
			OverrideAction:   override,
			Statement:        statement{ManagedRuleGroupStatement: &managedRuleGroupStatement{Name: g, VendorName: "AWS"}},
			VisibilityConfig: visibility(name + "-" + g),
		})
	}
	return webACLInputs{
		Name:             name,
		Description:      fmt.Sprintf("%s: AWS managed rules and a rate limit (%s mode)", name, a.Mode),
		Scope:            a.Scope,
		DefaultAction:    defaultAction{Allow: &empty{}},
		Rules:            rules,
		VisibilityConfig: visibility(name),
	}
}

// headerMatch matches requests carrying the origin header with its exact
// value (no transformation: the secret is compared as sent).
func headerMatch(h *OriginHeader) statement {
	return statement{ByteMatchStatement: &byteMatchStatement{
		FieldToMatch:         fieldToMatch{SingleHeader: &singleHeader{Name: h.Name}},
		PositionalConstraint: "EXACTLY",
		SearchString:         h.Value,
		TextTransformations:  []textTransformation{{Priority: 0, Type: "NONE"}},
	}}
}

// pathStartsWith matches requests whose path starts with prefix once
// decoded, normalized and lower-cased, so that an encoded, doubled-slash or
// upper-case spelling of a guarded path is guarded too.
// Source: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html
func pathStartsWith(prefix string) statement {
	return statement{ByteMatchStatement: &byteMatchStatement{
		FieldToMatch:         fieldToMatch{UriPath: &empty{}},
		PositionalConstraint: "STARTS_WITH",
		SearchString:         pulumi.String(prefix),
		TextTransformations: []textTransformation{
			{Priority: 0, Type: "URL_DECODE"},
			{Priority: 1, Type: "NORMALIZE_PATH"},
			{Priority: 2, Type: "LOWERCASE"},
		},
	}}
}

// logs creates the log group WAF writes to, encrypted with a key whose
// policy lets CloudWatch Logs use it for that group only. WAF creates the
// log group's resource policy for log delivery itself.
// Source: https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html
func logs(ctx *pulumi.Context, name string, a WebFirewallArgs, env awsenv.Env, child pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	groupName := LogGroupPrefix + name
	doc, err := iampolicy.New(
		keypolicy.Administration(a.KeyAdministrators),
		keypolicy.CloudWatchLogs(env.Partition, env.Region, env.Account, groupName),
	).JSON()
	if err != nil {
		return nil, err
	}
	keep := []pulumi.ResourceOption{child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect)}
	key, err := kms.NewKey(ctx, name+"-logs", &kms.KeyArgs{
		Description:          pulumi.Sprintf("WAF %s: request logs", name),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(doc),
	}, keep...)
	if err != nil {
		return nil, err
	}
	return cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        key.Arn,
	}, keep...)
}
