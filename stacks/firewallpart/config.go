package firewallpart

import (
	"fmt"

	"github.com/refarch/refarch/components/waf"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures the web application firewalls of an application stack
// (components/waf). Pulumi.yaml declares every key under the "firewall"
// marker.
type Config struct {
	// Mode is block or count (refarch:wafMode); count in dev, where new
	// traffic is reviewed before anything is blocked; block in prod.
	Mode string
	// RateLimit is the most requests one address may send in five minutes
	// (refarch:wafRateLimit).
	RateLimit int
	// APIBehindCDN is refarch:edgeApiOrigin (the edge part's key): the CDN
	// forwards the API to the public load balancer, whose web ACL then
	// checks the CDN's secret origin header.
	APIBehindCDN bool
}

// Load reads and validates the section (application stacks only);
// problems go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	if c.Role != stack.RoleApp {
		return
	}
	s.Mode = r.Str("wafMode")
	s.RateLimit = r.Int("wafRateLimit", waf.DefaultRateLimit)
	// The edge part's key, read (not validated) here too: the web ACL in
	// front of the API must know whether CloudFront's requests reach it.
	s.APIBehindCDN = r.Bool("edgeApiOrigin", true, false)
	p := &r.Problems
	p.Check(stack.Key("wafMode"), s.Mode, waf.CheckMode(s.Mode))
	if c.IsProd() && s.Mode == waf.ModeCount {
		p.Add(stack.Key("wafMode"), s.Mode, "must be block in prod: a firewall that only counts protects nothing")
	}
	p.Check(stack.Key("wafRateLimit"), fmt.Sprint(s.RateLimit), waf.CheckRateLimit(s.RateLimit))
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "wafMode", Part: "stacks/firewallpart", Feeds: "components/waf (WebFirewallArgs.Mode) of the public load balancer's and the CDN's web ACLs", Rule: "block or count; block in prod"},
	{Name: "wafRateLimit", Part: "stacks/firewallpart", Feeds: "components/waf (WebFirewallArgs.RateLimit) of both web ACLs", Rule: fmt.Sprintf("%d-%d requests per address in five minutes", waf.MinRateLimit, waf.MaxRateLimit)},
}
