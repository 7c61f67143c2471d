package dns

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// DefaultDelegationTTL is the TTL of a delegation (NS) record: two days, the
// TTL Route 53 gives a hosted zone's own NS record. Delegations change
// rarely, and a long TTL keeps the zone reachable from resolver caches
// through an outage of the parent.
// Source: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/SOA-NSrecords.html
const DefaultDelegationTTL = 172800

// MinDelegationTTL is the shortest delegation TTL ZoneArgs accepts: below a
// minute every lookup goes back to the parent's name servers.
const MinDelegationTTL = 60

// ZoneArgs configures a Zone. Zero values mean the documented default.
type ZoneArgs struct {
	// Domain is the zone's DNS name, e.g. "prod.example.com". Required: a
	// lower-case, fully qualified name.
	Domain string
	// Comment describes the zone in the Route 53 console. Default:
	// "<public|private> zone <Domain>, managed by Pulumi".
	Comment string

	// Private makes a private zone: it answers only queries from the VPCs in
	// VpcIDs and is invisible from the internet, which is where internal
	// names (databases, internal load balancers) belong. Default false: a
	// public zone.
	Private bool
	// VpcIDs are the VPCs, in the provider's region, a private zone answers
	// in. Required for a private zone (Route 53 creates none without a VPC),
	// refused for a public one. Default none.
	VpcIDs []pulumi.StringInput

	// ParentZoneID is the zone this one is delegated from: the component
	// writes Domain's NS record (its name servers) there. Default none: a
	// root zone, delegated at the registrar with NameServers. Refused for a
	// private zone, which nothing delegates to.
	ParentZoneID pulumi.StringInput
	// ParentZoneName is the DNS name of ParentZoneID. Required with
	// ParentZoneID;
	// Domain must lie below it.
	ParentZoneName string
	// ParentProvider writes the delegation record, e.g. a provider assuming
	// a delegate role in the account that owns the parent zone. Default:
	// the provider the component inherits. Refused without ParentZoneID.
	ParentProvider *aws.Provider
	// DelegationTTL is the delegation record's TTL in seconds, between
	// MinDelegationTTL and DefaultDelegationTTL. Default
	// DefaultDelegationTTL (two days). A shorter one speeds up moving the
	// zone, at the cost of more queries to the parent.
	DelegationTTL int

	// Protect marks the zone protect and retainOnDelete. A deleted public
	// zone cannot be brought back with the same name servers: every
	// delegation to it (at the registrar or in the parent) breaks. Default
	// false.
	Protect bool
}

// withDefaults returns a copy of a with every zero value replaced by its
// default; the caller's Args are never changed.
func (a ZoneArgs) withDefaults() ZoneArgs {
	a.VpcIDs = append([]pulumi.StringInput(nil), a.VpcIDs...)
	if a.Comment == "" {
		kind := "public"
		if a.Private {
			kind = "private"
		}
		a.Comment = fmt.Sprintf("%s zone %s, managed by Pulumi", kind, a.Domain)
	}
	if a.DelegationTTL == 0 {
		a.DelegationTTL = DefaultDelegationTTL
	}
	return a
}

// Validate reports every problem of the arguments at once, each naming the
// field (ZoneArgs.Domain), the value and the rule. Zero values are judged
// as their defaults, as NewZone uses them.
func (a *ZoneArgs) Validate() error {
	return a.withDefaults().validate()
}

func (a ZoneArgs) validate() error {
	var p validate.Problems
	if a.Domain == "" {
		p.Add("ZoneArgs.Domain", "", "is required")
	} else {
		p.Check("ZoneArgs.Domain", a.Domain, validate.CheckDomainName(a.Domain))
	}
	switch {
	case a.Private && len(a.VpcIDs) == 0:
		p.Add("ZoneArgs.VpcIDs", "[]", "is required for a private zone: Route 53 creates a private zone only together with a VPC")
	case !a.Private && len(a.VpcIDs) > 0:
		p.Addf("ZoneArgs.VpcIDs", fmt.Sprintf("%d VPCs", len(a.VpcIDs)), "only a private zone is associated with VPCs: set ZoneArgs.Private")
	}
	for i, id := range a.VpcIDs {
		if id == nil {
			p.Add(fmt.Sprintf("ZoneArgs.VpcIDs[%d]", i), "nil", "must be a VPC id")
		}
	}
	a.validateDelegation(&p)
	return p.Err("zone arguments")
}

// validateDelegation checks the parent-zone fields.
func (a ZoneArgs) validateDelegation(p *validate.Problems) {
	delegated := a.ParentZoneID != nil
	if a.Private && delegated {
		p.Add("ZoneArgs.ParentZoneID", "set", "a private zone cannot be delegated from a public parent: leave it empty")
	}
	if !delegated {
		if a.ParentZoneName != "" {
			p.Add("ZoneArgs.ParentZoneName", a.ParentZoneName, "needs ZoneArgs.ParentZoneID: without the parent's id there is nothing to delegate from")
		}
		if a.ParentProvider != nil {
			p.Add("ZoneArgs.ParentProvider", "set", "is only used to write the delegation: set ZoneArgs.ParentZoneID too")
		}
		return
	}
	switch {
	case a.ParentZoneName == "":
		p.Add("ZoneArgs.ParentZoneName", "", "is required with ZoneArgs.ParentZoneID: the zone must lie below its parent")
	case validate.CheckDomainName(a.ParentZoneName) != "":
		p.Add("ZoneArgs.ParentZoneName", a.ParentZoneName, validate.CheckDomainName(a.ParentZoneName))
	case a.Domain != "" && (a.Domain == a.ParentZoneName || !InZone(a.Domain, a.ParentZoneName)):
		p.Addf("ZoneArgs.Domain", a.Domain, "must lie below the parent zone %s to be delegated from it", a.ParentZoneName)
	}
	p.Check("ZoneArgs.DelegationTTL", fmt.Sprint(a.DelegationTTL), validate.CheckRange(a.DelegationTTL, MinDelegationTTL, DefaultDelegationTTL))
}
