package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// network creates the DB subnet group and the security group. The group
// has one ingress rule per admitted source on the database port and no
// egress rule: a database answers connections, it opens none. Separate
// rule resources (not inline blocks) so adding a client never rewrites the
// others. The provider removes the allow-all egress rule AWS adds to a new
// group.
// Source: https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/
// (egress rules; inline rules vs. rule resources)
func (b *builder) network() error {
	subnets, err := rds.NewSubnetGroup(b.ctx, b.name, &rds.SubnetGroupArgs{
		Description: pulumi.Sprintf("Data-tier subnets of PostgreSQL %s", b.name),
		SubnetIds:   b.args.SubnetIDs,
		Tags:        tags(b.name),
	}, b.child)
	if err != nil {
		return fmt.Errorf("subnet group: %w", err)
	}
	b.subnetGroupName = subnets.Name
	b.pg.SubnetGroupName = subnets.Name

	sg, err := ec2.NewSecurityGroup(b.ctx, b.name, &ec2.SecurityGroupArgs{
		VpcId:       b.args.VpcID,
		Description: pulumi.Sprintf("PostgreSQL %s: port %d from its named clients only", b.name, b.args.Port),
		Tags:        tags(b.name + "-postgres"),
	}, b.child)
	if err != nil {
		return fmt.Errorf("security group: %w", err)
	}
	port := pulumi.Int(b.args.Port)
	for i, client := range b.args.ClientSecurityGroupIDs {
		if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, fmt.Sprintf("%s-client-%d", b.name, i), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId:           sg.ID(),
			ReferencedSecurityGroupId: client,
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  port,
			ToPort:                    port,
			Description:               pulumi.String("PostgreSQL from a client security group"),
		}, b.child); err != nil {
			return fmt.Errorf("ingress rule %d: %w", i, err)
		}
		if _, err := vpc.NewSecurityGroupEgressRule(b.ctx, fmt.Sprintf("%s-client-%d-egress", b.name, i), &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           client,
			ReferencedSecurityGroupId: sg.ID(),
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  port,
			ToPort:                    port,
			Description:               pulumi.Sprintf("To PostgreSQL %s", b.name),
		}, b.child); err != nil {
			return fmt.Errorf("client egress rule %d: %w", i, err)
		}
	}
	for i, cidr := range b.args.ClientCIDRs {
		if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, fmt.Sprintf("%s-cidr-%d", b.name, i), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: sg.ID(),
			CidrIpv4:        pulumi.String(cidr),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        port,
			ToPort:          port,
			Description:     pulumi.String("PostgreSQL from operators (" + cidr + ")"),
		}, b.child); err != nil {
			return fmt.Errorf("ingress rule for %s: %w", cidr, err)
		}
	}
	for i, group := range b.args.OperatorSecurityGroupIDs {
		if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, fmt.Sprintf("%s-operators-%d", b.name, i), &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId:           sg.ID(),
			ReferencedSecurityGroupId: group,
			IpProtocol:                pulumi.String("tcp"),
			FromPort:                  port,
			ToPort:                    port,
			Description:               pulumi.String("PostgreSQL from operators (an admitted security group)"),
		}, b.child); err != nil {
			return fmt.Errorf("operator ingress rule %d: %w", i, err)
		}
	}
	b.securityGroupID = sg.ID().ToStringOutput()
	b.pg.SecurityGroupID = b.securityGroupID
	return nil
}
