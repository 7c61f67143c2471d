package ecscluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// anywhere is the destination of a service's internet egress
// (ServiceSpec.InternetEgress).
const anywhere = "0.0.0.0/0"

// httpsPort is the port of every AWS API and of the internet egress.
const httpsPort = 443

// securityGroup creates the tasks' group. Its only ingress is the service
// port from the load balancer's group, which in turn gets the one egress
// rule to this group and port. Out, the tasks reach only what they are
// wired to: HTTPS to the VPC's interface endpoints (ECR API and registry,
// CloudWatch Logs, Secrets Manager, KMS, ssmmessages for ECS Exec) and to
// S3's prefix list (image layers, through the gateway endpoint), so a task
// starts without NAT; Service.Egress (and whatever the groups of
// Service.SecurityGroupIDs allow); with Args.FargateAgentManagement, HTTPS
// to the VPC's block, where GuardDuty's agent (a sidecar sharing the task's
// network interface) reaches the guardduty-data endpoint GuardDuty creates
// with a security group of its own admitting that block (the endpoint is
// not among the VPC's interface endpoints, so the rule to their group does
// not cover it); and, only with ServiceSpec.InternetEgress, HTTPS
// anywhere. Fargate (platform 1.4.0 and
// later) pulls images, fetches secrets and ships logs through the task's
// own network interface, so these rules govern that traffic too; DNS and
// the task metadata endpoint are never filtered by security groups. The
// provider removes the allow-all egress rule EC2 gives a new group, so
// these are the group's only outbound rules. Rules are separate
// resources: the load balancer's group belongs to another component.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html,
// https://www.pulumi.com/registry/packages/aws/api-docs/ec2/securitygroup/,
// https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html,
// https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html,
// https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html,
// https://docs.aws.amazon.com/guardduty/latest/ug/how-runtime-monitoring-works-ecs-fargate.html
func (b *builder) securityGroup(base string, s Service, l Listener, child pulumi.ResourceOption) (*ec2.SecurityGroup, error) {
	ctx := b.ctx
	sg, err := ec2.NewSecurityGroup(ctx, base, &ec2.SecurityGroupArgs{
		VpcId: b.args.VpcID,
		// Unchanged since the group also sent HTTPS anywhere: a new
		// description would replace the group of every running service.
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
		Description:               pulumi.Sprintf("the load balancer of %s", s.Name),
	}, child); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, base+"-lb-to-tasks", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           l.SecurityGroupID,
		ReferencedSecurityGroupId: sg.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  port,
		ToPort:                    port,
		Description:               pulumi.Sprintf("to the tasks of %s", s.Name),
	}, child); err != nil {
		return nil, err
	}
	https := func(name, description string, set func(*vpc.SecurityGroupEgressRuleArgs)) error {
		args := &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId: sg.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(httpsPort),
			ToPort:          pulumi.Int(httpsPort),
			Description:     pulumi.String(description),
		}
		set(args)
		_, err := vpc.NewSecurityGroupEgressRule(ctx, base+name, args, child)
		return err
	}
	if b.args.EndpointSecurityGroupID != nil {
		if err := https("-to-endpoints", "HTTPS to the VPC interface endpoints: ECR, logs, secrets, KMS", func(a *vpc.SecurityGroupEgressRuleArgs) {
			a.ReferencedSecurityGroupId = b.args.EndpointSecurityGroupID
		}); err != nil {
			return nil, err
		}
	}
	if b.args.S3PrefixListID != nil {
		if err := https("-to-s3", "HTTPS to S3 through the gateway endpoint: image layers", func(a *vpc.SecurityGroupEgressRuleArgs) {
			a.PrefixListId = b.args.S3PrefixListID
		}); err != nil {
			return nil, err
		}
	}
	if b.args.FargateAgentManagement {
		if err := https("-to-guardduty", "HTTPS to the VPC: GuardDuty's runtime agent to its guardduty-data endpoint", func(a *vpc.SecurityGroupEgressRuleArgs) {
			a.CidrIpv4 = pulumi.String(b.args.VpcCIDR)
		}); err != nil {
			return nil, err
		}
	}
	if s.InternetEgress {
		if err := https("-https-out", "HTTPS to the internet (internetEgress)", func(a *vpc.SecurityGroupEgressRuleArgs) {
			a.CidrIpv4 = pulumi.String(anywhere)
		}); err != nil {
			return nil, err
		}
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
