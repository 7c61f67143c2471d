package vpnpart

import (
	"fmt"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/components/vpnserver"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures the OpenVPN server of shared-services
// (components/vpnserver). Pulumi.yaml declares every key under the "vpn"
// marker; the client pool is the common refarch:vpnClientCidr, which the
// directory's checks keep apart from every VPC.
type Config struct {
	// AllowedCIDRs may reach OpenVPN's port (refarch:vpnAllowedCidrs).
	AllowedCIDRs []string
	// InstanceType is the server's type (refarch:vpnInstanceType).
	InstanceType string
	// PrivateZonePrefix names the application stacks' private zones
	// (<prefix>.<env>.<domain>), pushed as search domains: the project's
	// refarch:dnsPrivateZonePrefix, which the application stacks keep.
	PrivateZonePrefix string
}

// Load reads and validates the section (shared-services only); problems
// go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	if c.Role != stack.RoleSharedServices {
		return
	}
	r.Object("vpnAllowedCidrs", true, &s.AllowedCIDRs)
	s.InstanceType = r.Str("vpnInstanceType")
	s.PrivateZonePrefix = r.Str("dnsPrivateZonePrefix")
	p := &r.Problems
	for i, cidr := range s.AllowedCIDRs {
		if _, rule := validate.ParseCIDR(cidr); rule != "" {
			p.Add(fmt.Sprintf("%s[%d]", stack.Key("vpnAllowedCidrs"), i), cidr, rule)
		}
	}
	if s.AllowedCIDRs != nil && len(s.AllowedCIDRs) == 0 {
		p.Add(stack.Key("vpnAllowedCidrs"), "[]", "must list at least one block (0.0.0.0/0 for anywhere): an empty list locks every operator out")
	}
	p.Check(stack.Key("vpnInstanceType"), s.InstanceType, vpnserver.CheckInstanceType(s.InstanceType))
	if c.Domain == "" {
		p.Add(stack.Key("domain"), "", "is required in shared-services: the VPN server is vpn.<domain>")
	}
	if !c.VpnClientCIDR.IsValid() {
		p.Add(stack.Key("vpnClientCidr"), "", "is required in shared-services: the VPN's client pool")
	}
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "vpnAllowedCidrs", Part: "stacks/vpnpart", Feeds: "components/vpnserver (Args.AllowedCIDRs) in shared-services", Rule: "at least one IPv4 CIDR block"},
	{Name: "vpnInstanceType", Part: "stacks/vpnpart", Feeds: "components/vpnserver (Args.InstanceType) in shared-services", Rule: "<family>.<size> of a supported family (vpnserver.InstanceFamilies)"},
}
