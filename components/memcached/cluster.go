package memcached

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// create registers the cluster and what it needs, as children of mc.
func create(ctx *pulumi.Context, name string, a MemcachedArgs, mc *Memcached, child pulumi.ResourceOption) error {
	named := func(n string) pulumi.StringMap { return pulumi.StringMap{"Name": pulumi.String(n)} }

	subnets, err := elasticache.NewSubnetGroup(ctx, name, &elasticache.SubnetGroupArgs{
		Description: pulumi.Sprintf("Data-tier subnets of Memcached %s", name),
		SubnetIds:   a.SubnetIDs,
		Tags:        named(name),
	}, child)
	if err != nil {
		return fmt.Errorf("subnet group: %w", err)
	}

	// No egress rule (the provider removes AWS's allow-all one): a cache
	// answers, it never calls out.
	// Source: https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:       a.VpcID,
		Description: pulumi.Sprintf("Memcached %s: port %d from its named client groups only", name, a.Port),
		Tags:        named(name + "-memcached"),
	}, child)
	if err != nil {
		return fmt.Errorf("security group: %w", err)
	}
	for i, client := range a.ClientSecurityGroupIDs {
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, fmt.Sprintf("%s-client-%d", name, i), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId:           sg.ID(),
			ReferencedSecurityGroupId: client,
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(a.Port),
			ToPort:                    pulumi.Int(a.Port),
			Description:               pulumi.String("Memcached from a client security group"),
		}, child); err != nil {
			return fmt.Errorf("ingress rule %d: %w", i, err)
		}
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-client-%d-egress", name, i), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           client,
			ReferencedSecurityGroupId: sg.ID(),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  pulumi.Int(a.Port),
			ToPort:                    pulumi.Int(a.Port),
			Description:               pulumi.Sprintf("To Memcached %s", name),
		}, child); err != nil {
			return fmt.Errorf("client egress rule %d: %w", i, err)
		}
	}

	params := elasticache.ParameterGroupParameterArray{}
	for _, k := range slices.Sorted(maps.Keys(a.Parameters)) {
		params = append(params, elasticache.ParameterGroupParameterArgs{Name: pulumi.String(k), Value: pulumi.String(a.Parameters[k])})
	}
	group, err := elasticache.NewParameterGroup(ctx, name, &elasticache.ParameterGroupArgs{
		Family:      pulumi.String(Family),
		Description: pulumi.Sprintf("Memcached %s", name),
		Parameters:  params,
		Tags:        named(name),
	}, child)
	if err != nil {
		return fmt.Errorf("parameter group: %w", err)
	}

	cluster := &elasticache.ClusterArgs{
		Engine:             pulumi.String("memcached"),
		EngineVersion:      pulumi.String(a.EngineVersion),
		NodeType:           pulumi.String(a.NodeType),
		NumCacheNodes:      pulumi.Int(a.Nodes),
		Port:               pulumi.Int(a.Port),
		ParameterGroupName: group.Name,
		SubnetGroupName:    subnets.Name,
		SecurityGroupIds:   pulumi.StringArray{sg.ID()},
		// TLS between clients and nodes; it can only be chosen at creation.
		// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html
		TransitEncryptionEnabled: pulumi.Bool(true),
		MaintenanceWindow:        pulumi.String(a.MaintenanceWindow),
		Tags:                     named(name),
	}
	// cross-az only with more than one node, one preferred zone per node
	// (Placement).
	mode, zones := Placement(a.AvailabilityZones, a.Nodes)
	cluster.AzMode = pulumi.String(mode)
	if len(zones) > 0 {
		cluster.PreferredAvailabilityZones = pulumi.ToStringArray(zones)
	}
	c, err := elasticache.NewCluster(ctx, name, cluster, child)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}

	mc.ConfigurationEndpoint = c.ConfigurationEndpoint
	mc.Address = c.ClusterAddress
	mc.Port = c.Port
	mc.ClusterID = c.ClusterId
	mc.SecurityGroupID = sg.ID().ToStringOutput()
	mc.NodeAddresses = c.CacheNodes.ApplyT(func(nodes []elasticache.ClusterCacheNode) []string {
		out := make([]string, 0, len(nodes))
		for _, n := range nodes {
			if n.Address != nil {
				out = append(out, *n.Address)
			}
		}
		return out
	}).(pulumi.StringArrayOutput)
	return nil
}
