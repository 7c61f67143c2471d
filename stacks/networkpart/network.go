// Package networkpart is the network part of a composition: the stack's
// Network (VPC) and, in an application stack, its peering with the
// management VPC of shared-services, with the section of configuration
// they read.
package networkpart

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/stacks/stack"
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

// Deploy creates the stack's VPC; in an application stack it also
// peers the VPC with the management VPC of shared-services, and in
// shared-services it exports what the application stacks peer with.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	zones, err := zoneNames(ctx, c, p)
	if err != nil {
		return err
	}
	mgmt := c.Accounts["shared-services"]
	args := &network.NetworkArgs{
		KeyAdministrators:    c.KeyAdministrators(),
		CIDRBlock:            c.VpcCIDR.String(),
		AvailabilityZones:    zones,
		NatGateways:          s.NatGateways,
		InterfaceEndpoints:   s.InterfaceEndpoints,
		FlowLogRetentionDays: c.LogRetentionDays,
		FlowLogGroupPrefix:   "/" + stack.Namespace + "/vpc",
		Protect:              c.DeletionProtection,
		Tags:                 map[string]string{"Stack": c.Stack},
	}
	name := c.Stack
	if c.Role == stack.RoleSharedServices {
		name = "mgmt"
	} else if s.ManagementPeering {
		// Operators reach the databases from the management VPC. Network
		// ACLs cannot name security groups, so the data tier's ACL admits
		// the management block; the databases' own groups admit only the
		// VPN server's group (peerWithManagement).
		// Source: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
		args.DataTierPeerCIDRs = []string{mgmt.VpcCIDR}
	}
	n, err := network.NewNetwork(ctx, name, args, pulumi.Provider(p.Account))
	if err != nil {
		return err
	}
	ref := n.Ref()
	a.Network = &stack.NetworkOut{
		VpcID:             ref.VpcID,
		CIDR:              ref.CIDRBlock,
		AvailabilityZones: ref.AvailabilityZones,
		PublicSubnetIDs:   ref.Public.SubnetIDs,
		AppSubnetIDs:      ref.App.SubnetIDs,
		DataSubnetIDs:     ref.Data.SubnetIDs,
		ManagementCIDR:    mgmt.VpcCIDR,
		S3PrefixListID:    n.S3PrefixListID,
		NatGatewayIDs:     n.NatGatewayIDs,
		NatGatewayCount:   n.NatGatewayCount,
	}
	if s.InterfaceEndpoints {
		a.Network.EndpointSecurityGroupID = n.EndpointSecurityGroupID
	}
	ctx.Export("vpcId", n.VpcID)

	switch {
	case c.Role == stack.RoleSharedServices:
		ctx.Export(OutputManagementVpcID, n.VpcID)
		ctx.Export(OutputManagementVpcCIDR, pulumi.String(n.CIDRBlock.String()))
		ctx.Export(OutputManagementRouteTableIDs, pulumi.All(n.PublicRouteTableIDs, n.AppRouteTableIDs).ApplyT(concatIDs).(pulumi.StringArrayOutput))
	case c.Role == stack.RoleApp && s.ManagementPeering:
		return peerWithManagement(ctx, c, p, a, n)
	}
	return nil
}

// zoneNames picks the first refarch:azCount zones the account can use in
// the region (no opt-in Local or Wavelength zones). Appending a zone later
// keeps the existing ones in place.
func zoneNames(ctx *pulumi.Context, c *stack.Config, p *stack.Providers) ([]string, error) {
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
			stack.Key("azCount"), c.AZCount, c.Region, len(res.Names), res.Names)
	}
	return res.Names[:c.AZCount], nil
}

// peerWithManagement peers the application VPC with the management VPC.
// The connection is requested in shared-services (through the narrow
// delegate role of p.SharedServices) and accepted here, and each side routes
// the other's block, so one `pulumi up` of the application stack wires both.
// shared-services and the application accounts share a region.
func peerWithManagement(ctx *pulumi.Context, c *stack.Config, p *stack.Providers, a *stack.Parts, n *network.Network) error {
	// The management route tables are read now (not as outputs): one route
	// resource per table must be declared, so their number must be known.
	value, err := a.Value(ctx, "shared-services", OutputManagementRouteTableIDs)
	if err != nil {
		return err
	}
	mgmtVpcID, err := a.StringOutput(ctx, "shared-services", OutputManagementVpcID)
	if err != nil {
		return err
	}
	vpnGroup, err := a.StringOutput(ctx, "shared-services", stack.OutputVpnSecurityGroupID)
	if err != nil {
		return err
	}
	a.Network.ManagementVpcID = mgmtVpcID
	raw, _ := value.([]any)
	if len(raw) == 0 {
		return fmt.Errorf("shared-services exports no %s: deploy shared-services first (docs/runbook.md, section 2)", OutputManagementRouteTableIDs)
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
	peering, err := network.NewPeering(ctx, "mgmt-"+c.Stack, &network.PeeringArgs{
		Requester: network.PeerSide{
			Provider:      p.SharedServices,
			AccountID:     mgmt.ID,
			Region:        c.Region,
			VpcID:         mgmtVpcID,
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
	if err != nil {
		return err
	}
	// Operators arrive with the VPN server's group; a group of a peered VPC
	// of the same region is referenced across accounts as
	// "<account>/<group id>", and only once the peering is active. The
	// reference is built from the accepted connection's id (which the
	// accepter knows only once the connection is active), so every rule
	// admitting it waits for the acceptance without knowing about it.
	// Sources: https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html,
	// https://github.com/hashicorp/terraform-provider-aws/issues/25811
	a.Network.OperatorSecurityGroupID = pulumi.All(peering.ConnectionID, vpnGroup).ApplyT(func(v []any) string {
		return mgmt.ID + "/" + v[1].(string)
	}).(pulumi.StringOutput)
	return nil
}

// concatIDs flattens lists of ids (the resolved values of string arrays).
func concatIDs(lists []any) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l.([]string)...)
	}
	return out
}
