// Package firewallpart is the firewall part of an application stack's
// composition: an AWS WAF web ACL in front of each public entry point, the
// public load balancer (regional) and the CDN (CloudFront scope, in
// us-east-1), with the section of configuration they read.
package firewallpart

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/waf"
	"github.com/refarch/refarch/stacks/stack"
)

// The outputs of the firewalls (application stacks): where their request
// logs are.
const (
	OutputPublicWAFLogGroup = "publicWafLogGroup"
	OutputEdgeWAFLogGroup   = "edgeWafLogGroup"
)

// Deploy puts the public load balancer behind a regional web ACL with the
// API rule groups (the SQL injection set included: the load balancer is the
// API's entry point, directly and from the CDN's /api/*), and creates the
// CloudFront web ACL the edge part's distribution names. With the API
// behind the CDN (refarch:edgeApiOrigin) it also keeps the CDN's secret
// origin header (an SSM SecureString) and hands it to the edge part; the
// regional ACL then admits /api/ only with it and rate-limits per address
// only the requests without it.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.Platform == nil || a.Platform.PublicLoadBalancerARN == nil {
		return fmt.Errorf("the firewall needs the public load balancer, which the platform part did not provide")
	}
	args := func(scope string, groups []string) *waf.WebFirewallArgs {
		return &waf.WebFirewallArgs{
			Scope:             scope,
			Mode:              s.Mode,
			RuleGroups:        groups,
			RateLimit:         s.RateLimit,
			KeyAdministrators: c.KeyAdministrators(),
			LogRetentionDays:  c.LogRetentionDays,
			Protect:           c.DeletionProtection,
		}
	}
	regional := args(waf.ScopeRegional, waf.APIRuleGroups)
	regional.ResourceARNs = []pulumi.StringInput{a.Platform.PublicLoadBalancerARN}
	out := &stack.FirewallOut{}
	if s.APIBehindCDN {
		// CloudFront sends the API's requests from its edge servers: the
		// load balancer's ACL tells them by the CDN's secret header, rate-
		// limits per address only the others, and admits the API only
		// with it (the CDN's own ACL limits viewers).
		value, err := originHeader(ctx, c, p, a)
		if err != nil {
			return err
		}
		regional.OriginHeader = &waf.OriginHeader{Name: OriginHeaderName, Value: value, PathPrefixes: apiPathPrefixes()}
		out.OriginHeaderName, out.OriginHeaderValue = OriginHeaderName, value
	}
	public, err := waf.NewWebFirewall(ctx, stack.Namespace+"-"+c.Stack+"-public", regional, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	// The CDN's own ACL screens static content and the API alike; the SQL
	// injection set runs once, at the load balancer behind /api/*.
	edge, err := waf.NewWebFirewall(ctx, stack.Namespace+"-"+c.Stack+"-edge", args(waf.ScopeCloudFront, waf.DefaultRuleGroups), pulumi.Provider(p.USEast1))
	if err != nil {
		return err
	}
	out.EdgeWebACLARN = edge.WebACLARN
	a.Firewall = out
	ctx.Export(OutputPublicWAFLogGroup, public.LogGroupName)
	ctx.Export(OutputEdgeWAFLogGroup, edge.LogGroupName)
	return nil
}
