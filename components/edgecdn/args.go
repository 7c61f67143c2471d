package edgecdn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/validate"
)

// PriceClasses are the CloudFront price classes, from the cheapest (North
// America and Europe only) to every edge location.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PriceClass.html
var PriceClasses = []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}

// The defaults of Args.
const (
	// DefaultPriceClass serves from North America and Europe only: the
	// cheapest class; other viewers are served from the nearest of those.
	DefaultPriceClass = "PriceClass_100"
	// DefaultRootObject is what "/" serves.
	DefaultRootObject = "index.html"
	// DefaultAPIPathPattern routes the API to its origin.
	DefaultAPIPathPattern = "/api/*"
	// DefaultNoncurrentVersionDays keeps replaced or deleted assets a
	// month: long enough to roll a release back by restoring them.
	DefaultNoncurrentVersionDays = 30
	// DefaultLogRetentionDays keeps access logs a quarter.
	DefaultLogRetentionDays = 90
	// DefaultHSTSMaxAge is one year, the max-age browsers' HSTS preload
	// lists require and OWASP recommends.
	// Source: https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html
	DefaultHSTSMaxAge = 31536000
	// DefaultContentSecurityPolicy only forbids what no static site needs
	// (being framed, plugins, a foreign <base>) without restricting where
	// scripts and styles come from, which only the application knows.
	DefaultContentSecurityPolicy = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
)

// AssetAccessLogPrefix is where the assets bucket's S3 server access logs
// go in the log bucket; CloudFront's own logs have the distribution's
// prefix.
const AssetAccessLogPrefix = "s3-access/assets/"

// MaxNameLength bounds the component name: it prefixes the physical names
// of the buckets (63 characters at most, Pulumi appends 8) and of the
// CloudFront policies and function (64 at most).
const MaxNameLength = 40

var (
	objectKey = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]*$`)
)

// EdgeCdnArgs configures an EdgeCdn. Zero values mean the documented default.
type EdgeCdnArgs struct {
	// Names are the DNS names the distribution serves: its aliases, the
	// names of its certificate and of its A and AAAA records. Required:
	// 1 to dns.MaxCertificateNames lower-case names in ZoneName, none
	// twice, no wildcard (every name gets its own records); the first is
	// the certificate's subject, at most dns.MaxSubjectLength characters.
	Names []string
	// ZoneID is the public hosted zone of Names: the alias records and the
	// certificate's validation records go there. Required.
	ZoneID pulumi.StringInput
	// ZoneName is ZoneID's DNS name. Required.
	ZoneName string
	// CertificateProvider is a provider for us-east-1 in the account:
	// CloudFront only uses viewer certificates from us-east-1. Required.
	// Everything else uses the inherited provider.
	// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
	CertificateProvider *aws.Provider
	// ExistingValidationNames are names whose certificate validation record
	// another certificate of the account already writes in ZoneID (see
	// dns.CertificateArgs). Default none.
	ExistingValidationNames []string

	// BucketName names the assets bucket. Default: generated from the
	// component name (unique, so two stacks never collide in S3's global
	// namespace). If given it must follow S3's naming rules, without dots
	// (a dotted name breaks TLS to the bucket's virtual-hosted endpoint).
	BucketName string
	// NoncurrentVersionDays is how long a replaced or deleted asset stays
	// restorable, 1-3650 days. Default DefaultNoncurrentVersionDays (30).
	NoncurrentVersionDays int
	// LogRetentionDays is how long access logs are kept, 1-3650 days.
	// Default DefaultLogRetentionDays (90).
	LogRetentionDays int

	// PriceClass is one of PriceClasses. Default DefaultPriceClass.
	PriceClass string
	// DefaultRootObject is the object "/" serves, a key without a leading
	// slash. Default "index.html".
	DefaultRootObject string
	// SinglePageApp answers paths the bucket does not hold with
	// DefaultRootObject and status 200, so a client-side router can take
	// over. Without an API origin this is done with custom error responses
	// (403 and 404 from S3); with one it is done by a viewer-request
	// function on the bucket's behavior alone, because error responses
	// apply to every origin and would turn the API's 404s into the app.
	// Default false: a missing object is an error.
	SinglePageApp bool

	// APIOriginDomain is an HTTPS origin (the public load balancer, by a
	// name its certificate covers) for APIPathPattern. Default none: the
	// distribution serves the bucket only. CloudFront reaches it over TLS
	// 1.2 only, never caches its responses and forwards every header but
	// Host, with query strings and cookies.
	APIOriginDomain pulumi.StringInput
	// APIPathPattern is the path the API origin serves. Default "/api/*".
	// Must start with "/" and cannot be a catch-all.
	APIPathPattern string
	// APIOriginHeaderName and APIOriginHeaderValue are a secret custom
	// header CloudFront adds to every request it sends the API origin, so
	// that the origin tells the distribution's requests from direct ones:
	// its web ACL (waf.OriginHeader) admits the API only with the header
	// and rate-limits per address only the requests without it (those
	// through CloudFront come from edge servers, and this distribution's
	// ACL limits their viewers). Default none. Both or neither, only with
	// APIOriginDomain; the name is lower case, and not one CloudFront
	// refuses to add (CloudFrontRefusedHeaders).
	// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html
	APIOriginHeaderName string
	// APIOriginHeaderValue is the value of the header APIOriginHeaderName
	// names. Default none; given with the name. It is a secret: generate
	// it once and keep it (an SSM SecureString whose later changes are
	// ignored, as stacks/firewallpart does).
	APIOriginHeaderValue pulumi.StringInput

	// HSTSMaxAge is the Strict-Transport-Security max-age in seconds,
	// at least one day. Default DefaultHSTSMaxAge (one year), with
	// includeSubDomains; never preload, which commits the whole domain.
	HSTSMaxAge int
	// ContentSecurityPolicy is the Content-Security-Policy sent unless the
	// origin sends its own. Default DefaultContentSecurityPolicy.
	ContentSecurityPolicy string

	// WebACLARN is the AWS WAF web ACL (scope CLOUDFRONT, created in
	// us-east-1: waf.WebFirewall) the distribution sends every request
	// through. Default none; the stacks always pass one. CloudFront names
	// its ACL by ARN in the distribution itself (WAF's association API does
	// not take distributions).
	// Source: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
	WebACLARN pulumi.StringInput

	// Protect marks both buckets (the assets and their access logs)
	// protect and retainOnDelete. Default false.
	Protect bool
}

// withDefaults returns a copy of a with defaults applied.
func (a EdgeCdnArgs) withDefaults() EdgeCdnArgs {
	a.Names = append([]string(nil), a.Names...)
	a.ExistingValidationNames = append([]string(nil), a.ExistingValidationNames...)
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&a.NoncurrentVersionDays, DefaultNoncurrentVersionDays)
	def(&a.LogRetentionDays, DefaultLogRetentionDays)
	def(&a.HSTSMaxAge, DefaultHSTSMaxAge)
	if a.PriceClass == "" {
		a.PriceClass = DefaultPriceClass
	}
	if a.DefaultRootObject == "" {
		a.DefaultRootObject = DefaultRootObject
	}
	if a.APIPathPattern == "" {
		a.APIPathPattern = DefaultAPIPathPattern
	}
	if a.ContentSecurityPolicy == "" {
		a.ContentSecurityPolicy = DefaultContentSecurityPolicy
	}
	return a
}

// Validate reports every problem of the arguments at once, each naming the
// field (Args.Names[1]), the value and the rule. Zero values are judged as
// their defaults, as NewEdgeCdn uses them.
func (a *EdgeCdnArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a EdgeCdnArgs) validate() error {
	var p validate.Problems
	a.validateNames(&p)
	if a.CertificateProvider == nil {
		p.Add("Args.CertificateProvider", "", "is required: CloudFront only uses certificates from us-east-1, so pass a us-east-1 provider")
	}
	if a.BucketName != "" {
		p.Check("Args.BucketName", a.BucketName, CheckBucketName(a.BucketName))
	}
	p.Check("Args.NoncurrentVersionDays", fmt.Sprint(a.NoncurrentVersionDays), validate.CheckRange(a.NoncurrentVersionDays, 1, 3650))
	p.Check("Args.LogRetentionDays", fmt.Sprint(a.LogRetentionDays), validate.CheckRange(a.LogRetentionDays, 1, 3650))
	if !slices.Contains(PriceClasses, a.PriceClass) {
		p.Addf("Args.PriceClass", a.PriceClass, "must be one of %s", strings.Join(PriceClasses, ", "))
	}
	if !objectKey.MatchString(a.DefaultRootObject) || len(a.DefaultRootObject) > 255 {
		p.Add("Args.DefaultRootObject", a.DefaultRootObject, "must be an object key of letters, digits and ._/- without a leading slash, at most 255 characters")
	}
	if a.APIOriginDomain != nil {
		if !strings.HasPrefix(a.APIPathPattern, "/") || strings.Trim(a.APIPathPattern, "/*") == "" || len(a.APIPathPattern) > 255 {
			p.Add("Args.APIPathPattern", a.APIPathPattern, "must start with / and name a path (such as /api/*), not every path: the bucket serves the rest")
		}
	}
	a.validateOriginHeader(&p)
	p.Check("Args.HSTSMaxAge", fmt.Sprint(a.HSTSMaxAge), validate.CheckRange(a.HSTSMaxAge, 86400, 63072000))
	return p.Err("edge CDN arguments")
}

// CloudFrontRefusedHeaders are the headers CloudFront cannot add to origin
// requests (lower case; those ending in "-" are prefixes).
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html
var CloudFrontRefusedHeaders = []string{
	"cache-control", "connection", "content-length", "cookie", "host", "if-match", "if-modified-since",
	"if-none-match", "if-range", "if-unmodified-since", "max-forwards", "pragma", "proxy-authorization",
	"proxy-connection", "range", "request-range", "te", "trailer", "transfer-encoding", "upgrade", "via",
	"x-real-ip", "x-amz-", "x-edge-",
}

// originHeaderName is a lower-case HTTP header name (an RFC 9110 token).
var originHeaderName = regexp.MustCompile(`^[a-z0-9!#$%&'*+.^_|~-]{1,64}$`)

// validateOriginHeader checks the API origin's secret header.
func (a EdgeCdnArgs) validateOriginHeader(p *validate.Problems) {
	name, value := a.APIOriginHeaderName, a.APIOriginHeaderValue
	switch {
	case name == "" && value == nil:
		return
	case name == "" || value == nil:
		p.Add("Args.APIOriginHeaderName", name, "and Args.APIOriginHeaderValue go together: a header needs a name and a value")
		return
	case a.APIOriginDomain == nil:
		p.Add("Args.APIOriginHeaderName", name, "needs Args.APIOriginDomain: the header is added to the API origin's requests")
	}
	if !originHeaderName.MatchString(name) {
		p.Add("Args.APIOriginHeaderName", name, "must be a lower-case HTTP header name of at most 64 characters")
		return
	}
	for _, refused := range CloudFrontRefusedHeaders {
		if name == refused || (strings.HasSuffix(refused, "-") && strings.HasPrefix(name, refused)) {
			p.Add("Args.APIOriginHeaderName", name, "is a header CloudFront cannot add to origin requests")
		}
	}
}

// validateNames checks the names served and their zone.
func (a EdgeCdnArgs) validateNames(p *validate.Problems) {
	zoneOK := dns.CheckZone(p, "Args", a.ZoneID, a.ZoneName)
	if len(a.Names) == 0 || len(a.Names) > dns.MaxCertificateNames {
		p.Addf("Args.Names", fmt.Sprint(a.Names), "must list 1 to %d names: one certificate (ACM's default quota) covers them all", dns.MaxCertificateNames)
	}
	seen := map[string]bool{}
	for i, n := range a.Names {
		field := fmt.Sprintf("Args.Names[%d]", i)
		switch {
		case validate.CheckDomainName(n) != "":
			p.Add(field, n, validate.CheckDomainName(n)+"; no wildcard: every name gets its own records")
		case zoneOK && !dns.InZone(n, a.ZoneName):
			p.Addf(field, n, "must lie in the zone %s, where its records are written", a.ZoneName)
		case seen[n]:
			p.Add(field, n, "is listed twice")
		}
		seen[n] = true
	}
	if len(a.Names) > 0 {
		p.Check("Args.Names[0]", a.Names[0], validate.CheckMaxLength(a.Names[0], dns.MaxSubjectLength, "the certificate's subject (common name, RFC 5280)"))
	}
	for i, n := range a.ExistingValidationNames {
		if !seen[n] {
			p.Add(fmt.Sprintf("Args.ExistingValidationNames[%d]", i), n, "is not one of Args.Names")
		}
	}
}

// CheckName returns the rule an EdgeCdn's name breaks, or "": the bucket
// and policy names are derived from it.
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// CheckBucketName applies S3's naming rules and refuses dots
// (validate.CheckBucketName).
func CheckBucketName(name string) string { return validate.CheckBucketName(name) }
