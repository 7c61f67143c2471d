package network_test

import (
	"net/netip"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/offline"
)

// consumer builds a Network with interface endpoints and, as a task's
// group would, two egress rules from its outputs: to the endpoints' group
// and to S3's prefix list.
func consumer(t *testing.T, endpoints bool) *offline.Plan {
	t.Helper()
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		n, err := network.NewNetwork(ctx, "main", &network.NetworkArgs{
			CIDRBlock: "10.30.0.0/16", AvailabilityZones: zones, InterfaceEndpoints: endpoints,
			KeyAdministrators: []string{deployRole},
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		for name, args := range map[string]*vpc.SecurityGroupEgressRuleArgs{
			"to-s3":        {PrefixListId: n.S3PrefixListID},
			"to-endpoints": {ReferencedSecurityGroupId: n.EndpointSecurityGroupID},
		} {
			args.SecurityGroupId = pulumi.String("sg-0task")
			args.IpProtocol = pulumi.String("tcp")
			args.FromPort, args.ToPort = pulumi.Int(443), pulumi.Int(443)
			if _, err := vpc.NewSecurityGroupEgressRule(ctx, name, args, pulumi.Provider(provider)); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	return p
}

func TestNetworkHandsOverS3PrefixList(t *testing.T) {
	p := consumer(t, false)
	s3 := p.Require(t, "aws:ec2/vpcEndpoint:VpcEndpoint", "main-s3")
	list := p.Require(t, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "to-s3").String("prefixListId")
	assert.Regexp(t, `^pl-[0-9a-f]{8}$`, list, "a managed prefix list id")
	assert.Equal(t, s3.Output("prefixListId"), list, "S3PrefixListID is the S3 gateway endpoint's prefix list")
	assert.NotEqual(t, p.Require(t, "aws:ec2/vpcEndpoint:VpcEndpoint", "main-dynamodb").Output("prefixListId"), list,
		"and not DynamoDB's")

	assert.Empty(t, p.Require(t, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "to-endpoints").String("referencedSecurityGroupId"),
		"no endpoint group without interface endpoints")
	assert.Empty(t, p.ByType("aws:ec2/securityGroup:SecurityGroup"))
}

func TestEndpointGroupAdmitsTheAppTier(t *testing.T) {
	p := consumer(t, true)
	sg := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "main-endpoints")
	assert.Equal(t, sg.ID, p.Require(t, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "to-endpoints").String("referencedSecurityGroupId"),
		"EndpointSecurityGroupID is the interface endpoints' group")

	require.Len(t, sg.List("ingress"), 1)
	assert.Equal(t, "tcp", sg.String("ingress[0].protocol"))
	assert.Equal(t, 443, sg.Int("ingress[0].fromPort"))
	assert.Equal(t, 443, sg.Int("ingress[0].toPort"))
	var admitted []netip.Prefix
	for _, c := range sg.Strings("ingress[0].cidrBlocks") {
		admitted = append(admitted, netip.MustParsePrefix(c))
	}
	// The app tier of 10.30.0.0/16 in three zones (DefaultMasks: /20 at
	// the start of each /19 zone block), where tasks run.
	for _, app := range []string{"10.30.0.0/20", "10.30.32.0/20", "10.30.64.0/20"} {
		subnet := netip.MustParsePrefix(app)
		inside := false
		for _, a := range admitted {
			inside = inside || (a.Contains(subnet.Addr()) && a.Bits() <= subnet.Bits())
		}
		assert.True(t, inside, "the endpoints admit HTTPS from app subnet %s", app)
	}
	assert.True(t, sg.Has("egress") && len(sg.List("egress")) == 0, "endpoints only answer")
}
