package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	awsxec2 "github.com/pulumi/pulumi-awsx/sdk/v2/go/awsx/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// awsxSubnetTypes maps the tiers to awsx subnet types: the data tier is
// "Isolated", which awsx gives no route to the internet or NAT at all.
var awsxSubnetTypes = map[Tier]awsxec2.SubnetType{
	TierApp:    awsxec2.SubnetTypePrivate,
	TierData:   awsxec2.SubnetTypeIsolated,
	TierPublic: awsxec2.SubnetTypePublic,
}

// vpc creates the awsx VPC with the subnet layout of PlanLayout.
func (b *builder) vpc() error {
	cidr := b.args.CIDRBlock
	zoneMask := b.net.Layout.ZoneMask
	// Auto, not awsx's default Legacy: Legacy's layout depends on the zone
	// count, so adding a zone would replace every subnet.
	// Source: https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/#subnetstrategy_go
	strategy := awsxec2.SubnetAllocationStrategyAuto
	specs := make([]awsxec2.SubnetSpecArgs, 0, len(Tiers))
	for _, t := range Tiers {
		name := string(t)
		mask := b.args.Masks.of(t)
		specs = append(specs, awsxec2.SubnetSpecArgs{
			Type:     awsxSubnetTypes[t],
			Name:     &name,
			CidrMask: &mask,
			Tags:     pulumi.StringMap{"Tier": pulumi.String(name)},
		})
	}
	vpc, err := awsxec2.NewVpc(b.ctx, b.name, &awsxec2.VpcArgs{
		CidrBlock:                &cidr,
		AvailabilityZoneNames:    b.args.AvailabilityZones,
		AvailabilityZoneCidrMask: &zoneMask,
		SubnetStrategy:           &strategy,
		SubnetSpecs:              specs,
		NatGateways:              &awsxec2.NatGatewayConfigurationArgs{Strategy: awsxec2.NatGatewayStrategy(b.args.NatGateways.awsx())},
		// awsx leaves DNS hostnames off; interface endpoints' private DNS
		// and private hosted zones need them.
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               b.tags(b.name),
	}, b.child, pulumi.Providers(b.providers...))
	if err != nil {
		return fmt.Errorf("vpc: %w", err)
	}
	b.awsxVpc = vpc
	b.net.VpcID = vpc.VpcId
	b.net.PublicSubnetIDs = vpc.PublicSubnetIds
	b.net.AppSubnetIDs = vpc.PrivateSubnetIds
	b.net.DataSubnetIDs = vpc.IsolatedSubnetIds
	return nil
}

// routeTables looks up the route table of every subnet. awsx creates one
// table per subnet but hands them out only as resource references; looking
// them up by subnet keeps the tier and zone of each explicit. The lookups
// depend on the VPC component, so they run once awsx has created (and
// associated) every table.
func (b *builder) routeTables() error {
	zones := len(b.args.AvailabilityZones)
	lookup := func(subnets pulumi.StringArrayOutput) pulumi.StringArrayOutput {
		ids := make(pulumi.StringArray, zones)
		for i := range zones {
			ids[i] = ec2.LookupRouteTableOutput(b.ctx, ec2.LookupRouteTableOutputArgs{
				SubnetId: subnets.Index(pulumi.Int(i)),
			}, b.child, pulumi.DependsOn([]pulumi.Resource{b.awsxVpc})).RouteTableId()
		}
		return ids.ToStringArrayOutput()
	}
	b.net.PublicRouteTableIDs = lookup(b.net.PublicSubnetIDs)
	b.net.AppRouteTableIDs = lookup(b.net.AppSubnetIDs)
	b.net.DataRouteTableIDs = lookup(b.net.DataSubnetIDs)
	return nil
}

// natGateways looks up the NAT gateways awsx created, by the public subnet
// each sits in: with "OnePerAz" one in every zone's public subnet, with
// "Single" one in the first. awsx hands them out only as resource
// references; the count follows from the strategy, so their alarms are
// known before deployment.
// Source: https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/#natgatewaystrategy_go
func (b *builder) natGateways() error {
	count := 0
	switch b.args.NatGateways {
	case NatOnePerAZ:
		count = len(b.args.AvailabilityZones)
	case NatSingle:
		count = 1
	}
	ids := make(pulumi.StringArray, count)
	for i := range count {
		ids[i] = ec2.LookupNatGatewayOutput(b.ctx, ec2.LookupNatGatewayOutputArgs{
			SubnetId: b.net.PublicSubnetIDs.Index(pulumi.Int(i)),
			State:    pulumi.String("available"),
		}, b.child, pulumi.DependsOn([]pulumi.Resource{b.awsxVpc})).Id()
	}
	b.net.NatGatewayIDs = ids.ToStringArrayOutput()
	b.net.NatGatewayCount = count
	return nil
}

// defaultSecurityGroup adopts the VPC's default security group and removes
// every rule from it (CIS AWS Foundations 5.4): a resource launched without
// a group then reaches nothing and is reached by nothing.
func (b *builder) defaultSecurityGroup() error {
	_, err := ec2.NewDefaultSecurityGroup(b.ctx, b.name+"-default", &ec2.DefaultSecurityGroupArgs{
		VpcId:   b.net.VpcID,
		Ingress: ec2.DefaultSecurityGroupIngressArray{},
		Egress:  ec2.DefaultSecurityGroupEgressArray{},
		Tags:    b.tags(b.name + "-default-do-not-use"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("default security group: %w", err)
	}
	return nil
}
