// Package function provides Function, an AWS Lambda function deployed the
// way this library deploys everything: a role that may do only what the
// function needs, its own encrypted log group with a retention, X-Ray
// tracing, an encrypted dead-letter queue for asynchronous invocations,
// and invocation only by the sources named.
package function

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength keeps the names derived from a Function's within AWS's
// limits: the function and its role are named like it (64 characters
// each), the queue <name>-dlq (80), the schedule <name> (64).
const MaxNameLength = 60

// Runtime, architecture and handler of every Function: Go compiled to a
// static arm64 executable named bootstrap on the OS-only runtime (Graviton
// costs about 20% less per GB-second than x86).
// Sources: https://docs.aws.amazon.com/lambda/latest/dg/lambda-golang.html,
// https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html
const (
	Runtime      = "provided.al2023"
	Architecture = "arm64"
	Handler      = "bootstrap"
)

// deadLetterRetentionSeconds keeps a failed event 14 days, SQS's maximum.
// Source: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
const deadLetterRetentionSeconds = 14 * 24 * 3600

// Function is a Lambda function (Runtime, Architecture, Handler) named like
// the component, with:
//   - a role of its own that Lambda alone may assume, allowed to write to
//     its log group, send traces, send to its dead-letter queue with
//     the key, and do Args.Permissions: named actions, never a wildcard;
//   - the log group /aws/lambda/<name>, created before the function so
//     Lambda never creates one without retention, with
//     Args.LogRetentionDays and Args.KMSKeyARN, JSON logs;
//   - X-Ray active tracing;
//   - the SQS queue <name>-dlq (encrypted with Args.KMSKeyARN, 14 days)
//     receiving asynchronous events that failed Args.MaxRetries times;
//   - a resource policy per Args.Invokers entry: that service, that source
//     ARN, this account;
//   - with Args.Schedule, an EventBridge Scheduler schedule and a role that
//     may invoke this function only;
//   - with Args.VPC, placement in those subnets and groups.
type Function struct {
	pulumi.ResourceState

	// ARN is the function's ARN.
	ARN pulumi.StringOutput `pulumi:"arn"`
	// FunctionName is the function's name (the component's).
	FunctionName pulumi.StringOutput `pulumi:"functionName"`
	// RoleARN is the execution role's ARN.
	RoleARN pulumi.StringOutput `pulumi:"roleArn"`
	// DeadLetterQueueName is the dead-letter queue's name.
	DeadLetterQueueName pulumi.StringOutput `pulumi:"deadLetterQueueName"`
	// LogGroupName is the function's log group.
	LogGroupName pulumi.StringOutput `pulumi:"logGroupName"`

	// TargetGroupARN is the function's target group (with
	// Args.LoadBalancerTarget; empty otherwise).
	TargetGroupARN pulumi.StringOutput `pulumi:"targetGroupArn"`

	// InvokerPermissions are the resource policy statements of
	// Args.Invokers, by Invoker.Name. A source that invokes the function
	// as soon as it is created must wait for its statement: Secrets
	// Manager's RotateSecret, for one, invokes the rotation function at
	// once and is refused (AccessDeniedException) until the statement
	// exists, so a SecretRotation depends on it.
	// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets-cli.html
	InvokerPermissions map[string]pulumi.CustomResource

	// TimeoutSeconds is the function's timeout, with the default applied
	// (its duration alarm fires at 80% of it).
	TimeoutSeconds int
}

// NewFunction creates the function. It validates args before registering
// anything.
func NewFunction(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	if args == nil {
		args = &FunctionArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("function arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("function %q: %w", name, err)
	}
	c := &Function{TimeoutSeconds: a.TimeoutSeconds, TargetGroupARN: pulumi.String("").ToStringOutput(), InvokerPermissions: map[string]pulumi.CustomResource{}}
	if err := ctx.RegisterComponentResource("refarch:function:Function", name, c, opts...); err != nil {
		return nil, fmt.Errorf("function %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("function %q: looking up the account: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, a: a, env: env, child: child}
	if a.KMSKeyARN == nil {
		key, err := b.key()
		if err != nil {
			return nil, fmt.Errorf("function %q: key: %w", name, err)
		}
		b.a.KMSKeyARN = key
		a.KMSKeyARN = key
	}

	logGroup, err := cloudwatch.NewLogGroup(ctx, name, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(b.logGroup()),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
		KmsKeyId:        a.KMSKeyARN,
	}, child, pulumi.Protect(a.Protect), pulumi.RetainOnDelete(a.Protect))
	if err != nil {
		return nil, fmt.Errorf("function %q: log group: %w", name, err)
	}
	queue, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		Name:                    pulumi.String(name + "-dlq"),
		KmsMasterKeyId:          a.KMSKeyARN,
		MessageRetentionSeconds: pulumi.Int(deadLetterRetentionSeconds),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("function %q: dead-letter queue: %w", name, err)
	}
	role, err := b.role(queue.Arn)
	if err != nil {
		return nil, fmt.Errorf("function %q: role: %w", name, err)
	}
	fargs := &lambda.FunctionArgs{
		Name:          pulumi.String(name),
		Description:   pulumi.String(a.Description),
		Role:          role.Arn,
		Runtime:       pulumi.String(Runtime),
		Architectures: pulumi.StringArray{pulumi.String(Architecture)},
		Handler:       pulumi.String(Handler),
		Code:          a.Code,
		MemorySize:    pulumi.Int(a.MemoryMB),
		Timeout:       pulumi.Int(a.TimeoutSeconds),
		TracingConfig: &lambda.FunctionTracingConfigArgs{Mode: pulumi.String("Active")},
		DeadLetterConfig: &lambda.FunctionDeadLetterConfigArgs{
			TargetArn: queue.Arn,
		},
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("JSON"),
			LogGroup:  logGroup.Name,
		},
	}
	if a.Description == "" {
		fargs.Description = pulumi.String(name)
	}
	if a.CodeSHA256 != "" {
		fargs.SourceCodeHash = pulumi.String(a.CodeSHA256)
	}
	if a.ReservedConcurrency > 0 {
		fargs.ReservedConcurrentExecutions = pulumi.Int(a.ReservedConcurrency)
	}
	if len(a.Environment) > 0 {
		vars := pulumi.StringMap{}
		for k, v := range a.Environment {
			vars[k] = v
		}
		fargs.Environment = &lambda.FunctionEnvironmentArgs{Variables: vars}
	}
	if a.VPC != nil {
		fargs.VpcConfig = &lambda.FunctionVpcConfigArgs{SubnetIds: a.VPC.SubnetIDs, SecurityGroupIds: a.VPC.SecurityGroupIDs}
	}
	// The role's policy must exist before the function's first event.
	fn, err := lambda.NewFunction(ctx, name, fargs, child, pulumi.DependsOn([]pulumi.Resource{logGroup, b.policy}))
	if err != nil {
		return nil, fmt.Errorf("function %q: function: %w", name, err)
	}
	if _, err := lambda.NewFunctionEventInvokeConfig(ctx, name, &lambda.FunctionEventInvokeConfigArgs{
		FunctionName:         fn.Name,
		MaximumRetryAttempts: pulumi.Int(a.MaxRetries),
	}, child); err != nil {
		return nil, fmt.Errorf("function %q: retries: %w", name, err)
	}
	for _, inv := range a.Invokers {
		perm, err := lambda.NewPermission(ctx, name+"-"+inv.Name, &lambda.PermissionArgs{
			Function:      fn.Name,
			Action:        pulumi.String("lambda:InvokeFunction"),
			Principal:     pulumi.String(inv.Principal),
			SourceArn:     inv.SourceARN,
			SourceAccount: pulumi.String(env.Account),
		}, child)
		if err != nil {
			return nil, fmt.Errorf("function %q: invoker %s: %w", name, inv.Name, err)
		}
		c.InvokerPermissions[inv.Name] = perm
	}
	if a.LoadBalancerTarget != nil {
		arn, err := b.targetGroup(fn)
		if err != nil {
			return nil, fmt.Errorf("function %q: target group: %w", name, err)
		}
		c.TargetGroupARN = arn
	}
	if a.Schedule != "" {
		if err := b.schedule(fn.Arn); err != nil {
			return nil, fmt.Errorf("function %q: schedule: %w", name, err)
		}
	}
	c.ARN = fn.Arn
	c.FunctionName = fn.Name
	c.RoleARN = role.Arn
	c.DeadLetterQueueName = queue.Name
	c.LogGroupName = logGroup.Name
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"arn":                 c.ARN,
		"functionName":        c.FunctionName,
		"roleArn":             c.RoleARN,
		"deadLetterQueueName": c.DeadLetterQueueName,
		"logGroupName":        c.LogGroupName,
		"targetGroupArn":      c.TargetGroupARN,
	})
}

type builder struct {
	ctx    *pulumi.Context
	name   string
	a      FunctionArgs
	env    awsenv.Env
	child  pulumi.ResourceOrInvokeOption
	policy pulumi.Resource
}

// logGroup is the group Lambda writes to by default, so nothing else
// (the console, a log subscription) has to be told.
// Source: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
func (b *builder) logGroup() string { return "/aws/lambda/" + b.name }

// targetGroup creates the function's Lambda target group, lets that
// target group (and only it) invoke the function, and registers it.
func (b *builder) targetGroup(fn *lambda.Function) (pulumi.StringOutput, error) {
	t := b.a.LoadBalancerTarget
	args := &lb.TargetGroupArgs{
		// A target group's name is at most 32 characters; AWS completes
		// the prefix with a unique suffix.
		NamePrefix: pulumi.String("lambda"),
		TargetType: pulumi.String("lambda"),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled: pulumi.Bool(t.HealthCheckPath != ""),
		},
	}
	if t.HealthCheckPath != "" {
		args.HealthCheck = &lb.TargetGroupHealthCheckArgs{
			Enabled:  pulumi.Bool(true),
			Path:     pulumi.String(t.HealthCheckPath),
			Interval: pulumi.Int(60),
			Matcher:  pulumi.String("200"),
		}
	}
	tg, err := lb.NewTargetGroup(b.ctx, b.name, args, b.child)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	perm, err := lambda.NewPermission(b.ctx, b.name+"-load-balancer", &lambda.PermissionArgs{
		Function:      fn.Name,
		Action:        pulumi.String("lambda:InvokeFunction"),
		Principal:     pulumi.String("elasticloadbalancing.amazonaws.com"),
		SourceArn:     tg.Arn,
		SourceAccount: pulumi.String(b.env.Account),
	}, b.child)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	// Registering a function needs the permission first.
	if _, err := lb.NewTargetGroupAttachment(b.ctx, b.name, &lb.TargetGroupAttachmentArgs{
		TargetGroupArn: tg.Arn,
		TargetId:       fn.Arn,
	}, b.child, pulumi.DependsOn([]pulumi.Resource{perm})); err != nil {
		return pulumi.StringOutput{}, err
	}
	return tg.Arn, nil
}
