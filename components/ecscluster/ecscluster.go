// Package ecscluster provides EcsCluster, an ECS cluster of Fargate services
// behind Application Load Balancer listeners, each service hardened,
// least-privileged and autoscaled by default.
//
// It takes plain ids (VPC, subnets, listener ARNs, load balancer security
// groups) and never reaches into the load balancer component: the stack
// wires them. Services are plain pulumi-aws resources rather than awsx's
// FargateService, whose defaults (the default VPC, log groups kept forever)
// are unsafe and whose children the mocks cannot see (a remote component
// is one registration to them).
// Source: https://www.pulumi.com/registry/packages/awsx/api-docs/ecs/fargateservice/,
// https://www.pulumi.com/docs/iac/guides/testing/unit/
package ecscluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/validate"
)

// EcsCluster is an ECS cluster and its Fargate services.
//
// What it creates, and the defaults a reuser should know (see Args and
// Service for every field):
//
//   - The cluster, with Container Insights (Args.ContainerInsights,
//     default "enabled"), and both FARGATE and FARGATE_SPOT capacity
//     providers. Every service's strategy keeps a base of one on-demand
//     task and weighs Spot by Args.SpotWeight (default 0: on-demand only).
//   - A customer-managed KMS key for the logs (unless Args.LogKMSKeyARN is
//     given), rotated yearly, its policy admitting the account's IAM
//     principals and CloudWatch Logs for this account's log groups only.
//   - With Args.ExecuteCommand (default off), ECS Exec: sessions encrypted
//     with that key and logged to an encrypted log group. AWS does not
//     support it with a read-only root filesystem, so it is refused unless
//     every service sets ServiceSpec.WritableRootFilesystem (and its image
//     needs a shell, and script and cat for logged sessions).
//   - With Args.FargateAgentManagement (GuardDuty manages its runtime
//     agent on Fargate), every execution role may pull the agent's image
//     and every task group sends HTTPS to Args.VpcCIDR, where GuardDuty's
//     guardduty-data endpoint lives; with Args.RuntimeMonitoring, every
//     service is created after GuardDuty's feature, so its first tasks
//     carry the agent.
//   - Per service (a FargateService component named "<cluster>-<service>"):
//     a task definition (awsvpc, Fargate, CPU/memory validated against the
//     pairs Fargate offers) whose one container runs as a non-root user,
//     with a read-only root filesystem (no scratch volume by default: a
//     Fargate bind mount is root's, mode 0755, so Service.TmpPaths is
//     refused with a read-only root filesystem),
//     every Linux capability dropped, an init process, logs to its own
//     encrypted log group kept Args.LogRetentionDays, plain environment
//     only for non-secret values and secrets injected by ARN (never
//     plain text); an execution role that may pull exactly its image's
//     repository, write exactly its log group and read exactly its
//     secrets; a task role with no permission (ECS Exec's channel only
//     when enabled); a security group admitting only its load balancer on
//     its port, whose egress is HTTPS to the VPC's interface endpoints
//     (Args.EndpointSecurityGroupID) and to S3's prefix list
//     (Args.S3PrefixListID), enough to pull the image, write logs and read
//     secrets without NAT, plus Service.Egress and, only with
//     ServiceSpec.InternetEgress, HTTPS to the internet (default off: a
//     service is refused when the cluster has no endpoints and it no
//     internet egress, since its tasks could not start); a target group
//     (IP targets, health check) and a listener rule whose priority is
//     computed from the service names (see RulePriorities); a service in
//     the private subnets without public IP, with the deployment circuit
//     breaker rolling back failed deploys, and desiredCount ignored after
//     creation; target-tracking autoscaling on CPU and on ALB requests per
//     target between MinCount and MaxCount.
type EcsCluster struct {
	pulumi.ResourceState

	// Name and ARN identify the cluster.
	Name pulumi.StringOutput `pulumi:"name"`
	ARN  pulumi.StringOutput `pulumi:"arn"`
	// LogKeyARN is the KMS key encrypting the cluster's logs.
	LogKeyARN pulumi.StringOutput `pulumi:"logKeyArn"`

	// Services are the cluster's services by name.
	Services map[string]*FargateService
}

// typeToken is the component's type. (It was refarch:ecscluster:Cluster
// before any stack could deploy, so no alias keeps the old one.)
const typeToken = "refarch:ecscluster:EcsCluster"

// NewEcsCluster creates an ECS cluster called name and its services. It
// validates args (with defaults applied) before registering anything.
func NewEcsCluster(ctx *pulumi.Context, name string, args *EcsClusterArgs, opts ...pulumi.ResourceOption) (*EcsCluster, error) {
	if args == nil {
		args = &EcsClusterArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("ECS cluster arguments", name, CheckName(name), &a, a.nameProblems(name)...); err != nil {
		return nil, fmt.Errorf("ECS cluster %q: %w", name, err)
	}
	c := &EcsCluster{Services: map[string]*FargateService{}}
	if err := ctx.RegisterComponentResource(typeToken, name, c, opts...); err != nil {
		return nil, fmt.Errorf("ECS cluster %q: registering the component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: &a, child: pulumi.Parent(c)}
	if err := b.identity(); err != nil {
		return nil, fmt.Errorf("ECS cluster %q: provider identity: %w", name, err)
	}
	key := a.LogKMSKeyARN
	if key == nil {
		k, err := b.logKey()
		if err != nil {
			return nil, fmt.Errorf("ECS cluster %q: log key: %w", name, err)
		}
		key = k
	}
	b.logKeyARN = key.ToStringOutput()

	cluster, err := b.cluster()
	if err != nil {
		return nil, fmt.Errorf("ECS cluster %q: cluster: %w", name, err)
	}
	b.ecsCluster = cluster
	providers, err := ecs.NewClusterCapacityProviders(ctx, name, &ecs.ClusterCapacityProvidersArgs{
		ClusterName:                       cluster.Name,
		CapacityProviders:                 pulumi.ToStringArray([]string{"FARGATE", "FARGATE_SPOT"}),
		DefaultCapacityProviderStrategies: b.defaultStrategy(),
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("ECS cluster %q: capacity providers: %w", name, err)
	}
	b.capacity = providers

	byListener := map[string][]Service{}
	for _, s := range a.Services {
		byListener[s.Listener] = append(byListener[s.Listener], s)
	}
	for _, r := range a.Routes {
		byListener[r.Listener] = append(byListener[r.Listener], r.shell())
	}
	priorities := map[string]int{}
	for _, services := range byListener {
		for svc, p := range RulePriorities(services) {
			priorities[svc] = p
		}
	}
	for _, s := range a.Services {
		svc, err := b.service(s, priorities[s.Name], pulumi.Parent(c))
		if err != nil {
			return nil, fmt.Errorf("ECS cluster %q: service %q: %w", name, s.Name, err)
		}
		c.Services[s.Name] = svc
	}
	for _, r := range a.Routes {
		if err := b.route(r, priorities[r.Name], pulumi.Parent(c)); err != nil {
			return nil, fmt.Errorf("ECS cluster %q: route %q: %w", name, r.Name, err)
		}
	}

	c.Name = cluster.Name
	c.ARN = cluster.Arn
	c.LogKeyARN = b.logKeyARN
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name":      c.Name,
		"arn":       c.ARN,
		"logKeyArn": c.LogKeyARN,
	})
}

// builder carries what every child needs.
type builder struct {
	ctx   *pulumi.Context
	name  string
	args  *EcsClusterArgs
	child pulumi.ResourceOrInvokeOption

	account, region, partition string

	logKeyARN       pulumi.StringOutput
	execLogGroupARN pulumi.StringOutput
	ecsCluster      *ecs.Cluster
	capacity        *ecs.ClusterCapacityProviders
}

// identity reads the account, region and partition of the component's
// provider, for key policies, trust conditions and log configuration.
func (b *builder) identity() error {
	env, err := awsenv.Lookup(b.ctx, b.child)
	if err != nil {
		return err
	}
	b.account, b.region, b.partition = env.Account, env.Region, env.Partition
	return nil
}

// cluster creates the ECS cluster, with ECS Exec's encrypted session
// logging when enabled.
func (b *builder) cluster() (*ecs.Cluster, error) {
	args := &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name:  pulumi.String("containerInsights"),
			Value: pulumi.String(b.args.ContainerInsights),
		}},
	}
	if b.args.ExecuteCommand {
		group, err := b.logGroup(b.name+"-exec", "/ecs/"+b.name+"/exec/", b.child)
		if err != nil {
			return nil, fmt.Errorf("ECS Exec log group: %w", err)
		}
		b.execLogGroupARN = group.Arn
		// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
		args.Configuration = &ecs.ClusterConfigurationArgs{
			ExecuteCommandConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationArgs{
				KmsKeyId: b.logKeyARN,
				Logging:  pulumi.String("OVERRIDE"),
				LogConfiguration: &ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs{
					CloudWatchLogGroupName:      group.Name,
					CloudWatchEncryptionEnabled: pulumi.Bool(true),
				},
			},
		}
	}
	return ecs.NewCluster(b.ctx, b.name, args, b.child)
}

// logGroup creates an encrypted log group kept Args.LogRetentionDays. It is
// named by prefix so that, retained after a delete when protected, it never
// blocks a new group for a service added back later.
func (b *builder) logGroup(name, prefix string, parent pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	return cloudwatch.NewLogGroup(b.ctx, name, &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(prefix),
		RetentionInDays: pulumi.Int(b.args.LogRetentionDays),
		KmsKeyId:        b.logKeyARN,
	}, parent, pulumi.RetainOnDelete(b.args.Protect))
}

// capacityShare is one capacity provider's share of a strategy.
type capacityShare struct {
	provider     string
	base, weight int
}

// strategy is every service's capacity provider strategy: on-demand
// Fargate keeps a base of one task (a Spot reclaim never stops a service)
// and Fargate Spot takes Args.SpotWeight shares for each on-demand one.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
func (b *builder) strategy() []capacityShare {
	out := []capacityShare{{"FARGATE", 1, 1}}
	if b.args.SpotWeight > 0 {
		out = append(out, capacityShare{"FARGATE_SPOT", 0, b.args.SpotWeight})
	}
	return out
}

// defaultStrategy is strategy as the cluster's default.
func (b *builder) defaultStrategy() ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray {
	var out ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArray
	for _, s := range b.strategy() {
		out = append(out, &ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(s.provider),
			Base:             pulumi.Int(s.base),
			Weight:           pulumi.Int(s.weight),
		})
	}
	return out
}
