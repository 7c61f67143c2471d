package network

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// gatewayEndpoints routes S3 and DynamoDB traffic of the app and data tiers
// through gateway endpoints: they cost nothing, keep that traffic off the
// NAT gateways (and their per-GB charge) and off the internet. ECR stores
// image layers in S3, so image pulls need the S3 endpoint too. A gateway
// endpoint is a route, not an address in the VPC: a security group admits
// it through the managed prefix list of the service's addresses in the
// region, which the S3 endpoint exposes (Network.S3PrefixListID).
// Source: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
func (b *builder) gatewayEndpoints() error {
	if err := b.identity(); err != nil {
		return err
	}
	tables := pulumi.All(b.net.AppRouteTableIDs, b.net.DataRouteTableIDs).ApplyT(func(all []any) []string {
		var out []string
		for _, ids := range all {
			out = append(out, ids.([]string)...)
		}
		return out
	}).(pulumi.StringArrayOutput)
	for _, svc := range []string{"s3", "dynamodb"} {
		endpoint, err := ec2.NewVpcEndpoint(b.ctx, b.name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:           b.net.VpcID,
			ServiceName:     pulumi.String(b.serviceName(svc)),
			VpcEndpointType: pulumi.String("Gateway"),
			RouteTableIds:   tables,
			Tags:            b.tags(b.name + "-" + svc),
		}, b.child)
		if err != nil {
			return fmt.Errorf("%s gateway endpoint: %w", svc, err)
		}
		if svc == "s3" {
			b.net.S3PrefixListID = endpoint.PrefixListId
		}
	}
	return nil
}

// interfaceEndpoints gives the app tier private access to the AWS APIs it
// needs (Args.InterfaceEndpointServices) with private DNS, so the usual
// hostnames resolve to addresses inside the VPC. Their security group admits
// HTTPS from the VPC only: the app tier, where tasks run, lies inside that
// block, so a task group's egress to this group (on 443) is all it needs.
// Source: https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html
func (b *builder) interfaceEndpoints() error {
	if !b.args.InterfaceEndpoints {
		b.net.EndpointSecurityGroupID = pulumi.String("").ToStringOutput()
		return nil
	}
	if err := b.identity(); err != nil {
		return err
	}
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name+"-endpoints", &ec2.SecurityGroupArgs{
		VpcId:       b.net.VpcID,
		Description: pulumi.String("Interface endpoints of network " + b.name + ": HTTPS from the VPC"),
		Ingress: ec2.SecurityGroupIngressArray{ec2.SecurityGroupIngressArgs{
			Description: pulumi.String("HTTPS from the VPC"),
			Protocol:    pulumi.String("tcp"),
			FromPort:    pulumi.Int(443),
			ToPort:      pulumi.Int(443),
			CidrBlocks:  pulumi.StringArray{pulumi.String(b.args.CIDRBlock)},
		}},
		// Endpoints answer; they never open connections.
		Egress: ec2.SecurityGroupEgressArray{},
		Tags:   b.tags(b.name + "-endpoints"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("endpoint security group: %w", err)
	}
	for _, svc := range b.args.InterfaceEndpointServices {
		if _, err := ec2.NewVpcEndpoint(b.ctx, b.name+"-"+strings.ReplaceAll(svc, ".", "-"), &ec2.VpcEndpointArgs{
			VpcId:             b.net.VpcID,
			ServiceName:       pulumi.String(b.serviceName(svc)),
			VpcEndpointType:   pulumi.String("Interface"),
			SubnetIds:         b.net.AppSubnetIDs,
			SecurityGroupIds:  pulumi.StringArray{sg.ID()},
			PrivateDnsEnabled: pulumi.Bool(true),
			Tags:              b.tags(b.name + "-" + svc),
		}, b.child); err != nil {
			return fmt.Errorf("%s interface endpoint: %w", svc, err)
		}
	}
	b.net.EndpointSecurityGroupID = sg.ID().ToStringOutput()
	return nil
}

// serviceName is the endpoint service name of an AWS service in the region.
func (b *builder) serviceName(svc string) string {
	return "com.amazonaws." + b.region + "." + svc
}
