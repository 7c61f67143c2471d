package policies

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Load balancer and CDN rules. FSBP controls:
// https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html.

const (
	typeListener      = "aws:lb/listener:Listener"
	typeWebACLAssoc   = "aws:wafv2/webAclAssociation:WebAclAssociation"
	modernTLSPolicies = "ELBSecurityPolicy-TLS13-"
)

// application judges every application load balancer.
func application(c *Checker, judge func(r *offline.Resource) string) {
	c.Each(func(r *offline.Resource) string {
		if t := r.String("loadBalancerType"); t != "" && t != "application" {
			return ""
		}
		return judge(r)
	}, typeLoadBalancer)
}

// behaviors lists a distribution's cache behaviors' input paths.
func behaviors(d *offline.Resource) []string {
	out := []string{"defaultCacheBehavior"}
	for i := range d.List("orderedCacheBehaviors") {
		out = append(out, fmt.Sprintf("orderedCacheBehaviors[%d]", i))
	}
	return out
}

var loadBalancerRules = []*Rule{
	{
		ID: "alb-http-redirects-to-https", Area: LoadBalancers, Severity: High,
		Title:    "HTTP listeners only redirect to HTTPS",
		Controls: []string{"FSBP ELB.1"},
		Reason:   "nothing is served in clear text",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if r.String("protocol") != "HTTP" {
					return ""
				}
				for i := range r.List("defaultActions") {
					p := fmt.Sprintf("defaultActions[%d].", i)
					if r.String(p+"type") != "redirect" || r.String(p+"redirect.protocol") != "HTTPS" {
						return "an HTTP listener that does not redirect to HTTPS"
					}
				}
				return ""
			}, typeListener)
		},
	},
	{
		ID: "alb-tls-policy", Area: LoadBalancers, Severity: High,
		Title:    "HTTPS listeners use a TLS 1.3 security policy (TLS 1.2 minimum)",
		Controls: []string{"refarch"},
		Reason:   "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if r.String("protocol") != "HTTPS" {
					return ""
				}
				return unless(strings.HasPrefix(r.String("sslPolicy"), modernTLSPolicies), "sslPolicy is "+r.String("sslPolicy"))
			}, typeListener)
		},
	},
	{
		ID: "alb-drop-invalid-headers", Area: LoadBalancers, Severity: Medium,
		Title:    "Load balancers drop invalid HTTP header fields",
		Controls: []string{"FSBP ELB.4"},
		Reason:   "defeats request smuggling through malformed headers",
		Check: func(c *Checker) {
			application(c, func(r *offline.Resource) string {
				return unless(r.Bool("dropInvalidHeaderFields"), "dropInvalidHeaderFields is not true")
			})
		},
	},
	{
		ID: "alb-access-logs", Area: LoadBalancers, Severity: Medium,
		Title:    "Load balancers write access logs",
		Controls: []string{"FSBP ELB.5"},
		Reason:   "every request is on record",
		Check: func(c *Checker) {
			application(c, func(r *offline.Resource) string {
				return unless(r.Bool("accessLogs.enabled") && set(r.Get("accessLogs.bucket")), "access logs are off")
			})
		},
	},
	{
		ID: "alb-deletion-protection", Area: LoadBalancers, Severity: Medium,
		Title:        "Load balancers have deletion protection",
		Controls:     []string{"FSBP ELB.6"},
		Reason:       "the site's front door is not removed by a careless change",
		Environments: "dev's may be deleted (refarch:deletionProtection false)",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			application(c, func(r *offline.Resource) string {
				return unless(r.Bool("enableDeletionProtection"), "enableDeletionProtection is not true")
			})
		},
	},
	{
		ID: "alb-desync-mitigation", Area: LoadBalancers, Severity: Medium,
		Title:    "Load balancers mitigate HTTP desync in defensive or strictest mode",
		Controls: []string{"FSBP ELB.12"},
		Reason:   "request smuggling",
		Check: func(c *Checker) {
			application(c, func(r *offline.Resource) string {
				m := r.String("desyncMitigationMode")
				return unless(m == "" || m == "defensive" || m == "strictest", "desyncMitigationMode is "+m)
			})
		},
	},
	{
		ID: "alb-multi-az", Area: LoadBalancers, Severity: Medium,
		Title:    "Load balancers span at least two zones",
		Controls: []string{"FSBP ELB.13"},
		Reason:   "a zone's failure does not take the site down",
		Check: func(c *Checker) {
			application(c, func(r *offline.Resource) string {
				if !known(r.Get("subnets")) {
					return ""
				}
				return unless(len(r.List("subnets"))+len(r.List("subnetMappings")) >= 2, "fewer than two subnets")
			})
		},
	},
	{
		ID: "alb-public-behind-waf", Area: LoadBalancers, Severity: High,
		Title:    "Every internet-facing load balancer is protected by a web ACL",
		Controls: []string{"refarch"},
		Reason:   "AWS Config's alb-waf-enabled (https://docs.aws.amazon.com/config/latest/developerguide/alb-waf-enabled.html)",
		Check: func(c *Checker) {
			application(c, func(r *offline.Resource) string {
				if r.Bool("internal") {
					return ""
				}
				for _, a := range c.Stack.ByType(typeWebACLAssoc) {
					if v := a.Get("resourceArn"); !known(v) || refersTo(v, r) || strings.Contains(fmt.Sprint(v), "/"+r.Name+"-") {
						return ""
					}
				}
				return "no web ACL association"
			})
		},
	},
}

var cdnRules = []*Rule{
	{
		ID: "cloudfront-default-root-object", Area: CDN, Severity: Low,
		Title:    "Distributions name a default root object",
		Controls: []string{"FSBP CloudFront.1"},
		Reason:   "a request for / never lists or exposes the origin",
		Check: func(c *Checker) {
			c.Each(needs("defaultRootObject", "no default root object"), typeDistribution)
		},
	},
	{
		ID: "cloudfront-viewer-https", Area: CDN, Severity: High,
		Title:    "Every cache behavior redirects viewers to HTTPS or requires it",
		Controls: []string{"FSBP CloudFront.3"},
		Reason:   "encryption in transit from the browser",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for _, b := range behaviors(r) {
					if p := r.String(b + ".viewerProtocolPolicy"); p == "allow-all" {
						return b + " allows HTTP"
					}
				}
				return ""
			}, typeDistribution)
		},
	},
	{
		ID: "cloudfront-logging", Area: CDN, Severity: Medium,
		Title:    "Distributions log requests",
		Controls: []string{"FSBP CloudFront.5"},
		Reason:   "every request at the edge is on record",
		Check: func(c *Checker) {
			c.Each(needs("loggingConfig.bucket", "no logging configuration"), typeDistribution)
		},
	},
	{
		ID: "cloudfront-waf", Area: CDN, Severity: High,
		Title:    "Distributions are protected by a web ACL",
		Controls: []string{"FSBP CloudFront.6"},
		Reason:   "managed rules and a rate limit at the edge",
		Check: func(c *Checker) {
			c.Each(needs("webAclId", "no web ACL"), typeDistribution)
		},
	},
	{
		ID: "cloudfront-custom-certificate-sni", Area: CDN, Severity: Medium,
		Title:    "Distributions serve their own ACM certificate by SNI, TLS 1.2 minimum",
		Controls: []string{"FSBP CloudFront.7", "FSBP CloudFront.8"},
		Reason:   "the site's own name and a modern protocol floor",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				switch {
				case !set(r.Get("viewerCertificate.acmCertificateArn")):
					return "no custom certificate"
				case r.String("viewerCertificate.sslSupportMethod") != "sni-only":
					return "sslSupportMethod is not sni-only"
				case !strings.HasPrefix(r.String("viewerCertificate.minimumProtocolVersion"), "TLSv1.2"):
					return "minimumProtocolVersion is " + r.String("viewerCertificate.minimumProtocolVersion")
				}
				return ""
			}, typeDistribution)
		},
	},
	{
		ID: "cloudfront-origin-tls", Area: CDN, Severity: High,
		Title:    "Custom origins are reached over HTTPS with TLS 1.2 only",
		Controls: []string{"FSBP CloudFront.9", "FSBP CloudFront.10"},
		Reason:   "encryption in transit from the edge to the load balancer",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for i := range r.List("origins") {
					p := fmt.Sprintf("origins[%d].customOriginConfig.", i)
					if !r.Has(p[:len(p)-1]) {
						continue
					}
					if r.String(p+"originProtocolPolicy") != "https-only" {
						return fmt.Sprintf("origin %d is not https-only", i)
					}
					for _, proto := range r.Strings(p + "originSslProtocols") {
						if proto != "TLSv1.2" {
							return fmt.Sprintf("origin %d allows %s", i, proto)
						}
					}
				}
				return ""
			}, typeDistribution)
		},
	},
	{
		ID: "cloudfront-s3-origin-access-control", Area: CDN, Severity: High,
		Title:    "S3 origins are read through an origin access control",
		Controls: []string{"FSBP CloudFront.13"},
		Reason:   "the bucket stays private; only the distribution reads it",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for i := range r.List("origins") {
					p := fmt.Sprintf("origins[%d].", i)
					if strings.Contains(r.String(p+"domainName"), ".s3.") && !set(r.Get(p+"originAccessControlId")) {
						return fmt.Sprintf("S3 origin %d has no origin access control", i)
					}
				}
				return ""
			}, typeDistribution)
		},
	},
	{
		ID: "cloudfront-security-headers", Area: CDN, Severity: Low,
		Title:    "Every cache behavior adds the security headers policy",
		Controls: []string{"refarch"},
		Reason:   "HSTS, frame and content-type protection for every response",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for _, b := range behaviors(r) {
					if !set(r.Get(b + ".responseHeadersPolicyId")) {
						return b + " has no response headers policy"
					}
				}
				return ""
			}, typeDistribution)
		},
	},
}
