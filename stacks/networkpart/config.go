package networkpart

import (
	"fmt"
	"strings"

	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures the VPC (the network section of the configuration).
type Config struct {
	// NatGateways is the app tier's egress (refarch:natGateways):
	// one-per-az, single or none.
	NatGateways network.NatStrategy
	// InterfaceEndpoints adds ECR, Logs, SSM, Secrets Manager and KMS
	// interface endpoints (refarch:interfaceEndpoints; default off, as
	// Pulumi.yaml declares it; the dev, stage and prod files turn it on,
	// and prod must). Services without internetEgress reach AWS only
	// through them and the S3 gateway endpoint.
	InterfaceEndpoints bool
	// ManagementPeering peers an application VPC with the management VPC
	// of shared-services, so the VPN reaches private resources
	// (refarch:managementPeering; application stacks only).
	ManagementPeering bool
}

// Load reads and validates the section; problems go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	if !c.HasNetwork() {
		return
	}
	s.NatGateways = network.NatStrategy(r.Str("natGateways"))
	switch s.NatGateways {
	case "", network.NatOnePerAZ, network.NatSingle, network.NatNone:
	default:
		r.Problems.Addf(stack.Key("natGateways"), string(s.NatGateways), "must be %q, %q or %q", network.NatOnePerAZ, network.NatSingle, network.NatNone)
	}
	if c.IsProd() && s.NatGateways != "" && s.NatGateways != network.NatOnePerAZ {
		r.Problems.Addf(stack.Key("natGateways"), string(s.NatGateways), "must be %q in prod: a single NAT gateway makes every zone's egress depend on one zone", network.NatOnePerAZ)
	}
	s.InterfaceEndpoints = r.Bool("interfaceEndpoints", false, false)
	if c.IsProd() && !s.InterfaceEndpoints {
		r.Problems.Add(stack.Key("interfaceEndpoints"), "false", "must be true in prod: services pull images, write logs and read secrets through the VPC's endpoints, never through NAT and the internet")
	}
	if c.Role == stack.RoleApp {
		s.ManagementPeering = r.Bool("managementPeering", false, true)
	}
	// The VPC block must also hold the subnet layout: with the default tier
	// sizes a block smaller than /21 leaves public subnets below the /27 an
	// ALB needs.
	if c.VpcCIDR.IsValid() && c.AZCount >= 2 {
		// The component applies its own defaults (masks, NAT, retention).
		args := network.NetworkArgs{CIDRBlock: c.VpcCIDR.String(), AvailabilityZones: placeholderZones(c.AZCount), KeyAdministrators: c.KeyAdministrators()}
		// The block's problems are the layout's (the masks derive from the
		// block); the other fields have keys and checks of their own.
		stack.RecordComponentProblems(&r.Problems, args.Validate(), func(prob validate.Problem) (validate.Problem, bool) {
			if !strings.HasPrefix(prob.Field, "Args.Masks") && prob.Field != "Args.CIDRBlock" {
				return prob, false
			}
			return validate.Problem{Field: stack.Key("vpcCidr"), Value: c.VpcCIDR.String(),
				Rule: "cannot hold the subnet layout: " + prob.Field + " " + prob.Value + " " + prob.Rule}, true
		})
	}
}

// placeholderZones stands in for zone names when only their count matters.
func placeholderZones(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("zone-%d", i+1)
	}
	return out
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "natGateways", Part: "stacks/networkpart", Feeds: "components/network (Args.NatGateways)", Rule: "one-per-az, single or none; one-per-az in prod"},
	{Name: "interfaceEndpoints", Part: "stacks/networkpart", Feeds: "components/network (Args.InterfaceEndpoints); components/ecscluster (Args.EndpointSecurityGroupID, every task group's HTTPS egress)", Rule: "true or false; true in prod"},
	{Name: "managementPeering", Part: "stacks/networkpart", Feeds: "components/network (Peering with the management VPC; Args.DataTierPeerCIDRs)", Rule: "true or false; application stacks only"},
}
