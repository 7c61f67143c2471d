package waf

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// The scopes of a web ACL. A CloudFront ACL must be created in us-east-1
// (pass a us-east-1 provider); a regional one in the region of the
// resources it protects.
// Source: https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html
const (
	ScopeRegional   = "REGIONAL"
	ScopeCloudFront = "CLOUDFRONT"
)

// The modes of a web ACL: block what the rules match, or only count it
// (the rules' metrics, samples and logs show what block would have done).
const (
	ModeBlock = "block"
	ModeCount = "count"
)

// Modes lists the modes, as configuration spells them.
var Modes = []string{ModeBlock, ModeCount}

// The AWS managed rule groups a web ACL may use.
// Source: https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-list.html
const (
	// RulesIPReputation blocks addresses Amazon threat intelligence lists
	// as bots and attackers.
	RulesIPReputation = "AWSManagedRulesAmazonIpReputationList"
	// RulesCommon is the core rule set (OWASP Top 10 style: size limits,
	// cross-site scripting, local file inclusion, bad user agents).
	RulesCommon = "AWSManagedRulesCommonRuleSet"
	// RulesKnownBadInputs blocks request patterns known to exploit
	// vulnerabilities (Log4j, Java deserialization, localhost hosts).
	RulesKnownBadInputs = "AWSManagedRulesKnownBadInputsRuleSet"
	// RulesSQLInjection blocks SQL injection in the query, body, URI and
	// cookies: for APIs backed by a database.
	RulesSQLInjection = "AWSManagedRulesSQLiRuleSet"
)

// rulePriorities fixes each rule's priority (AWS evaluates the lowest
// first): the cheap address checks first, then the request inspection.
// Priorities never depend on which groups are on, so adding one never
// renumbers (and replaces) another.
var rulePriorities = map[string]int{
	originRuleName:      5,
	rateRuleName:        10,
	RulesIPReputation:   20,
	RulesCommon:         30,
	RulesKnownBadInputs: 40,
	RulesSQLInjection:   50,
}

// DefaultRuleGroups are the groups of every web ACL: reputation, common
// rule set, known bad inputs. An API adds RulesSQLInjection (APIRuleGroups).
var DefaultRuleGroups = []string{RulesIPReputation, RulesCommon, RulesKnownBadInputs}

// APIRuleGroups are DefaultRuleGroups plus the SQL injection set, for the
// entry points that reach an API backed by a database.
var APIRuleGroups = []string{RulesIPReputation, RulesCommon, RulesKnownBadInputs, RulesSQLInjection}

// The limits of a rate-based rule: requests from one address in the
// evaluation window.
// Source: https://docs.aws.amazon.com/waf/latest/APIReference/API_RateBasedStatement.html
const (
	MinRateLimit     = 10
	MaxRateLimit     = 2_000_000_000
	DefaultRateLimit = 2000
	// RateWindowSeconds is the rule's evaluation window (AWS's default and
	// the limit's unit in this package): five minutes.
	RateWindowSeconds = 300
)

// DefaultRedactedHeaders are the request headers never written to the
// logs: they carry credentials.
var DefaultRedactedHeaders = []string{"authorization", "cookie"}

// MaxSearchStringLength is the longest string a byte match statement
// searches for, in bytes: it bounds an OriginHeader's value and paths.
// Source: https://docs.aws.amazon.com/waf/latest/APIReference/API_ByteMatchStatement.html
const MaxSearchStringLength = 50

// headerName is a lower-case HTTP header name (an RFC 9110 token without
// upper case): WAF matches a single header by its lower-case name.
var headerName = regexp.MustCompile(`^[a-z0-9!#$%&'*+.^_|~-]{1,64}$`)

// OriginHeader is the secret custom header a CloudFront distribution adds
// to every request it sends to an origin (edgecdn.EdgeCdnArgs'
// APIOriginHeaderName and APIOriginHeaderValue), as the ACL of that origin
// sees it. AWS's mitigation for an internet-facing load balancer behind
// CloudFront: the origin tells the distribution's requests from direct
// ones by the header, and admits its paths only with it.
// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/restrict-access-to-load-balancer.html
type OriginHeader struct {
	// Name is the header's name, lower case. Required.
	Name string
	// Value is the secret, at most MaxSearchStringLength bytes. Required.
	// Generate it once (Secrets Manager's GetRandomPassword) and keep it
	// (an SSM SecureString whose value later updates ignore), so that the
	// distribution and the ACL always read the same value and a preview
	// changes nothing.
	Value pulumi.StringInput
	// PathPrefixes are the path prefixes only the distribution may reach
	// ("/api/" for its "/api/*" behavior), compared after URL decoding,
	// path normalization and lower-casing, so that "/%61pi/" or "//API/"
	// are caught too. Required: at least one, each starting with "/",
	// without wildcards, at most MaxSearchStringLength bytes.
	PathPrefixes []string
}

// WebFirewallArgs configures a WebFirewall. Zero values mean the default.
type WebFirewallArgs struct {
	// Scope is ScopeRegional (load balancers, API gateways) or
	// ScopeCloudFront (distributions, created through a us-east-1
	// provider). Required: the two cannot be inferred from each other.
	Scope string
	// Mode is ModeBlock or ModeCount. Default ModeBlock: the secure choice;
	// count is for a new stack whose traffic has not been reviewed yet.
	Mode string
	// RuleGroups are the AWS managed rule groups, by name (the Rules…
	// constants). Default DefaultRuleGroups. Each at most once.
	RuleGroups []string
	// RateLimit is the most requests one client address may send in
	// RateWindowSeconds before the rate rule blocks (or counts) it.
	// Default DefaultRateLimit (about 7 a second, far above a person's
	// use); between MinRateLimit and MaxRateLimit. The address is the
	// request's source: on a regional ACL behind CloudFront, the CloudFront
	// edge server's, shared by every viewer it serves; set OriginHeader
	// there, so that the rule counts direct requests only and the
	// distribution's own ACL limits viewers.
	// Source: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html
	RateLimit int
	// OriginHeader, on a regional ACL whose resource is also a CloudFront
	// distribution's origin, is the secret header the distribution adds to
	// its requests there. With it the rate rule counts only requests
	// without the header (scope-down: not a byte match of the header),
	// and a rule of priority 5 blocks (ModeCount: counts) requests to
	// OriginHeader.PathPrefixes that come without it, so those paths are
	// reached only through the distribution. Default none. Only with
	// ScopeRegional.
	OriginHeader *OriginHeader
	// ResourceARNs are the regional resources (load balancers) the ACL is
	// associated with, one WebAclAssociation each. Default none. Only with
	// ScopeRegional: a distribution names its ACL itself (EdgeCdnArgs),
	// because WAF's association API does not take distributions.
	// Source: https://docs.aws.amazon.com/waf/latest/APIReference/API_AssociateWebACL.html
	ResourceARNs []pulumi.StringInput
	// KeyAdministrators administer the log group's KMS key. Required (at
	// least one, the deploy role).
	KeyAdministrators []string
	// LogRetentionDays is the retention of the ACL's log group
	// (aws-waf-logs-<name>). Default 365. A CloudWatch Logs value.
	LogRetentionDays int
	// RedactedHeaders are headers replaced by REDACTED in the logs.
	// Default DefaultRedactedHeaders. Lower case.
	RedactedHeaders []string
	// Protect protects and retains the log key and log group (their
	// records are evidence). Default false; stacks pass their
	// deletionProtection.
	Protect bool
}

func (a WebFirewallArgs) withDefaults() WebFirewallArgs {
	if a.Mode == "" {
		a.Mode = ModeBlock
	}
	if a.RuleGroups == nil {
		a.RuleGroups = DefaultRuleGroups
	}
	a.RuleGroups = slices.Clone(a.RuleGroups)
	if a.RateLimit == 0 {
		a.RateLimit = DefaultRateLimit
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = 365
	}
	if a.RedactedHeaders == nil {
		a.RedactedHeaders = DefaultRedactedHeaders
	}
	a.RedactedHeaders = slices.Clone(a.RedactedHeaders)
	a.ResourceARNs = slices.Clone(a.ResourceARNs)
	a.KeyAdministrators = slices.Clone(a.KeyAdministrators)
	if a.OriginHeader != nil {
		h := *a.OriginHeader
		h.PathPrefixes = slices.Clone(h.PathPrefixes)
		a.OriginHeader = &h
	}
	return a
}

// Validate reports every problem of the arguments (defaults applied) at
// once, each naming the field, the value and the rule.
func (a *WebFirewallArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a WebFirewallArgs) validate() error {
	var p validate.Problems
	if a.Scope != ScopeRegional && a.Scope != ScopeCloudFront {
		p.Addf("Args.Scope", a.Scope, "must be %s or %s", ScopeRegional, ScopeCloudFront)
	}
	p.Check("Args.Mode", a.Mode, CheckMode(a.Mode))
	if len(a.RuleGroups) == 0 {
		p.Add("Args.RuleGroups", "[]", "must list at least one managed rule group: an ACL without them inspects nothing")
	}
	seen := map[string]bool{}
	for i, g := range a.RuleGroups {
		field := fmt.Sprintf("Args.RuleGroups[%d]", i)
		if _, ok := rulePriorities[g]; !ok || g == rateRuleName || g == originRuleName {
			p.Addf(field, g, "must be one of %v", APIRuleGroups)
		} else if seen[g] {
			p.Add(field, g, "is listed twice")
		}
		seen[g] = true
	}
	p.Check("Args.RateLimit", fmt.Sprint(a.RateLimit), CheckRateLimit(a.RateLimit))
	if a.Scope == ScopeCloudFront && len(a.ResourceARNs) > 0 {
		p.Add("Args.ResourceARNs", fmt.Sprintf("%d resources", len(a.ResourceARNs)), "must be empty for a CloudFront ACL: the distribution names its ACL (web ACL id)")
	}
	for i, arn := range a.ResourceARNs {
		if arn == nil {
			p.Add(fmt.Sprintf("Args.ResourceARNs[%d]", i), "", "must be a resource ARN, not nil")
		}
	}
	a.validateOriginHeader(&p)
	keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	p.Check("Args.LogRetentionDays", fmt.Sprint(a.LogRetentionDays), validate.CheckLogRetention(a.LogRetentionDays))
	for i, h := range a.RedactedHeaders {
		if h == "" || h != strings.ToLower(h) {
			p.Add(fmt.Sprintf("Args.RedactedHeaders[%d]", i), h, "must be a lower-case header name")
		}
	}
	return p.Err("web firewall arguments")
}

// validateOriginHeader checks OriginHeader: a regional ACL's, with a
// lower-case name, a value and the paths it guards.
func (a WebFirewallArgs) validateOriginHeader(p *validate.Problems) {
	h := a.OriginHeader
	if h == nil {
		return
	}
	if a.Scope != ScopeRegional {
		p.Add("Args.OriginHeader", h.Name, "is only for a regional ACL: a CloudFront ACL sees the viewers' requests before the header is added")
	}
	if !headerName.MatchString(h.Name) {
		p.Add("Args.OriginHeader.Name", h.Name, "must be a lower-case HTTP header name of at most 64 characters (WAF matches single headers by their lower-case name)")
	}
	if h.Value == nil {
		p.Add("Args.OriginHeader.Value", "", "is required: the secret the distribution sends")
	}
	if len(h.PathPrefixes) == 0 {
		p.Add("Args.OriginHeader.PathPrefixes", "[]", "must list the paths only the distribution may reach")
	}
	for i, prefix := range h.PathPrefixes {
		if !strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, "*?") || len(prefix) > MaxSearchStringLength || prefix != strings.ToLower(prefix) {
			p.Addf(fmt.Sprintf("Args.OriginHeader.PathPrefixes[%d]", i), prefix,
				"must be a lower-case path prefix starting with / without wildcards, at most %d bytes (WAF's search string)", MaxSearchStringLength)
		}
	}
}

// CheckMode returns the rule a mode breaks, or "".
func CheckMode(mode string) string {
	if !slices.Contains(Modes, mode) {
		return fmt.Sprintf("must be %s or %s", ModeBlock, ModeCount)
	}
	return ""
}

// CheckRateLimit returns the rule a rate limit breaks, or "".
func CheckRateLimit(limit int) string {
	if limit < MinRateLimit || limit > MaxRateLimit {
		return fmt.Sprintf("must be between %d and %d requests per %d seconds (AWS WAF's limits for a rate-based rule)", MinRateLimit, MaxRateLimit, RateWindowSeconds)
	}
	return ""
}
