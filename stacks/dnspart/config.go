package dnspart

import (
	"fmt"

	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// minProdDelegationTTL is the shortest delegation TTL prod accepts: for as
// long as resolvers cache the NS record, prod stays reachable even if the
// root zone's record is lost or the root zone is unavailable.
const minProdDelegationTTL = 3600

// Config configures hosted zones and certificates. shared-services
// holds the root zone of refarch:domain and reads nothing here; an
// application stack serves <stack>.<domain> (stack.Config.EnvDomain) publicly,
// delegated from the root zone, and internal names in a private zone.
type Config struct {
	// PrivateZoneName is the application stack's private zone:
	// refarch:dnsPrivateZonePrefix below <stack>.<domain>, e.g.
	// internal.prod.example.com. A name of its own (not the public zone's
	// name, "split horizon") so that public names still resolve inside the
	// VPC and internal ones never appear in public DNS.
	PrivateZoneName string
	// DelegationTTL is the TTL, in seconds, of the environment zone's NS
	// record in the root zone (refarch:dnsDelegationTtl).
	DelegationTTL int
}

// Load reads and validates the section; problems go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	if c.Role != stack.RoleApp {
		return
	}
	prefix := r.Str("dnsPrivateZonePrefix")
	s.DelegationTTL = r.Int("dnsDelegationTtl", dns.DefaultDelegationTTL)
	p := &r.Problems

	domainOK := c.Domain != "" && validate.CheckDomainName(c.Domain) == ""
	if domainOK {
		// The environment's name is the subject of its certificate.
		p.Check(stack.Key("domain"), c.Domain, validate.CheckMaxLength(c.EnvDomain(), dns.MaxSubjectLength,
			fmt.Sprintf("the environment zone %s, its certificate's subject (common name, RFC 5280),", c.EnvDomain())))
	}
	if prefix != "" {
		name := prefix + "." + c.EnvDomain()
		switch {
		case validate.CheckDomainName(prefix+".example") != "": // the labels alone
			p.Add(stack.Key("dnsPrivateZonePrefix"), prefix, "must be one or more DNS labels (a-z, 0-9, inner hyphens), e.g. internal")
		case domainOK && validate.CheckDomainName(name) != "":
			p.Addf(stack.Key("dnsPrivateZonePrefix"), prefix, "makes the private zone %s, which is not a valid DNS name (at most 253 characters)", name)
		default:
			s.PrivateZoneName = name
		}
	}
	key := stack.Key("dnsDelegationTtl")
	if rule := validate.CheckRange(s.DelegationTTL, dns.MinDelegationTTL, dns.DefaultDelegationTTL); rule != "" {
		p.Add(key, fmt.Sprint(s.DelegationTTL), rule+" seconds: Route 53's own NS records live two days, and below a minute every lookup returns to the root zone")
	} else if c.IsProd() && s.DelegationTTL < minProdDelegationTTL {
		p.Addf(key, fmt.Sprint(s.DelegationTTL), "must be at least %d in prod: resolvers keep prod reachable from their cache for this long if the root zone's record is lost", minProdDelegationTTL)
	}
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "dnsPrivateZonePrefix", Part: "stacks/dnspart", Feeds: "components/dns (the private Zone <prefix>.<stack>.<domain>); the internal load balancer's name", Rule: "DNS labels forming a valid name; a single label (the wildcard certificate covers one label)"},
	{Name: "dnsDelegationTtl", Part: "stacks/dnspart", Feeds: "components/dns (ZoneArgs.DelegationTTL)", Rule: "60-172800 seconds; at least 3600 in prod"},
}
