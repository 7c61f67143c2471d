package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of the edge: Elastic Load Balancing, AWS WAF, CloudFront and
// the buckets it reads and logs to, Route 53 aliases, and the ACM
// certificates HTTPS listeners serve.

const (
	typeEdgeRecord         = "aws:route53/record:Record"
	typeEdgeTGAttachment   = "aws:lb/targetGroupAttachment:TargetGroupAttachment"
	typeEdgeCertValidation = "aws:acm/certificateValidation:CertificateValidation"

	// edgeCloudFrontZoneID is the hosted zone of every distribution's
	// alias target.
	// Source: https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html
	edgeCloudFrontZoneID = "Z2FDTNDATAQYW2"
	// The service principals that write logs into buckets.
	edgeS3LoggingService = "logging.s3.amazonaws.com"
	edgeELBLogDelivery   = "logdelivery.elasticloadbalancing.amazonaws.com"
	edgeELBInvoker       = "elasticloadbalancing.amazonaws.com"
)

// edgeELBAccounts are the Elastic Load Balancing accounts of the regions
// opened before August 2022, which the legacy access-log bucket policy
// names instead of the log delivery service.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
var edgeELBAccounts = map[string]string{
	"us-east-1":    "127311923021",
	"us-east-2":    "033677994240",
	"us-west-1":    "027434742980",
	"us-west-2":    "797873946194",
	"eu-west-1":    "156460612806",
	"eu-central-1": "054676820928",
}

// edgeRateWindows are the evaluation windows a rate-based rule accepts.
var edgeRateWindows = []float64{60, 120, 300, 600}

// edgeWebACLARN is the ARN of a CloudFront-scope web ACL of WAF (not
// Classic), as a distribution's web ACL id names it.
var edgeWebACLARN = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/[^/]+$`)

// edgeKnown is known(v), and not the masked value of a printed plan.
func edgeKnown(v any) bool { return known(v) && v != offline.SecretMask }

// edgeARN is a record's ARN: its arn output, or its id where the id is
// the ARN (load balancers, target groups).
func edgeARN(r *offline.Resource) string {
	if a := str(r.Output("arn")); a != "" {
		return a
	}
	return r.ID
}

// edgeHost normalizes a DNS name: lower case, no trailing dot.
func edgeHost(name string) string { return strings.TrimSuffix(strings.ToLower(name), ".") }

// edgeLBByDNSName returns the load balancer with that DNS name: by its
// dnsName output, or, where outputs are not recorded, by the physical name
// the name starts with ("[internal-]<name>-<id>.<region>.elb.amazonaws.com"),
// which the balancer's ARN holds.
func edgeLBByDNSName(s *Stack, dns string) *offline.Resource {
	dns = edgeHost(dns)
	if dns == "" {
		return nil
	}
	label := strings.TrimPrefix(strings.SplitN(dns, ".", 2)[0], "internal-")
	if i := strings.LastIndex(label, "-"); i > 0 {
		label = label[:i]
	}
	for _, lb := range s.ByType(typeLoadBalancer) {
		if out := str(lb.Output("dnsName")); out != "" && edgeHost(out) == dns {
			return lb
		}
		if strings.Contains(dns, ".elb.") && label != "" && strings.Contains(edgeARN(lb), "/"+label+"/") {
			return lb
		}
	}
	return nil
}

// edgeLoadBalancerFor returns the load balancer a DNS name reaches: its
// own name, or an alias record of the stack that points at it.
func edgeLoadBalancerFor(s *Stack, domain string) *offline.Resource {
	if lb := edgeLBByDNSName(s, domain); lb != nil {
		return lb
	}
	domain = edgeHost(domain)
	for _, rec := range s.ByType(typeEdgeRecord) {
		if edgeHost(rec.String("name")) != domain {
			continue
		}
		for i := range rec.List("aliases") {
			if lb := edgeLBByDNSName(s, rec.String(fmt.Sprintf("aliases[%d].name", i))); lb != nil {
				return lb
			}
		}
	}
	return nil
}

// edgeOriginLink is a distribution's custom origin that reaches a load
// balancer of the stack.
type edgeOriginLink struct {
	dist *offline.Resource
	// origin is the origin's input path ("origins[1]").
	origin string
	lb     *offline.Resource
}

// edgeOriginLinks lists the custom origins of the stack's distributions
// that are load balancers of the stack.
func edgeOriginLinks(s *Stack) []edgeOriginLink {
	var out []edgeOriginLink
	for _, d := range s.ByType(typeDistribution) {
		for i := range d.List("origins") {
			p := fmt.Sprintf("origins[%d]", i)
			if !d.Has(p + ".customOriginConfig") {
				continue
			}
			if lb := edgeLoadBalancerFor(s, d.String(p+".domainName")); lb != nil {
				out = append(out, edgeOriginLink{dist: d, origin: p, lb: lb})
			}
		}
	}
	return out
}

// edgeACLByARN returns the web ACL an ARN names.
func edgeACLByARN(s *Stack, arn string) *offline.Resource {
	for _, acl := range s.ByType(typeWebACL) {
		if a := str(acl.Output("arn")); a != "" && a == arn {
			return acl
		}
		if n := acl.String("name"); n != "" && strings.Contains(arn, "/webacl/"+n+"/") {
			return acl
		}
	}
	return nil
}

// edgeRegionalACLs returns the regional web ACLs associated with a load
// balancer.
func edgeRegionalACLs(s *Stack, lb *offline.Resource) []*offline.Resource {
	arn := edgeARN(lb)
	var out []*offline.Resource
	for _, a := range s.ByType(typeWebACLAssoc) {
		if arn == "" || a.String("resourceArn") != arn {
			continue
		}
		if acl := edgeACLByARN(s, a.String("webAclArn")); acl != nil && acl.String("scope") == "REGIONAL" && !slices.Contains(out, acl) {
			out = append(out, acl)
		}
	}
	return out
}

// edgeOriginHeaders returns an origin's custom headers: lower-case name →
// value (unknown at preview, or masked, where the value is a secret).
func edgeOriginHeaders(d *offline.Resource, origin string) map[string]any {
	out := map[string]any{}
	for i := range d.List(origin + ".customHeaders") {
		p := fmt.Sprintf("%s.customHeaders[%d].", origin, i)
		out[strings.ToLower(d.String(p+"name"))] = d.Get(p + "value")
	}
	return out
}

// edgeMatchesHeader reports whether a byte match statement matches exactly
// one of headers with its value (a value not known on either side matches
// any: the preview cannot compare it).
func edgeMatchesHeader(bm any, headers map[string]any) bool {
	name, _ := offline.Lookup(bm, "fieldToMatch.singleHeader.name")
	constraint, _ := offline.Lookup(bm, "positionalConstraint")
	search, _ := offline.Lookup(bm, "searchString")
	want, ok := headers[strings.ToLower(str(name))]
	if !ok || str(constraint) != "EXACTLY" {
		return false
	}
	w, wantIsString := want.(string)
	v, searchIsString := search.(string)
	return !wantIsString || !searchIsString || !edgeKnown(want) || !edgeKnown(search) || w == v
}

// edgeExcludesHeader reports whether a statement matches only requests
// without one of headers: not (a byte match of the header's value).
func edgeExcludesHeader(st any, headers map[string]any) bool {
	bm, ok := offline.Lookup(st, "notStatement.statements[0].byteMatchStatement")
	return ok && edgeMatchesHeader(bm, headers)
}

// edgePathPrefixes returns the path prefixes a statement matches: a byte
// match of the URI path that starts with (or is) a string, or any of an
// orStatement's.
func edgePathPrefixes(st any) []string {
	if bm, ok := offline.Lookup(st, "byteMatchStatement"); ok {
		if _, path := offline.Lookup(bm, "fieldToMatch.uriPath"); !path {
			return nil
		}
		c, _ := offline.Lookup(bm, "positionalConstraint")
		s, _ := offline.Lookup(bm, "searchString")
		if (str(c) == "STARTS_WITH" || str(c) == "EXACTLY") && str(s) != "" {
			return []string{str(s)}
		}
		return nil
	}
	var out []string
	if sts, ok := offline.Lookup(st, "orStatement.statements"); ok {
		for _, e := range sts.([]any) {
			out = append(out, edgePathPrefixes(e)...)
		}
	}
	return out
}

// edgeGuardsPaths reports whether a rule's statement matches every request
// to paths that comes without one of headers: it excludes the header, or
// is an andStatement of that exclusion and path prefixes covering every
// path.
func edgeGuardsPaths(st any, headers map[string]any, paths []string) bool {
	if edgeExcludesHeader(st, headers) {
		return true
	}
	sts, ok := offline.Lookup(st, "andStatement.statements")
	if !ok {
		return false
	}
	list, _ := sts.([]any)
	excludes := false
	var prefixes []string
	for _, e := range list {
		if edgeExcludesHeader(e, headers) {
			excludes = true
			continue
		}
		prefixes = append(prefixes, edgePathPrefixes(e)...)
	}
	if !excludes || len(list) != 2 || len(prefixes) == 0 {
		return false
	}
	for _, p := range paths {
		covered := false
		for _, prefix := range prefixes {
			if strings.HasPrefix(strings.ToLower(p), strings.ToLower(prefix)) {
				covered = true
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// edgeOriginPaths are the path patterns a distribution sends to an origin,
// without their trailing wildcard.
func edgeOriginPaths(d *offline.Resource, origin string) []string {
	id := d.String(origin + ".originId")
	var out []string
	for _, b := range behaviors(d) {
		if d.String(b+".targetOriginId") != id {
			continue
		}
		p := d.String(b + ".pathPattern")
		if p == "" {
			p = "/" // the default behavior: every path
		}
		out = append(out, strings.TrimRight(p, "*"))
	}
	return out
}

// edgeBucketCompanions returns the records of typ whose bucket input names
// the bucket called name (an S3 bucket's id is its name).
func edgeBucketCompanions(s *Stack, typ, name string) []*offline.Resource {
	var out []*offline.Resource
	for _, r := range s.ByType(typ) {
		if name != "" && r.String("bucket") == name {
			out = append(out, r)
		}
	}
	return out
}

// edgeAllows reports whether a policy statement allows action to one of
// principals on a resource matching object (IAM wildcards).
func edgeAllows(st statement, principals []string, action, object string) bool {
	if st.effect() != "Allow" || !st.grantsAction(action) {
		return false
	}
	named := false
	for _, p := range st.principals() {
		if slices.Contains(principals, p) {
			named = true
		}
	}
	if !named {
		return false
	}
	for _, r := range st.resources() {
		if globMatch(r, object) {
			return true
		}
	}
	return false
}

// edgeBucketName is a bucket's name from a CloudFront logging bucket
// ("<name>.s3.amazonaws.com") or an S3 origin's domain name.
func edgeBucketName(domain string) string {
	if i := strings.Index(domain, ".s3."); i > 0 {
		return domain[:i]
	}
	return domain
}

func awsEdgeRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "waf-regional-rate-rule-behind-cloudfront",
			Title:    "A regional web ACL behind a CloudFront origin rate-limits by address only the requests that do not carry the origin's secret header",
			Severity: High,
			Reason:   "through CloudFront a request's source address is the edge server's, shared by every viewer it serves: an address-keyed limit blocks them all at once behind a busy edge",
			Check: func(c *Checker) {
				judged := map[string]bool{}
				for _, link := range edgeOriginLinks(c.Stack) {
					headers := edgeOriginHeaders(link.dist, link.origin)
					for _, acl := range edgeRegionalACLs(c.Stack, link.lb) {
						if judged[acl.URN] {
							continue
						}
						judged[acl.URN] = true
						c.Judge(acl, edgeRateRuleBehindCDN(acl, headers, link))
					}
				}
			},
		}, Constraint{
			Dimension: DimClientAddress,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html",
			Quote:     "Source IP address – Aggregate using only the IP address from the web request origin. The source IP address might not contain the address of the originating client. If a web request goes through one or more proxies or load balancers, this will contain the address of the last proxy.",
			Found:     "stage and prod: CloudFront sent /api/* to the public load balancer, whose regional ACL blocked above 2000 requests per source address in five minutes, a CloudFront edge's (components/waf, stacks/firewallpart)",
		}),
		awsRule(&Rule{
			ID:       "cloudfront-alb-origin-requires-secret-header",
			Title:    "A load balancer behind a CloudFront custom origin gets a secret header from the distribution, and its web ACL refuses the distribution's paths without it",
			Severity: High,
			Reason:   "otherwise a client calls the internet-facing load balancer directly, bypassing the distribution's web ACL and its per-viewer limit, and the load balancer's ACL cannot tell CloudFront's requests from the others",
			Check: func(c *Checker) {
				failures := map[string]string{}
				var order []*offline.Resource
				for _, link := range edgeOriginLinks(c.Stack) {
					if link.lb.Bool("internal") {
						continue
					}
					if _, seen := failures[link.dist.URN]; !seen {
						failures[link.dist.URN] = ""
						order = append(order, link.dist)
					}
					if msg := edgeOriginGuarded(c.Stack, link); msg != "" && failures[link.dist.URN] == "" {
						failures[link.dist.URN] = msg
					}
				}
				for _, d := range order {
					c.Judge(d, failures[d.URN])
				}
			},
		}, Constraint{
			Dimension: DimClientAddress,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html",
			Quote:     "If you are using an internet-facing Application Load Balancer with CloudFront, you can use the following security mitigations to prevent users from directly accessing an Application Load Balancer, and allow access only through CloudFront.",
			Found:     "stage and prod: the API origin carried no custom header, and the public load balancer served /api/* to anyone who called origin.<stack>.<domain> directly (components/edgecdn, components/waf)",
		}),
		awsRule(&Rule{
			ID:       "waf-rate-limit-bounds",
			Title:    "Rate-based rules limit at least 10 requests over a window of 60, 120, 300 or 600 seconds",
			Severity: Critical,
			Reason:   "WAF refuses the web ACL, and the first pulumi up fails",
			Check: func(c *Checker) {
				c.Each(func(acl *offline.Resource) string {
					for i, r := range acl.List("rules") {
						rb, ok := offline.Lookup(r, "statement.rateBasedStatement")
						if !ok {
							continue
						}
						limit, _ := offline.Lookup(rb, "limit")
						if n, isNum := limit.(float64); isNum && n < 10 {
							return fmt.Sprintf("rule %d limits %v requests: the lowest limit is 10", i, n)
						}
						window, _ := offline.Lookup(rb, "evaluationWindowSec")
						if w, isNum := window.(float64); isNum && !slices.Contains(edgeRateWindows, w) {
							return fmt.Sprintf("rule %d evaluates over %v seconds: 60, 120, 300 or 600", i, w)
						}
					}
					return ""
				}, typeWebACL)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html",
			Quote:     "Valid settings are 60 (1 minute), 120 (2 minutes), 300 (5 minutes), and 600 (10 minutes), and 300 (5 minutes) is the default. / The lowest limit setting allowed is 10.",
			Error:     "WAFInvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "waf-log-destination-name-prefix",
			Title:    "Web ACL logs go to destinations named aws-waf-logs-*, log groups by their ARN without :*",
			Severity: Critical,
			Reason:   "WAF refuses the logging configuration: no request is on record",
			Check: func(c *Checker) {
				c.Each(func(l *offline.Resource) string {
					for _, dest := range l.Strings("logDestinationConfigs") {
						if !edgeKnown(dest) || dest == "" {
							continue
						}
						var name string
						switch {
						case strings.Contains(dest, ":log-group:"):
							name = dest[strings.Index(dest, ":log-group:")+len(":log-group:"):]
							if strings.HasSuffix(name, ":*") {
								return dest + " ends with :*: WAF takes the log group's ARN without it"
							}
						case strings.HasPrefix(dest, "arn:aws") && strings.Contains(dest, ":s3:::"):
							name = dest[strings.Index(dest, ":s3:::")+len(":s3:::"):]
						case strings.Contains(dest, ":deliverystream/"):
							name = dest[strings.Index(dest, ":deliverystream/")+len(":deliverystream/"):]
						default:
							continue
						}
						if !strings.HasPrefix(name, "aws-waf-logs-") {
							return fmt.Sprintf("destination %s is not named aws-waf-logs-*", name)
						}
					}
					return ""
				}, typeWebACLLogging)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/wafv2/aws.sdk.kotlin.services.wafv2.model/-logging-configuration",
			Quote:     "The name that you give the destination must start with aws-waf-logs-.",
			Error:     "WAFInvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "waf-cloudfront-acl-in-us-east-1",
			Title:    "CloudFront-scope web ACLs are created through a us-east-1 provider",
			Severity: Critical,
			Reason:   "WAF refuses the CLOUDFRONT scope anywhere else: the first pulumi up fails",
			Check: func(c *Checker) {
				c.Each(func(acl *offline.Resource) string {
					if acl.String("scope") != "CLOUDFRONT" {
						return ""
					}
					if region := c.Stack.providerRegion(acl); region != "" && region != "us-east-1" {
						return "created in " + region + ": CloudFront web ACLs exist in us-east-1 only"
					}
					return ""
				}, typeWebACL)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html",
			Quote:     "AWS WAF is available globally for CloudFront distributions, but you must use the Region US East (N. Virginia) to create your web ACL and any resources used in the web ACL, such as rule groups, IP sets, and regex pattern sets.",
			Error:     "WAFInvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "cloudfront-web-acl-by-arn",
			Title:    "Distributions name their web ACL by its WAF ARN (us-east-1, global scope)",
			Severity: Critical,
			Reason:   "CloudFront refuses any other web ACL id: the distribution is not created",
			Check: func(c *Checker) {
				c.Each(func(d *offline.Resource) string {
					id := d.Get("webAclId")
					if !edgeKnown(id) || str(id) == "" {
						return ""
					}
					return unless(edgeWebACLARN.MatchString(str(id)), fmt.Sprintf("webAclId %v is not a CloudFront-scope WAF ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)", id))
				}, typeDistribution)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/cloudfront/aws.sdk.kotlin.services.cloudfront.model/-distribution-config/-builder/web-acl-id.html",
			Quote:     "To specify a web ACL created using the latest version of WAF, use the ACL ARN, for example arn:aws:wafv2:us-east-1:123456789012:global/webacl/ExampleWebACL/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111.",
			Error:     "InvalidWebACLId",
		}),
		awsRule(&Rule{
			ID:       "cloudfront-viewer-certificate-us-east-1",
			Title:    "Distributions serve an ACM certificate of us-east-1, with a minimum protocol version and an SSL support method",
			Severity: Critical,
			Reason:   "CloudFront reads ACM certificates of us-east-1 only: the distribution is refused",
			Check: func(c *Checker) {
				c.Each(func(d *offline.Resource) string {
					arn := d.Get("viewerCertificate.acmCertificateArn")
					if !edgeKnown(arn) || str(arn) == "" {
						return ""
					}
					if parts := strings.Split(str(arn), ":"); len(parts) < 4 || parts[3] != "us-east-1" {
						return fmt.Sprintf("certificate %v is not in us-east-1", arn)
					}
					if !set(d.Get("viewerCertificate.minimumProtocolVersion")) || !set(d.Get("viewerCertificate.sslSupportMethod")) {
						return "an ACM certificate needs minimumProtocolVersion and sslSupportMethod"
					}
					return ""
				}, typeDistribution)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html",
			Quote:     "To use a certificate in AWS Certificate Manager (ACM) to require HTTPS between viewers and CloudFront, make sure you request (or import) the certificate in the US East (N. Virginia) Region (us-east-1).",
			Error:     "InvalidViewerCertificate",
		}),
		awsRule(&Rule{
			ID:       "cloudfront-oac-bucket-admits-its-distribution",
			Title:    "A bucket read through origin access control keeps ACLs off (or owner-preferred) and its policy admits cloudfront.amazonaws.com for that distribution's ARN",
			Severity: High,
			Reason:   "S3 answers CloudFront's signed requests with 403: every asset fails",
			Check: func(c *Checker) {
				for _, d := range c.Stack.ByType(typeDistribution) {
					for i := range d.List("origins") {
						p := fmt.Sprintf("origins[%d].", i)
						if !set(d.Get(p + "originAccessControlId")) {
							continue
						}
						b := bucketFor(c.Stack, d.String(p+"domainName"))
						if b == nil {
							continue
						}
						c.Judge(b, edgeOACBucket(c.Stack, b, d))
					}
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html",
			Quote:     "When you use CloudFront OAC with Amazon S3 bucket origins, you must set Amazon S3 Object Ownership to Bucket owner enforced, the default for new Amazon S3 buckets. If you require ACLs, use the Bucket owner preferred setting to maintain control over objects uploaded via CloudFront.",
		}),
		awsRule(&Rule{
			ID:       "cloudfront-standard-logging-bucket-acls",
			Title:    "The bucket of a distribution's standard logs has ACLs enabled (object ownership not bucket-owner-enforced)",
			Severity: High,
			Reason:   "CloudFront delivers standard logs through an ACL grant: with ACLs off no log arrives",
			Check: func(c *Checker) {
				c.Each(func(d *offline.Resource) string {
					target := d.String("loggingConfig.bucket")
					if target == "" {
						return ""
					}
					name := edgeBucketName(target)
					controls := edgeBucketCompanions(c.Stack, typeBucketOwnership, name)
					if b := bucketFor(c.Stack, target); b != nil && len(controls) == 0 {
						controls = c.Stack.Linked(b, typeBucketOwnership, "bucket")
					}
					if len(controls) == 0 {
						return "log bucket " + name + " has no ownership controls: new buckets default to bucket owner enforced, ACLs off"
					}
					for _, oc := range controls {
						if own := oc.String("rule.objectOwnership"); own == "BucketOwnerEnforced" {
							return "log bucket " + name + " enforces bucket ownership: ACLs are off and CloudFront cannot deliver"
						}
					}
					return ""
				}, typeDistribution)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html",
			Quote:     "Don't choose an Amazon S3 bucket with S3 Object Ownership set to bucket owner enforced. That setting disables ACLs for the bucket and the objects in it, which prevents CloudFront from delivering log files to the bucket.",
		}),
		awsRule(&Rule{
			ID:       "s3-access-logging-after-target-policy",
			Title:    "S3 server access logging is configured after its target bucket's policy admits logging.s3.amazonaws.com",
			Severity: High,
			Reason:   "S3 delivers access logs only to a target that admits its logging service: the logs of the minutes before the policy exists are lost",
			Check: func(c *Checker) {
				requireDependency(c, typeBucketLogging, nil, typeBucketPolicy, func(l, p *offline.Resource) bool {
					target := l.Get("targetBucket")
					if edgeKnown(target) && p.String("bucket") != str(target) {
						return false
					}
					sts, ok := statements(p, "policy")
					if !ok {
						return true
					}
					for _, st := range sts {
						if st.effect() == "Allow" && slices.Contains(st.principals(), edgeS3LoggingService) && st.grantsAction("s3:PutObject") {
							return true
						}
					}
					return false
				}, "S3 delivers server access logs only to a target bucket that admits its logging service")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
			Quote:     "Amazon S3 uses a special log delivery account to write server access logs. These writes are subject to the usual access control restrictions. For access log delivery, you must grant the logging service principal (logging.s3.amazonaws.com) access to your destination bucket.",
			Found:     "dev, stage and prod: the assets bucket's logging configuration was set minutes before the log bucket's policy, which waited for the distribution (components/edgecdn)",
		}),
		awsRule(&Rule{
			ID:       "alb-access-log-bucket-policy-principal",
			Title:    "A load balancer's access-log bucket policy lets Elastic Load Balancing put objects under <prefix>/AWSLogs/<account>/",
			Severity: High,
			Reason:   "Elastic Load Balancing cannot write the access logs: enabling them fails with access denied",
			Check: func(c *Checker) {
				edgeEachLoggingLB(c, func(lb *offline.Resource, bucket string) string {
					policies := edgeBucketCompanions(c.Stack, typeBucketPolicy, bucket)
					if len(policies) == 0 {
						return "access-log bucket " + bucket + " has no bucket policy"
					}
					principals := []string{edgeELBLogDelivery}
					if acct, ok := edgeELBAccounts[c.Stack.providerRegion(lb)]; ok {
						principals = append(principals, "arn:aws:iam::"+acct+":root", acct)
					}
					account := c.Stack.providerAccount(lb)
					if account == "" {
						account = "123456789012"
					}
					object := "arn:aws:s3:::" + bucket + "/"
					if prefix := lb.String("accessLogs.prefix"); prefix != "" {
						object += prefix + "/"
					}
					object += "AWSLogs/" + account + "/x"
					for _, p := range policies {
						sts, ok := statements(p, "policy")
						if !ok {
							return ""
						}
						for _, st := range sts {
							if edgeAllows(st, principals, "s3:PutObject", object) {
								return ""
							}
						}
					}
					return fmt.Sprintf("bucket %s lets no Elastic Load Balancing principal put %s", bucket, strings.TrimSuffix(object, "x")+"*")
				})
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
			Quote:     "Your S3 bucket must have a bucket policy that grants Elastic Load Balancing permission to write the access logs to the bucket.",
			Error:     "InvalidConfigurationRequest",
		}),
		awsRule(&Rule{
			ID:       "alb-access-log-bucket-sse-s3",
			Title:    "A load balancer's access-log bucket is encrypted with SSE-S3 (AES256) only",
			Severity: High,
			Reason:   "Elastic Load Balancing cannot write to a bucket whose default encryption is SSE-KMS: no access log arrives",
			Check: func(c *Checker) {
				edgeEachLoggingLB(c, func(lb *offline.Resource, bucket string) string {
					for _, sse := range edgeBucketCompanions(c.Stack, typeBucketSSE, bucket) {
						for i := range sse.List("rules") {
							alg := sse.String(fmt.Sprintf("rules[%d].applyServerSideEncryptionByDefault.sseAlgorithm", i))
							if alg != "" && alg != "AES256" {
								return fmt.Sprintf("access-log bucket %s encrypts with %s: only SSE-S3 is supported", bucket, alg)
							}
						}
					}
					return ""
				})
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
			Quote:     "The only server-side encryption option that's supported is Amazon S3-managed keys (SSE-S3).",
		}),
		awsRule(&Rule{
			ID:       "alb-after-access-log-bucket-policy",
			Title:    "A load balancer with access logs is created after its log bucket's policy",
			Severity: Critical,
			Reason:   "Elastic Load Balancing tests the bucket when access logs are enabled: without the policy the load balancer's attributes are refused",
			Check: func(c *Checker) {
				requireDependency(c, typeLoadBalancer, func(lb *offline.Resource) bool {
					return lb.Bool("accessLogs.enabled") && lb.String("accessLogs.bucket") != ""
				}, typeBucketPolicy, func(lb, p *offline.Resource) bool {
					return p.String("bucket") == lb.String("accessLogs.bucket")
				}, "Elastic Load Balancing writes a test file when access logs are enabled")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/enable-access-logs.html",
			Quote:     "After access logs are enabled for your load balancer, ELB validates the S3 bucket and creates a test file to ensure that the bucket policy specifies the required permissions.",
			Error:     "InvalidConfigurationRequest",
		}),
		awsRule(&Rule{
			ID:       "alb-lambda-target-after-invoke-permission",
			Title:    "A Lambda function is registered in its target group after the permission letting Elastic Load Balancing invoke it",
			Severity: Critical,
			Reason:   "RegisterTargets is refused: the first pulumi up fails",
			Check: func(c *Checker) {
				requireDependency(c, typeEdgeTGAttachment, func(a *offline.Resource) bool {
					return strings.Contains(a.String("targetId"), ":lambda:")
				}, typePermission, func(a, p *offline.Resource) bool {
					if p.String("principal") != edgeELBInvoker {
						return false
					}
					fn := p.Get("function")
					return !edgeKnown(fn) || offline.FunctionName(str(fn)) == offline.FunctionName(a.String("targetId"))
				}, "Elastic Load Balancing must be allowed to invoke the function before it is registered")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html",
			Quote:     "If you create the target group and register the Lambda function using the AWS Management Console, the console adds the required permissions to your Lambda function policy on your behalf. Otherwise, after you create the target group and register the function using the AWS CLI, you must use the add-permission command to grant Elastic Load Balancing permission to invoke your Lambda function.",
			Error:     "AccessDenied",
		}),
		awsRule(&Rule{
			ID:       "alb-https-listener-explicit-tls12-policy",
			Title:    "HTTPS listeners name a TLS 1.2+ security policy (the API's default allows TLS 1.0)",
			Severity: High,
			Reason:   "without a policy the listener gets ELBSecurityPolicy-2016-08, which negotiates TLS 1.0 and 1.1",
			Check: func(c *Checker) {
				c.Each(func(l *offline.Resource) string {
					if l.String("protocol") != "HTTPS" {
						return ""
					}
					policy := l.String("sslPolicy")
					for _, family := range []string{"ELBSecurityPolicy-TLS13-", "ELBSecurityPolicy-TLS-1-2-", "ELBSecurityPolicy-FS-1-2-"} {
						if strings.HasPrefix(policy, family) {
							return ""
						}
					}
					if policy == "" {
						return "no sslPolicy: the API's default ELBSecurityPolicy-2016-08 allows TLS 1.0"
					}
					return "sslPolicy " + policy + " is not a TLS 1.2+ policy"
				}, typeListener)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
			Quote:     "Other methods (for example, the AWS CLI, AWS CloudFormation, and the AWS CDK) – The default security policy is ELBSecurityPolicy-2016-08.",
		}),
		awsRule(&Rule{
			ID:       "alb-https-listener-after-certificate-validation",
			Title:    "An HTTPS listener serves a certificate it gets from its validation, so it is created once ACM has issued it",
			Severity: Critical,
			Reason:   "Elastic Load Balancing does not find a certificate still pending validation: CreateListener is refused",
			Check: func(c *Checker) {
				requireDependency(c, typeListener, func(l *offline.Resource) bool {
					cert := l.Get("certificateArn")
					return l.String("protocol") == "HTTPS" && edgeKnown(cert) && strings.Contains(str(cert), ":acm:")
				}, typeEdgeCertValidation, func(l, v *offline.Resource) bool {
					return !edgeKnown(v.Get("certificateArn")) || v.String("certificateArn") == l.String("certificateArn")
				}, "an ACM certificate is usable once issued, after its validation")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/acm/aws.sdk.kotlin.services.acm.model/-certificate-detail/status.html",
			Quote:     "A certificate enters status PENDING_VALIDATION upon being requested, unless it fails for any of the reasons given in the troubleshooting topic Certificate request fails. ACM makes repeated attempts to validate a certificate for 72 hours and then times out. If a certificate shows status FAILED or VALIDATION_TIMED_OUT, delete the request, correct the issue with DNS validation or Email validation, and try again. If validation succeeds, the certificate enters status ISSUED.",
			Error:     "CertificateNotFound",
		}),
		awsRule(&Rule{
			ID:       "route53-alias-to-cloudfront-no-target-health",
			Title:    "Alias records to a CloudFront distribution do not evaluate target health, and name one of its aliases",
			Severity: Critical,
			Reason:   "Route 53 refuses the change batch: the site's names are not created",
			Check: func(c *Checker) {
				aliases := map[string]bool{}
				for _, d := range c.Stack.ByType(typeDistribution) {
					for _, a := range d.Strings("aliases") {
						aliases[edgeHost(a)] = true
					}
				}
				for _, rec := range c.Stack.ByType(typeEdgeRecord) {
					for i := range rec.List("aliases") {
						p := fmt.Sprintf("aliases[%d].", i)
						if rec.String(p+"zoneId") != edgeCloudFrontZoneID && !strings.HasSuffix(edgeHost(rec.String(p+"name")), ".cloudfront.net") {
							continue
						}
						switch {
						case rec.Bool(p + "evaluateTargetHealth"):
							c.Judge(rec, "evaluateTargetHealth is true for a CloudFront alias")
						case len(aliases) > 0 && !aliases[edgeHost(rec.String("name"))]:
							c.Judge(rec, rec.String("name")+" is no alternate domain name of the stack's distributions")
						default:
							c.Judge(rec, "")
						}
					}
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html",
			Quote:     "You can't set EvaluateTargetHealth to true when the alias target is a CloudFront distribution.",
			Error:     "InvalidChangeBatch",
		}),
		awsRule(&Rule{
			ID:       "s3-lifecycle-delete-marker-expiration-alone",
			Title:    "A lifecycle expiration that removes expired delete markers sets no days or date",
			Severity: Critical,
			Reason:   "S3 refuses the lifecycle configuration: old versions and logs are never expired",
			Check: func(c *Checker) {
				c.Each(func(l *offline.Resource) string {
					for i := range l.List("rules") {
						p := fmt.Sprintf("rules[%d].expiration.", i)
						if l.Bool(p+"expiredObjectDeleteMarker") && (set(l.Get(p+"days")) || set(l.Get(p+"date"))) {
							return fmt.Sprintf("rule %d expires delete markers and objects by days or date in one expiration", i)
						}
					}
					return ""
				}, typeBucketLifecycle)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html",
			Quote:     "Indicates whether Amazon S3 will remove a delete marker with no noncurrent versions. If set to true, the delete marker will be expired; if set to false the policy takes no action. This cannot be specified with Days or Date in a Lifecycle Expiration Policy.",
			Error:     "MalformedXML",
		}),
	}
}

// edgeRateRuleBehindCDN returns the fault of a regional ACL behind a
// distribution's origin: an address-keyed rate rule that counts the
// requests carrying the origin's header (CloudFront's), or "".
func edgeRateRuleBehindCDN(acl *offline.Resource, headers map[string]any, link edgeOriginLink) string {
	for _, r := range acl.List("rules") {
		rb, ok := offline.Lookup(r, "statement.rateBasedStatement")
		if !ok {
			continue
		}
		if key, _ := offline.Lookup(rb, "aggregateKeyType"); str(key) != "" && str(key) != "IP" {
			continue
		}
		name, _ := offline.Lookup(r, "name")
		if len(headers) == 0 {
			return fmt.Sprintf("rule %v limits per source address the requests distribution %s sends from CloudFront's edge servers, and its origin %s carries no header to tell them apart",
				name, link.dist.Name, link.origin)
		}
		scope, _ := offline.Lookup(rb, "scopeDownStatement")
		if !edgeExcludesHeader(scope, headers) {
			return fmt.Sprintf("rule %v limits per source address the requests distribution %s sends from CloudFront's edge servers: scope it down to requests without the origin's header", name, link.dist.Name)
		}
	}
	return ""
}

// edgeOriginGuarded returns the fault of a distribution's origin at an
// internet-facing load balancer: no secret header, or no web ACL of the
// load balancer refusing the distribution's paths without it.
func edgeOriginGuarded(s *Stack, link edgeOriginLink) string {
	headers := edgeOriginHeaders(link.dist, link.origin)
	if len(headers) == 0 {
		return fmt.Sprintf("origin %s reaches the internet-facing load balancer %s without a secret custom header: the load balancer cannot admit the distribution alone", link.origin, link.lb.Name)
	}
	paths := edgeOriginPaths(link.dist, link.origin)
	for _, acl := range edgeRegionalACLs(s, link.lb) {
		for _, r := range acl.List("rules") {
			if _, allows := offline.Lookup(r, "action.allow"); allows {
				continue
			}
			if _, acts := offline.Lookup(r, "action"); !acts {
				continue
			}
			st, _ := offline.Lookup(r, "statement")
			if edgeGuardsPaths(st, headers, paths) {
				return ""
			}
		}
	}
	return fmt.Sprintf("no web ACL of load balancer %s refuses requests to %v that come without origin %s's header", link.lb.Name, paths, link.origin)
}

// edgeOACBucket returns the fault of a bucket a distribution reads through
// origin access control: ownership that disables what OAC needs, or a
// policy that does not admit the distribution.
func edgeOACBucket(s *Stack, b, d *offline.Resource) string {
	for _, oc := range s.Linked(b, typeBucketOwnership, "bucket") {
		if own := oc.String("rule.objectOwnership"); own != "" && own != "BucketOwnerEnforced" && own != "BucketOwnerPreferred" {
			return "object ownership " + own + ": OAC needs bucket owner enforced (or preferred)"
		}
	}
	policies := s.Linked(b, typeBucketPolicy, "bucket")
	if len(policies) == 0 {
		return "no bucket policy admits cloudfront.amazonaws.com"
	}
	dist := str(d.Output("arn"))
	for _, p := range policies {
		sts, ok := statements(p, "policy")
		if !ok {
			return ""
		}
		for _, st := range sts {
			if st.effect() != "Allow" || !slices.Contains(st.principals(), "cloudfront.amazonaws.com") || !st.grantsAction("s3:GetObject") {
				continue
			}
			arns := st.condition("StringEquals", "AWS:SourceArn")
			if (dist == "" && len(arns) > 0) || slices.Contains(arns, dist) {
				return ""
			}
		}
	}
	return "the policy does not admit cloudfront.amazonaws.com for distribution " + d.Name + " (AWS:SourceArn)"
}

// edgeEachLoggingLB judges every load balancer with access logs on by its
// log bucket's name.
func edgeEachLoggingLB(c *Checker, judge func(lb *offline.Resource, bucket string) string) {
	for _, lb := range c.Stack.ByType(typeLoadBalancer) {
		bucket := lb.Get("accessLogs.bucket")
		if !lb.Bool("accessLogs.enabled") || !edgeKnown(bucket) || str(bucket) == "" {
			continue
		}
		c.Judge(lb, judge(lb, str(bucket)))
	}
}
