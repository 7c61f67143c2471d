package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// networkOut is what the network hands the other parts.
type networkOut struct {
	// VpcID is the VPC's id.
	VpcID pulumi.StringInput
	// CIDR is the VPC's block.
	CIDR string
	// AvailabilityZones are the zones the subnets span, in subnet order.
	AvailabilityZones []string
	// PublicSubnetIDs, AppSubnetIDs and DataSubnetIDs are the subnets of
	// each tier, one per availability zone.
	PublicSubnetIDs, AppSubnetIDs, DataSubnetIDs pulumi.StringArrayInput
}

// deployNetwork creates the stack's VPC.
func deployNetwork(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}
