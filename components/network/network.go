// Package network provides Network, the VPC of one account, and Peering,
// the private link between two VPCs of different accounts.
//
// Network builds on awsx's ec2.Vpc for the subnets, routing and NAT, with its
// risky defaults overridden (see the Network doc comment), and adds as plain
// pulumi-aws resources what awsx lacks: flow logs, a stripped default
// security group, a network ACL fencing the data tier, and VPC endpoints.
package network

import (
	"fmt"
	"net/netip"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Network is an account's VPC: three subnet tiers in every availability zone,
// routing and NAT, flow logs, endpoints and the guard rails awsx leaves out.
//
// What it creates, and why each default is what it is:
//
//   - An awsx ec2.Vpc with subnetStrategy "Auto" and a fixed
//     availabilityZoneCidrMask (the VPC block split into 8 zone blocks).
//     awsx's own defaults are "Legacy", whose layout depends on the zone
//     count, so adding a zone would replace every subnet; and 3 zones with a
//     NAT gateway each. Here zone i always owns block i, so zones can be
//     appended safely, and the NAT strategy is explicit (Args.NatGateways,
//     default one per zone).
//   - Per zone: an app subnet ("Private": tasks, functions; egress through
//     NAT), a data subnet ("Isolated": no internet route at all) and a public
//     subnet (load balancers, NAT, VPN). DNS hostnames are on, so interface
//     endpoints and private zones resolve.
//   - VPC flow logs of all traffic to a CloudWatch log group encrypted with
//     a customer-managed KMS key (rotated yearly; the key policy admits only
//     the account's administrators and CloudWatch Logs for this log group),
//     kept Args.FlowLogRetentionDays (default 365).
//   - The VPC's default security group, adopted and stripped of every rule,
//     so nothing launched without a group can talk to anything (CIS 5.4).
//   - A network ACL on the data tier admitting only the app tier (and
//     Args.DataTierPeerCIDRs): even a misconfigured security group cannot
//     open a database to the public tier.
//   - Gateway endpoints for S3 and DynamoDB on the app and data route tables
//     (free, and they keep that traffic off the NAT gateways; S3's managed
//     prefix list is the S3PrefixListID output, for security group egress),
//     and, with Args.InterfaceEndpoints, interface endpoints for ECR,
//     CloudWatch Logs, SSM, Secrets Manager and KMS in the app subnets
//     behind their own security group (HTTPS from the VPC only; the
//     EndpointSecurityGroupID output). Together they are everything a
//     Fargate task needs to start without NAT.
//
// Its outputs are plain ids and blocks (Ref); consumers take those in their
// own arguments and never reach into the Network.
type Network struct {
	pulumi.ResourceState

	// VpcID is the VPC's id.
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
	// PublicSubnetIDs, AppSubnetIDs and DataSubnetIDs are the subnets of
	// each tier, one per zone, in AvailabilityZones order.
	PublicSubnetIDs pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	AppSubnetIDs    pulumi.StringArrayOutput `pulumi:"appSubnetIds"`
	DataSubnetIDs   pulumi.StringArrayOutput `pulumi:"dataSubnetIds"`
	// PublicRouteTableIDs, AppRouteTableIDs and DataRouteTableIDs are the
	// route tables of each tier's subnets, in the same order.
	PublicRouteTableIDs pulumi.StringArrayOutput `pulumi:"publicRouteTableIds"`
	AppRouteTableIDs    pulumi.StringArrayOutput `pulumi:"appRouteTableIds"`
	DataRouteTableIDs   pulumi.StringArrayOutput `pulumi:"dataRouteTableIds"`
	// NatGatewayIDs are the NAT gateways awsx created (one per zone, one,
	// or none, as Args.NatGateways says), in zone order, for their alarms.
	NatGatewayIDs pulumi.StringArrayOutput `pulumi:"natGatewayIds"`
	// NatGatewayCount is len(NatGatewayIDs), known before deployment.
	NatGatewayCount int
	// FlowLogGroupName is the CloudWatch log group holding the flow logs.
	FlowLogGroupName pulumi.StringOutput `pulumi:"flowLogGroupName"`
	// EndpointSecurityGroupID is the interface endpoints' security group
	// ("" without interface endpoints). It admits HTTPS from the VPC; a
	// client's group needs an egress rule to it on 443.
	EndpointSecurityGroupID pulumi.StringOutput `pulumi:"endpointSecurityGroupId"`
	// S3PrefixListID is the AWS-managed prefix list (pl-…) of S3's
	// addresses in the region, which the S3 gateway endpoint routes: a
	// security group that may reach S3 privately (image layers of ECR
	// pulls) names it in an egress rule on 443 instead of 0.0.0.0/0.
	// Source: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
	S3PrefixListID pulumi.StringOutput `pulumi:"s3PrefixListId"`

	// CIDRBlock is the VPC's block.
	CIDRBlock netip.Prefix
	// AvailabilityZones are the zones, in subnet order.
	AvailabilityZones []string
	// Layout is where each subnet is, known before deployment.
	Layout Layout
}

// Ref is the narrow view of a Network that other components consume.
type Ref struct {
	VpcID             pulumi.StringOutput
	CIDRBlock         string
	AvailabilityZones []string
	// Public, App and Data are the tiers' subnets.
	Public, App, Data TierRef
}

// TierRef is one tier's subnets: ids, blocks and route tables, by zone.
type TierRef struct {
	SubnetIDs     pulumi.StringArrayOutput
	CIDRs         []string
	RouteTableIDs pulumi.StringArrayOutput
}

// Ref returns the narrow view of n.
func (n *Network) Ref() Ref {
	return Ref{
		VpcID:             n.VpcID,
		CIDRBlock:         n.CIDRBlock.String(),
		AvailabilityZones: append([]string(nil), n.AvailabilityZones...),
		Public:            TierRef{n.PublicSubnetIDs, n.Layout.CIDRs(TierPublic), n.PublicRouteTableIDs},
		App:               TierRef{n.AppSubnetIDs, n.Layout.CIDRs(TierApp), n.AppRouteTableIDs},
		Data:              TierRef{n.DataSubnetIDs, n.Layout.CIDRs(TierData), n.DataRouteTableIDs},
	}
}

// NewNetwork creates a Network. It validates args before registering
// anything; pass the account's provider in opts.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		args = &NetworkArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("network arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	vpcBlock := netip.MustParsePrefix(a.CIDRBlock)
	layout, err := PlanLayout(vpcBlock, len(a.AvailabilityZones), a.Masks)
	if err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}

	n := &Network{CIDRBlock: vpcBlock, AvailabilityZones: append([]string(nil), a.AvailabilityZones...), Layout: layout}
	if err := ctx.RegisterComponentResource("refarch:network:Network", name, n, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, args: a, net: n, child: pulumi.Parent(n), providers: explicitProviders(opts)}
	for _, step := range []func() error{b.vpc, b.routeTables, b.natGateways, b.defaultSecurityGroup, b.dataACL, b.flowLogs, b.gatewayEndpoints, b.interfaceEndpoints} {
		if err := step(); err != nil {
			return nil, fmt.Errorf("network %q: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(n, pulumi.Map{
		"vpcId":                   n.VpcID,
		"publicSubnetIds":         n.PublicSubnetIDs,
		"appSubnetIds":            n.AppSubnetIDs,
		"dataSubnetIds":           n.DataSubnetIDs,
		"publicRouteTableIds":     n.PublicRouteTableIDs,
		"appRouteTableIds":        n.AppRouteTableIDs,
		"dataRouteTableIds":       n.DataRouteTableIDs,
		"flowLogGroupName":        n.FlowLogGroupName,
		"natGatewayIds":           n.NatGatewayIDs,
		"endpointSecurityGroupId": n.EndpointSecurityGroupID,
		"s3PrefixListId":          n.S3PrefixListID,
	}); err != nil {
		return nil, err
	}
	return n, nil
}

// builder carries what the steps of NewNetwork share.
type builder struct {
	ctx   *pulumi.Context
	name  string
	args  NetworkArgs
	net   *Network
	child pulumi.ResourceOrInvokeOption
	// awsxVpc is the awsx component, a dependency of the route table lookups.
	awsxVpc pulumi.Resource
	// providers are the providers passed in NewNetwork's options.
	providers []pulumi.ProviderResource
	// identity of the account and region, read once (identity).
	account, region, partition string
}

// tags returns Args.Tags plus a Name tag.
func (b *builder) tags(name string) pulumi.StringMap {
	out := pulumi.StringMap{"Name": pulumi.String(name)}
	for k, v := range b.args.Tags {
		out[k] = pulumi.String(v)
	}
	return out
}

// protect returns the options that keep a resource holding data when
// Args.Protect is set.
func (b *builder) protect() []pulumi.ResourceOption {
	opts := []pulumi.ResourceOption{b.child}
	if b.args.Protect {
		opts = append(opts, pulumi.Protect(true), pulumi.RetainOnDelete(true))
	}
	return opts
}

// explicitProviders returns the providers passed in opts. A remote component
// (awsx) hands its children only the providers given to it explicitly, not
// those it would inherit from its parent, so they are passed on by hand;
// without this the VPC's subnets would fall back to the default provider,
// which the project disables.
func explicitProviders(opts []pulumi.ResourceOption) []pulumi.ProviderResource {
	ro, err := pulumi.NewResourceOptions(opts...)
	if err != nil || ro == nil {
		return nil
	}
	out := append([]pulumi.ProviderResource(nil), ro.Providers...)
	if ro.Provider != nil {
		out = append(out, ro.Provider)
	}
	return out
}
