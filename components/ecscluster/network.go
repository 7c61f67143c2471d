package ecscluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// anywhere is the destination of the tasks' HTTPS egress.
const anywhere = "0.0.0.0/0"

// securityGroup creates the tasks' group. Its only ingress is the service
// port from the load balancer's group, which in turn gets the one egress
// rule to this group and port; out, the tasks reach HTTPS anywhere (ECR,
// Secrets Manager, CloudWatch Logs and other AWS APIs through NAT or
// endpoints) plus Service.Egress. Rules are separate resources: the load
// balancer's group belongs to another component.
func (b *builder) securityGroup(base string, s Service, l Listener, child pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	ctx := b.ctx
	sg, err := ec2.NewSecurityGroup(ctx, base, &ec2.SecurityGroupArgs{
		VpcId:               b.args.VpcID,
		Description:         pulumi.Sprintf("ECS service %s: its load balancer in, HTTPS out", base),
		RevokeRulesOnDelete: pulumi.Bool(true),
	}, child)
	if err != nil {
		return nil, err
	}
	port := pulumi.Int(s.Port)
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, base+"-from-lb", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           sg.ID(),
		ReferencedSecurityGroupId: l.SecurityGroupID,
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  port,
		ToPort:                    port,
		Description:               pulumi.Sprintf("%s's load balancer", s.Name),
	}, child); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, base+"-lb-to-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           l.SecurityGroupID,
		ReferencedSecurityGroupId: sg.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  port,
		ToPort:                    port,
		Description:               pulumi.Sprintf("to %s's tasks", s.Name),
	}, child); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, base+"-https-out", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: sg.ID(),
		CidrIpv4:        pulumi.String(anywhere),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(443),
		ToPort:          pulumi.Int(443),
		Description:     pulumi.String("HTTPS: images, secrets, logs and AWS APIs"),
	}, child); err != nil {
		return nil, err
	}
	for i, e := range s.Egress {
		args := &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        e.Port,
			ToPort:          e.Port,
			Description:     pulumi.String(e.Description),
		}
		if e.CIDR != "" {
			args.CidrIpv4 = pulumi.String(e.CIDR)
		} else {
			args.ReferencedSecurityGroupId = e.SecurityGroupID
		}
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, fmt.Sprintf("%s-egress-%d", base, i), args, child); err != nil {
			return nil, err
		}
	}
	return sg, nil
}
