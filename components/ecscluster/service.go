package ecscluster

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FargateService is one service of a Cluster (see Cluster for what it
// creates); it is the parent of the service's resources.
type FargateService struct {
	pulumi.ResourceState

	// Name is the ECS service's name.
	Name pulumi.StringOutput `pulumi:"name"`
	// SecurityGroupID is the tasks' own security group.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// TargetGroupARN is the service's target group.
	TargetGroupARN pulumi.StringOutput `pulumi:"targetGroupArn"`
	// TaskRoleARN and TaskRoleName identify the role the application runs
	// as; it has no permission of its own, attach what the application
	// needs to it.
	TaskRoleARN  pulumi.StringOutput `pulumi:"taskRoleArn"`
	TaskRoleName pulumi.StringOutput `pulumi:"taskRoleName"`
	// ExecutionRoleARN is the role ECS starts the tasks with.
	ExecutionRoleARN pulumi.StringOutput `pulumi:"executionRoleArn"`
	// LogGroupName is the container log group.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`

	// JobTaskDefinitionARNs are the task definitions of Service.Jobs, by
	// job name (the latest revision: `aws ecs run-task --task-definition`).
	JobTaskDefinitionARNs map[string]pulumi.StringOutput
	// JobExecutionRoleARNs are the execution roles of Service.Jobs, by job
	// name: the roles that read the jobs' secrets (a secret's resource
	// policy may admit exactly them).
	JobExecutionRoleARNs map[string]pulumi.StringOutput

	// Priority is the service's listener rule priority.
	Priority int
	// MinCount is the service's floor of running tasks (its
	// ServiceSpec.MinCount, defaulted).
	MinCount int
}

// service creates one service under its own component.
func (b *builder) service(s Service, priority int, parent pulumi.ResourceOption) (*FargateService, error) {
	base := b.name + "-" + s.Name
	c := &FargateService{Priority: priority, MinCount: s.MinCount}
	if err := b.ctx.RegisterComponentResource("refarch:ecscluster:FargateService", base, c, parent); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)
	listener := b.args.Listeners[s.Listener]

	sg, err := b.securityGroup(base, s, listener, child)
	if err != nil {
		return nil, err
	}
	logs, err := b.logGroup(base, fmt.Sprintf("/ecs/%s/%s/", b.name, s.Name), child)
	if err != nil {
		return nil, err
	}
	roles, err := b.roles(base, s, logs.Arn, child)
	if err != nil {
		return nil, err
	}
	task, err := b.taskDefinition(base, s, roles, logs.Name, child)
	if err != nil {
		return nil, err
	}

	c.JobTaskDefinitionARNs = map[string]pulumi.StringOutput{}
	c.JobExecutionRoleARNs = map[string]pulumi.StringOutput{}
	for _, j := range s.Jobs {
		arn, role, err := b.job(base, s, j, logs.Arn, logs.Name, child)
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", j.Name, err)
		}
		c.JobTaskDefinitionARNs[j.Name] = arn
		c.JobExecutionRoleARNs[j.Name] = role
	}

	h := s.HealthCheck
	tg, err := lb.NewTargetGroup(b.ctx, base, &lb.TargetGroupArgs{
		VpcId:               b.args.VpcID,
		TargetType:          pulumi.String("ip"),
		Port:                pulumi.Int(s.Port),
		Protocol:            pulumi.String(s.TargetProtocol),
		DeregistrationDelay: pulumi.Int(30),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Protocol:           pulumi.String(s.TargetProtocol),
			Port:               pulumi.String("traffic-port"),
			Path:               pulumi.String(h.Path),
			Matcher:            pulumi.String(h.Matcher),
			Interval:           pulumi.Int(h.Interval),
			Timeout:            pulumi.Int(h.Timeout),
			HealthyThreshold:   pulumi.Int(h.HealthyThreshold),
			UnhealthyThreshold: pulumi.Int(h.UnhealthyThreshold),
		},
	}, child)
	if err != nil {
		return nil, err
	}
	rule, err := b.forwardRule(base, listener.ARN, priority, s.Paths, s.Hosts, tg.Arn, child)
	if err != nil {
		return nil, err
	}

	groups := pulumi.StringArray{sg.ID()}.ToStringArrayOutput()
	if s.SecurityGroupIDs != nil {
		groups = pulumi.All(sg.ID(), s.SecurityGroupIDs).ApplyT(func(v []any) []string {
			return append([]string{string(v[0].(pulumi.ID))}, v[1].([]string)...)
		}).(pulumi.StringArrayOutput)
	}
	var strategy ecs.ServiceCapacityProviderStrategyArray
	for _, share := range b.strategy() {
		strategy = append(strategy, &ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String(share.provider),
			Base:             pulumi.Int(share.base),
			Weight:           pulumi.Int(share.weight),
		})
	}
	svc, err := ecs.NewService(b.ctx, base, &ecs.ServiceArgs{
		Cluster:                    b.ecsCluster.Arn,
		TaskDefinition:             task.Arn,
		DesiredCount:               pulumi.Int(s.DesiredCount),
		CapacityProviderStrategies: strategy,
		PlatformVersion:            pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        b.args.SubnetIDs,
			SecurityGroups: groups,
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{&ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: tg.Arn,
			ContainerName:  pulumi.String(s.Name),
			ContainerPort:  pulumi.Int(s.Port),
		}},
		// A deploy whose tasks never turn healthy is stopped and rolled
		// back to the last working task definition.
		// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable:   pulumi.Bool(true),
			Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(h.GracePeriod),
		EnableExecuteCommand:            pulumi.Bool(b.args.ExecuteCommand),
		EnableEcsManagedTags:            pulumi.Bool(true),
		PropagateTags:                   pulumi.String("SERVICE"),
	}, child,
		// The autoscaler owns the task count after creation: a deploy
		// must not reset it to the configured starting value.
		pulumi.IgnoreChanges([]string{"desiredCount"}),
		// The target group must be attached to the load balancer before
		// a service registers targets in it, the cluster must have its
		// capacity providers before a strategy can name them, and
		// GuardDuty's runtime monitoring must be on before the first
		// tasks start, or they run without its agent.
		pulumi.DependsOn(b.serviceDependencies(rule)))
	if err != nil {
		return nil, err
	}
	if err := b.autoscaling(base, s, svc, tg, listener, rule, child); err != nil {
		return nil, err
	}

	c.Name = svc.Name
	c.SecurityGroupID = sg.ID().ToStringOutput()
	c.TargetGroupARN = tg.Arn
	c.TaskRoleARN = roles.task.Arn
	c.TaskRoleName = roles.task.Name
	c.ExecutionRoleARN = roles.execution.Arn
	c.LogGroupName = logs.Name
	return c, b.ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name":             c.Name,
		"securityGroupId":  c.SecurityGroupID,
		"targetGroupArn":   c.TargetGroupARN,
		"taskRoleArn":      c.TaskRoleARN,
		"taskRoleName":     c.TaskRoleName,
		"executionRoleArn": c.ExecutionRoleARN,
		"logGroupName":     c.LogGroupName,
	})
}

// serviceDependencies are what an ECS service is created after, besides
// its inputs: its listener rule, the cluster's capacity providers and, when
// the account has it, GuardDuty's RUNTIME_MONITORING feature.
// Sources: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html,
// https://docs.aws.amazon.com/guardduty/latest/ug/gdu-assess-coverage-ecs.html
func (b *builder) serviceDependencies(rule pulumi.Resource) []pulumi.Resource {
	out := []pulumi.Resource{rule, b.capacity}
	if b.args.RuntimeMonitoring != nil {
		out = append(out, b.args.RuntimeMonitoring)
	}
	return out
}

// tmpVolume names the i-th scratch volume.
func tmpVolume(i int) string { return fmt.Sprintf("tmp-%d", i) }

// job creates a one-off task definition of a service: the service's image,
// size and platform, the job's command, environment and secrets, and roles
// of its own, so the service never holds the job's secrets.
func (b *builder) job(base string, s Service, j Job, logGroupARN, logGroup pulumi.StringOutput, child pulumi.ResourceOption) (task, executionRole pulumi.StringOutput, err error) {
	js := s
	js.Name = s.Name + "-" + j.Name
	js.Environment, js.Secrets, js.DecryptKeyARNs = j.Environment, j.Secrets, j.DecryptKeyARNs
	js.TaskPermissions, js.Jobs, js.command = nil, nil, j.Command
	family := base + "-" + j.Name
	roles, err := b.roles(family, js, logGroupARN, child)
	if err != nil {
		return pulumi.StringOutput{}, pulumi.StringOutput{}, err
	}
	def, err := b.taskDefinition(family, js, roles, logGroup, child)
	if err != nil {
		return pulumi.StringOutput{}, pulumi.StringOutput{}, err
	}
	return def.Arn, roles.execution.Arn, nil
}

// taskDefinition creates the Fargate task definition family of s: its
// size, platform, roles, scratch volumes (Service.TmpPaths, none by
// default) and one container. It waits for the roles' policies, so no task
// starts before its permissions exist.
func (b *builder) taskDefinition(family string, s Service, roles *serviceRoles, logGroup pulumi.StringOutput, child pulumi.ResourceOption) (*ecs.TaskDefinition, error) {
	volumes := ecs.TaskDefinitionVolumeArray{}
	for i := range s.TmpPaths {
		volumes = append(volumes, &ecs.TaskDefinitionVolumeArgs{Name: pulumi.String(tmpVolume(i))})
	}
	return ecs.NewTaskDefinition(b.ctx, family, &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(family),
		Cpu:                     pulumi.String(fmt.Sprint(s.CPU)),
		Memory:                  pulumi.String(fmt.Sprint(s.Memory)),
		NetworkMode:             pulumi.String("awsvpc"),
		RequiresCompatibilities: pulumi.ToStringArray([]string{"FARGATE"}),
		ExecutionRoleArn:        roles.execution.Arn,
		TaskRoleArn:             roles.task.Arn,
		RuntimePlatform: &ecs.TaskDefinitionRuntimePlatformArgs{
			OperatingSystemFamily: pulumi.String("LINUX"),
			CpuArchitecture:       pulumi.String(s.Architecture),
		},
		Volumes:              volumes,
		ContainerDefinitions: containerDefinitions(s, logGroup, b.region),
	}, child, pulumi.DependsOn(append([]pulumi.Resource{roles.executionPolicy}, roles.taskPolicies...)))
}
