package loadbalancer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// DefaultSSLPolicy is the HTTPS listeners' security policy unless
// Args.SSLPolicy says otherwise: TLS 1.3 and 1.2 with forward-secret AEAD
// ciphers only, plus hybrid post-quantum key exchange for clients that offer
// it — the policy AWS recommends. An HTTPS listener created without a policy
// gets ELBSecurityPolicy-2016-08, which still accepts TLS 1.0.
// Source: https://www.pulumi.com/registry/packages/aws/api-docs/lb/listener/#sslpolicy_go
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
const DefaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"

// ModernSSLPolicies are the predefined ALB security policies that refuse
// every protocol older than TLS 1.2; Args.SSLPolicy must be one of them.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
var ModernSSLPolicies = []string{
	"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
	"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
	"ELBSecurityPolicy-TLS13-1-3-2021-06",
	"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
	"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
	"ELBSecurityPolicy-TLS-1-2-2017-01",
	"ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
	"ELBSecurityPolicy-FS-1-2-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2019-08",
	"ELBSecurityPolicy-FS-1-2-Res-2020-10",
}

// Defaults of the optional arguments.
const (
	// DefaultAccessLogDays keeps access logs three months: long enough to
	// investigate an incident reported late, short enough not to hoard.
	DefaultAccessLogDays = 90
	// DefaultIdleTimeout is ALB's own default, in seconds.
	DefaultIdleTimeout = 60
	// MaxNameLength is the longest component name: ELB names are at most
	// 32 characters, and Pulumi's autonaming appends 8 ("-" and 7 hex) to
	// the load balancer's logical name, which is the component name.
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
	MaxNameLength = 32 - 8
)

// publicCIDR is the only source a public load balancer admits by default.
const publicCIDR = "0.0.0.0/0"

// LoadBalancerArgs configures a LoadBalancer. Zero values mean the documented default.
type LoadBalancerArgs struct {
	// Public puts the load balancer on the internet (scheme
	// "internet-facing", in public subnets, with an HTTP listener that only
	// redirects to HTTPS). Default false: internal, reachable only from
	// IngressCIDRs, HTTPS only — nothing is exposed by accident.
	Public bool
	// VpcID is the VPC of the security group (required).
	VpcID pulumi.StringInput
	// SubnetIDs are the subnets the load balancer's nodes live in, at least
	// two zones (required): public subnets for a public load balancer,
	// private ones for an internal one.
	SubnetIDs pulumi.StringArrayInput
	// CertificateARN is the validated ACM certificate of the HTTPS listener
	// (required). Use the certificate's validation output so the listener
	// waits for validation.
	CertificateARN pulumi.StringInput
	// IngressCIDRs are the IPv4 blocks admitted on the listener ports.
	// Default: 0.0.0.0/0 when Public (a public site is for everyone); an
	// internal load balancer has no default and accepts only RFC 1918
	// blocks, so it can never be opened to the internet by mistake. (awsx's
	// ApplicationLoadBalancer opens 0.0.0.0/0 on every port when given no
	// group; this component always creates its own. Source:
	// https://www.pulumi.com/registry/packages/awsx/api-docs/lb/applicationloadbalancer/)
	IngressCIDRs []string
	// IngressSecurityGroupIDs are security groups admitted on the listener
	// ports, such as the VPN server's group in the peered management VPC,
	// referenced across accounts as "<account id>/<group id>" (a peered VPC
	// of the same region). Default none.
	// Source: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html
	IngressSecurityGroupIDs []pulumi.StringInput
	// SSLPolicy is the HTTPS listener's security policy. Default
	// DefaultSSLPolicy; must be one of ModernSSLPolicies (TLS 1.2 or later).
	SSLPolicy string
	// AccessLogDays is how long access logs are kept, in days, after which
	// S3 expires them (noncurrent versions 30 days later). Default 90.
	AccessLogDays int
	// IdleTimeout is the connection idle timeout in seconds (1-4000).
	// Default 60.
	IdleTimeout int
	// Protect guards what holds data or serves traffic: the load balancer
	// gets deletion protection and the access-log bucket pulumi's protect
	// and retainOnDelete (so `pulumi destroy` cannot lose the logs). Default
	// false; set it in production.
	Protect bool
	// Aliases are DNS names (A alias records) created for the load
	// balancer, each in its hosted zone. Default none.
	Aliases []Alias
}

// Alias is a DNS name pointing at the load balancer.
type Alias struct {
	// ZoneID is the hosted zone the record is created in (required).
	ZoneID pulumi.StringInput
	// Name is the fully qualified name, inside that zone (required).
	Name string
}

// withDefaults returns a copy of args with every zero value replaced by its
// default; the caller's Args is never modified.
func (a *LoadBalancerArgs) withDefaults() LoadBalancerArgs {
	out := *a
	out.IngressCIDRs = append([]string(nil), a.IngressCIDRs...)
	out.IngressSecurityGroupIDs = append([]pulumi.StringInput(nil), a.IngressSecurityGroupIDs...)
	out.Aliases = append([]Alias(nil), a.Aliases...)
	if out.Public && len(out.IngressCIDRs) == 0 {
		out.IngressCIDRs = []string{publicCIDR}
	}
	if out.SSLPolicy == "" {
		out.SSLPolicy = DefaultSSLPolicy
	}
	if out.AccessLogDays == 0 {
		out.AccessLogDays = DefaultAccessLogDays
	}
	if out.IdleTimeout == 0 {
		out.IdleTimeout = DefaultIdleTimeout
	}
	return out
}

// CheckName returns the rule a LoadBalancer's name breaks, or "". The name
// is the load balancer's logical name, which Pulumi autonames into its
// physical name by appending "-" and 7 hex digits.
func CheckName(name string) string {
	switch {
	case validate.CheckName(name, MaxNameLength) != "":
		return validate.CheckName(name, MaxNameLength) + " (the 32-character ELB name limit, once Pulumi appends its 8-character suffix)"
	case strings.HasPrefix(name+"-", "internal-"):
		return `must not start with "internal-": ELB reserves that prefix for the DNS names of internal load balancers`
	}
	return ""
}

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field (Args.X), the value and the rule.
func (a *LoadBalancerArgs) Validate() error {
	d := a.withDefaults()
	return d.validate()
}

func (a *LoadBalancerArgs) validate() error {
	var p validate.Problems
	if a.VpcID == nil {
		p.Add("Args.VpcID", "", "is required: the security group lives in the VPC")
	}
	if a.SubnetIDs == nil {
		p.Add("Args.SubnetIDs", "", "is required: the load balancer needs subnets in at least two zones")
	}
	if a.CertificateARN == nil {
		p.Add("Args.CertificateARN", "", "is required: the HTTPS listener needs a validated certificate")
	}
	if len(a.IngressCIDRs) == 0 {
		p.Add("Args.IngressCIDRs", "[]", "is required for an internal load balancer: name the private blocks that may reach it")
	}
	for i, id := range a.IngressSecurityGroupIDs {
		if id == nil {
			p.Add(fmt.Sprintf("Args.IngressSecurityGroupIDs[%d]", i), "", "must not be nil")
		}
	}
	for i, cidr := range a.IngressCIDRs {
		prefix, rule := validate.ParseCIDR(cidr)
		if rule == "" && !a.Public {
			rule = validate.CheckPrivateCIDR(prefix)
		}
		p.Check(fmt.Sprintf("Args.IngressCIDRs[%d]", i), cidr, rule)
	}
	if !slices.Contains(ModernSSLPolicies, a.SSLPolicy) {
		p.Add("Args.SSLPolicy", a.SSLPolicy, "must be a predefined policy refusing TLS before 1.2: one of "+strings.Join(ModernSSLPolicies, ", "))
	}
	p.Check("Args.AccessLogDays", fmt.Sprint(a.AccessLogDays), validate.CheckRange(a.AccessLogDays, 1, 3650))
	p.Check("Args.IdleTimeout", fmt.Sprint(a.IdleTimeout), validate.CheckRange(a.IdleTimeout, 1, 4000))
	seen := map[string]bool{}
	for i, alias := range a.Aliases {
		field := fmt.Sprintf("Args.Aliases[%d]", i)
		if alias.ZoneID == nil {
			p.Add(field+".ZoneID", "", "is required: the hosted zone of the record")
		}
		p.Check(field+".Name", alias.Name, validate.CheckDomainName(alias.Name))
		if seen[alias.Name] {
			p.Add(field+".Name", alias.Name, "is listed twice")
		}
		seen[alias.Name] = true
	}
	return p.Err("load balancer arguments")
}
