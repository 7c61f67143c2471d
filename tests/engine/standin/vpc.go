package main

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// vpc is the stand-in's awsx:ec2:Vpc: the outputs the program reads.
// Source: https://www.pulumi.com/registry/packages/awsx/api-docs/ec2/vpc/#outputs
type vpc struct {
	pulumi.ResourceState

	VpcID             pulumi.StringOutput      `pulumi:"vpcId"`
	PublicSubnetIDs   pulumi.StringArrayOutput `pulumi:"publicSubnetIds"`
	PrivateSubnetIDs  pulumi.StringArrayOutput `pulumi:"privateSubnetIds"`
	IsolatedSubnetIDs pulumi.StringArrayOutput `pulumi:"isolatedSubnetIds"`
}

// newVpc registers the component and its VPC and subnets: one subnet per
// zone (availabilityZoneNames) and subnet spec, named as awsx names them
// (<vpc>-<spec name>-<zone number>).
func newVpc(ctx *pulumi.Context, name string, inputs resource.PropertyMap, opts pulumi.ResourceOption) (*vpc, error) {
	c := &vpc{}
	if err := ctx.RegisterComponentResource("awsx:ec2:Vpc", name, c, opts); err != nil {
		return nil, err
	}
	in := inputs.Mappable()
	tags := pulumi.StringMap{}
	if t, ok := in["tags"].(map[string]any); ok {
		for k, v := range t {
			tags[k] = pulumi.String(fmt.Sprint(v))
		}
	}
	var network pulumi.CustomResourceState
	if err := ctx.RegisterResource("aws:ec2/vpc:Vpc", name, pulumi.Map{
		"cidrBlock":          pulumi.String(fmt.Sprint(in["cidrBlock"])),
		"enableDnsHostnames": pulumi.Bool(in["enableDnsHostnames"] == true),
		"enableDnsSupport":   pulumi.Bool(in["enableDnsSupport"] == true),
		"tags":               tags,
	}, &network, pulumi.Parent(c)); err != nil {
		return nil, err
	}
	zones, _ := in["availabilityZoneNames"].([]any)
	specs, _ := in["subnetSpecs"].([]any)
	ids := map[string]pulumi.StringArray{"Public": {}, "Private": {}, "Isolated": {}}
	for z, zone := range zones {
		for _, raw := range specs {
			spec, _ := raw.(map[string]any)
			typ, _ := spec["type"].(string)
			if _, ok := ids[typ]; !ok {
				continue // "Unused" specs reserve address space only
			}
			specName, _ := spec["name"].(string)
			if specName == "" {
				specName = strings.ToLower(typ)
			}
			var subnet pulumi.CustomResourceState
			if err := ctx.RegisterResource("aws:ec2/subnet:Subnet", fmt.Sprintf("%s-%s-%d", name, specName, z+1), pulumi.Map{
				"vpcId":            network.ID(),
				"availabilityZone": pulumi.String(fmt.Sprint(zone)),
				"tags":             tags,
			}, &subnet, pulumi.Parent(c)); err != nil {
				return nil, err
			}
			ids[typ] = append(ids[typ], subnet.ID().ToStringOutput())
		}
	}
	c.VpcID = network.ID().ToStringOutput()
	c.PublicSubnetIDs = ids["Public"].ToStringArrayOutput()
	c.PrivateSubnetIDs = ids["Private"].ToStringArrayOutput()
	c.IsolatedSubnetIDs = ids["Isolated"].ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vpcId":             c.VpcID,
		"publicSubnetIds":   c.PublicSubnetIDs,
		"privateSubnetIds":  c.PrivateSubnetIDs,
		"isolatedSubnetIds": c.IsolatedSubnetIDs,
	})
}
