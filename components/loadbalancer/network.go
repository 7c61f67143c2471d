package loadbalancer

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// listenerPorts are the ports a load balancer admits: HTTPS always, and
// HTTP (which only redirects) when public.
func (a *LoadBalancerArgs) listenerPorts() []int {
	if a.Public {
		return []int{80, 443}
	}
	return []int{443}
}

// securityGroup creates the load balancer's own group with one ingress rule
// per listener port and admitted block, as separate rule resources (the
// rules services add to this group are separate resources too, and inline
// rules would fight them). It has no egress rule of its own.
func (b *builder) securityGroup() (*ec2.SecurityGroup, error) {
	scope := "internal"
	if b.args.Public {
		scope = "public"
	}
	sg, err := ec2.NewSecurityGroup(b.ctx, b.name, &ec2.SecurityGroupArgs{
		VpcId:               b.args.VpcID,
		Description:         pulumi.Sprintf("Load balancer %s (%s): listener ports only", b.name, scope),
		RevokeRulesOnDelete: pulumi.Bool(true),
	}, b.child)
	if err != nil {
		return nil, err
	}
	for _, port := range b.args.listenerPorts() {
		for i, cidr := range b.args.IngressCIDRs {
			if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, fmt.Sprintf("%s-in-%d-%d", b.name, port, i), &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId: sg.ID(),
				IpProtocol:      pulumi.String("tcp"),
				FromPort:        pulumi.Int(port),
				ToPort:          pulumi.Int(port),
				CidrIpv4:        pulumi.String(cidr),
				Description:     pulumi.Sprintf("listener %d from %s", port, cidr),
			}, b.child); err != nil {
				return nil, err
			}
		}
		for i, group := range b.args.IngressSecurityGroupIDs {
			if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, fmt.Sprintf("%s-in-%d-group-%d", b.name, port, i), &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId:           sg.ID(),
				IpProtocol:                pulumi.String("tcp"),
				FromPort:                  pulumi.Int(port),
				ToPort:                    pulumi.Int(port),
				ReferencedSecurityGroupId: group,
				Description:               pulumi.Sprintf("listener %d from an admitted security group", port),
			}, b.child); err != nil {
				return nil, err
			}
		}
	}
	return sg, nil
}
