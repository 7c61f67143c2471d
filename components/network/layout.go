package network

import (
	"fmt"
	"net/netip"
)

// Tier is one of the three subnet tiers every availability zone gets.
type Tier string

// The tiers, in the order their blocks are allocated inside a zone's block
// (largest first, so every block is aligned without gaps).
const (
	// TierApp is the private application tier: services, tasks, Lambda
	// functions, interface endpoints. Egress through NAT when configured.
	TierApp Tier = "app"
	// TierData is the isolated data tier: databases and caches. No route to
	// the internet at all; its network ACL admits only the app tier.
	TierData Tier = "data"
	// TierPublic is the public tier: load balancers, NAT gateways, the VPN.
	TierPublic Tier = "public"
)

// Tiers lists the tiers in allocation order.
var Tiers = []Tier{TierApp, TierData, TierPublic}

// zoneSlots is how many zone blocks the VPC is divided into. It is fixed at
// 8 (3 bits) whatever the zone count, so that the block of zone i never
// depends on how many zones there are: adding a zone later allocates the next
// free block and replaces nothing (awsx's availabilityZoneCidrMask).
const zoneSlots = 8

// zoneBits is log2(zoneSlots).
const zoneBits = 3

// Masks are the prefix lengths of the tiers' subnets.
type Masks struct {
	// Public, App and Data are the prefix lengths of the public, app and
	// data subnets (27 for a /27). Required, all three, in Masks given: a
	// zero Masks means DefaultMasks.
	Public, App, Data int
}

// DefaultMasks sizes the tiers from the zone block: half of it for the app
// tier (where tasks take one address each), a quarter for the data tier, an
// eighth for the public tier (load balancers and NAT gateways need few
// addresses), an eighth left free for a later tier. A /16 VPC gets /19 zones,
// /20 app, /21 data and /22 public subnets.
func DefaultMasks(vpc netip.Prefix) Masks {
	zone := vpc.Bits() + zoneBits
	return Masks{App: zone + 1, Data: zone + 2, Public: zone + 3}
}

// The smallest subnets each tier may have. An ALB needs a /27 or larger in
// each of its subnets (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer);
// Fargate tasks take one address each, so the app tier keeps at least a /24;
// RDS and ElastiCache need a few addresses per subnet and AWS's smallest
// subnet is a /28.
const (
	maxPublicMask = 27
	maxAppMask    = 24
	maxDataMask   = 28
)

func (m Masks) of(t Tier) int {
	switch t {
	case TierApp:
		return m.App
	case TierData:
		return m.Data
	default:
		return m.Public
	}
}

// Layout is the subnet plan of a VPC: for each tier, one block per zone.
type Layout struct {
	// ZoneMask is the prefix length of each zone's block.
	ZoneMask int
	// Subnets maps a tier to its blocks, in zone order.
	Subnets map[Tier][]netip.Prefix
}

// PlanLayout computes where every subnet goes, as awsx's "Auto" strategy
// allocates them: zone i gets the i-th block of /ZoneMask; inside it, the
// tiers follow each other in Tiers order, each block starting after the
// previous one, aligned to its own size.
// Source: awsx/ec2/subnetDistributorNew.ts (getSubnetSpecs, nextNetmask).
func PlanLayout(vpc netip.Prefix, zones int, m Masks) (Layout, error) {
	zoneMask := vpc.Bits() + zoneBits
	if zones > zoneSlots {
		return Layout{}, fmt.Errorf("%d zones do not fit the %d zone blocks", zones, zoneSlots)
	}
	zoneSize := uint64(1) << (32 - zoneMask)
	var total uint64
	for _, t := range Tiers {
		mask := m.of(t)
		if mask <= zoneMask || mask > 28 {
			return Layout{}, fmt.Errorf("the %s tier's /%d does not fit a /%d zone block (it must be between /%d and /28)",
				t, mask, zoneMask, zoneMask+1)
		}
		total += uint64(1) << (32 - mask)
	}
	if total > zoneSize {
		return Layout{}, fmt.Errorf("the tiers need %d addresses per zone, but a /%d zone block has %d", total, zoneMask, zoneSize)
	}
	l := Layout{ZoneMask: zoneMask, Subnets: map[Tier][]netip.Prefix{}}
	base := addrToUint(vpc.Addr())
	for z := range zones {
		zoneStart := base + uint64(z)*zoneSize
		next := zoneStart
		for _, t := range Tiers {
			size := uint64(1) << (32 - m.of(t))
			start := (next + size - 1) / size * size // align to the block's own size
			l.Subnets[t] = append(l.Subnets[t], netip.PrefixFrom(uintToAddr(start), m.of(t)))
			next = start + size
		}
		if next > zoneStart+zoneSize {
			return Layout{}, fmt.Errorf("zone %d's subnets overflow its /%d block", z+1, zoneMask)
		}
	}
	return l, nil
}

func addrToUint(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

func uintToAddr(u uint64) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

// CIDRs renders the blocks of a tier as strings.
func (l Layout) CIDRs(t Tier) []string {
	out := make([]string, len(l.Subnets[t]))
	for i, p := range l.Subnets[t] {
		out[i] = p.String()
	}
	return out
}
