package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/network"
)

// The outputs shared-services exports for the application stacks' peering.
const (
	// OutputManagementVpcID is the management VPC's id.
	OutputManagementVpcID = "managementVpcId"
	// OutputManagementVpcCIDR is the management VPC's block.
	OutputManagementVpcCIDR = "managementVpcCidr"
	// OutputManagementRouteTableIDs are the management VPC's route tables
	// that route to the application VPCs (public and app tiers).
	OutputManagementRouteTableIDs = "managementRouteTableIds"
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
	// ManagementCIDR is the management VPC's block: operators (through the
	// VPN, which translates its clients' addresses) come from there, so
	// security groups that admit operators admit this block.
	ManagementCIDR string
}

// deployNetwork creates the stack's VPC; in an application stack it also
// peers the VPC with the management VPC of shared-services, and in
// shared-services it exports what the application stacks peer with.
func deployNetwork(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	zones, err := zoneNames(ctx, c, p)
	if err != nil {
		return err
	}
	mgmt := c.Accounts["shared-services"]
	args := &network.Args{
		KeyAdministrators:    c.KeyAdministrators(),
		CIDRBlock:            c.VpcCIDR.String(),
		AvailabilityZones:    zones,
		NatGateways:          c.Network.NatGateways,
		InterfaceEndpoints:   c.Network.InterfaceEndpoints,
		FlowLogRetentionDays: c.LogRetentionDays,
		FlowLogGroupPrefix:   "/" + Namespace + "/vpc",
		Protect:              c.DeletionProtection,
		Tags:                 map[string]string{"Stack": c.Stack},
	}
	name := c.Stack
	if c.Role == RoleSharedServices {
		name = "mgmt"
	} else if c.Network.ManagementPeering {
		// Operators reach the databases from the management VPC.
		args.DataTierPeerCIDRs = []string{mgmt.VpcCIDR}
	}
	n, err := network.NewNetwork(ctx, name, args, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	ref := n.Ref()
	a.Network = &networkOut{
		VpcID:             ref.VpcID,
		CIDR:              ref.CIDRBlock,
		AvailabilityZones: ref.AvailabilityZones,
		PublicSubnetIDs:   ref.Public.SubnetIDs,
		AppSubnetIDs:      ref.App.SubnetIDs,
		DataSubnetIDs:     ref.Data.SubnetIDs,
		ManagementCIDR:    mgmt.VpcCIDR,
	}
	ctx.Export("vpcId", n.VpcID)

	switch {
	case c.Role == RoleSharedServices:
		ctx.Export(OutputManagementVpcID, n.VpcID)
		ctx.Export(OutputManagementVpcCIDR, pulumi.String(n.CIDRBlock.String()))
		ctx.Export(OutputManagementRouteTableIDs, pulumi.All(n.PublicRouteTableIDs, n.AppRouteTableIDs).ApplyT(concatIDs).(pulumi.StringArrayOutput))
	case c.Role == RoleApp && c.Network.ManagementPeering:
		return peerWithManagement(ctx, c, p, a, n)
	}
	return nil
}

// zoneNames picks the first refarch:azCount zones the account can use in
// the region (no opt-in Local or Wavelength zones). Appending a zone later
// keeps the existing ones in place.
func zoneNames(ctx *pulumi.Context, c *Config, p *Providers) ([]string, error) {
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{
		State: pulumi.StringRef("available"),
		Filters: []aws.GetAvailabilityZonesFilter{
			{Name: "opt-in-status", Values: []string{"opt-in-not-required"}},
		},
	}, pulumi.Provider(p.Account))
	if err != nil {
		return nil, fmt.Errorf("listing availability zones: %w", err)
	}
	if len(res.Names) < c.AZCount {
		return nil, fmt.Errorf("%s = %d: region %s offers this account only %d zones (%v)",
			Key("azCount"), c.AZCount, c.Region, len(res.Names), res.Names)
	}
	return res.Names[:c.AZCount], nil
}

// peerWithManagement peers the application VPC with the management VPC.
// The connection is requested in shared-services (through the narrow
// delegate role of p.SharedServices) and accepted here, and each side routes
// the other's block, so one `pulumi up` of the application stack wires both.
// shared-services and the application accounts share a region.
func peerWithManagement(ctx *pulumi.Context, c *Config, p *Providers, a *parts, n *network.Network) error {
	ref, err := a.reference(ctx, "shared-services")
	if err != nil {
		return err
	}
	// The management route tables are read now (not as outputs): one route
	// resource per table must be declared, so their number must be known.
	details, err := ref.GetOutputDetails(OutputManagementRouteTableIDs)
	if err != nil {
		return fmt.Errorf("reading %s of shared-services: %w", OutputManagementRouteTableIDs, err)
	}
	raw, _ := details.Value.([]any)
	if len(raw) == 0 {
		return fmt.Errorf("shared-services exports no %s: deploy shared-services first (README, stack order)", OutputManagementRouteTableIDs)
	}
	mgmtTables := make([]pulumi.StringInput, len(raw))
	for i, id := range raw {
		mgmtTables[i] = pulumi.String(fmt.Sprint(id))
	}
	var ownTables []pulumi.StringInput
	for i := range n.AvailabilityZones {
		ownTables = append(ownTables, n.AppRouteTableIDs.Index(pulumi.Int(i)), n.DataRouteTableIDs.Index(pulumi.Int(i)))
	}
	mgmt := c.Accounts["shared-services"]
	_, err = network.NewPeering(ctx, "mgmt-"+c.Stack, &network.PeeringArgs{
		Requester: network.PeerSide{
			Provider:      p.SharedServices,
			AccountID:     mgmt.ID,
			Region:        c.Region,
			VpcID:         ref.GetStringOutput(pulumi.String(OutputManagementVpcID)),
			CIDRBlock:     mgmt.VpcCIDR,
			RouteTableIDs: mgmtTables,
		},
		Accepter: network.PeerSide{
			Provider:      p.Account,
			AccountID:     c.AccountID,
			Region:        c.Region,
			VpcID:         n.VpcID,
			CIDRBlock:     c.VpcCIDR.String(),
			RouteTableIDs: ownTables,
		},
		Tags: map[string]string{"Stack": c.Stack},
	}, pulumi.Provider(p.Account))
	return err
}

// concatIDs flattens lists of ids (the resolved values of string arrays).
func concatIDs(lists []any) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l.([]string)...)
	}
	return out
}
