package function

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// vpcActions are what Lambda needs of the execution role to attach the
// function to subnets: AWSLambdaVPCAccessExecutionRole's actions, named.
// EC2's network-interface actions take no resource-level restriction.
// Source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
var vpcActions = []string{
	"ec2:CreateNetworkInterface",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSubnets",
	"ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses",
	"ec2:UnassignPrivateIpAddresses",
}

// role creates the execution role: Lambda may assume it for this account's
// functions only, and its one policy lists every action by name.
func (b *builder) role(queueARN pulumi.StringOutput) (*iam.Role, error) {
	trust, err := iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"lambda.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
	}).JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(b.ctx, b.name, &iam.RoleArgs{
		Name:               pulumi.String(b.name),
		Description:        pulumi.String("execution role of the Lambda function " + b.name),
		AssumeRolePolicy:   pulumi.String(trust),
		MaxSessionDuration: pulumi.Int(3600),
	}, b.child)
	if err != nil {
		return nil, err
	}
	group := iampolicy.LogGroupARN(b.env.Partition, b.env.Region, b.env.Account, b.logGroup())
	inputs := []pulumi.Input{queueARN, b.a.KMSKeyARN}
	for _, perm := range b.a.Permissions {
		for _, r := range perm.Resources {
			inputs = append(inputs, r)
		}
	}
	doc := iampolicy.StringOutput(inputs, func(v []any) (iampolicy.Document, error) {
		stmts := []iampolicy.Statement{
			{Sid: "Logs", Effect: iampolicy.Allow, Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resource: []string{group + ":*"}},
			// X-Ray's write actions take no resource-level restriction.
			// Source: https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html
			{Sid: "Traces", Effect: iampolicy.Allow, Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, Resource: []string{"*"}},
			{Sid: "DeadLetters", Effect: iampolicy.Allow, Action: []string{"sqs:SendMessage"}, Resource: []string{v[0].(string)}},
			// SQS encrypts each message with a data key of the queue's key.
			// Source: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
			{Sid: "DeadLetterKey", Effect: iampolicy.Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{v[1].(string)}},
		}
		if b.a.VPC != nil {
			stmts = append(stmts, iampolicy.Statement{Sid: "Network", Effect: iampolicy.Allow, Action: vpcActions, Resource: []string{"*"}})
		}
		i := 2
		for n, perm := range b.a.Permissions {
			s := iampolicy.Statement{Sid: fmt.Sprintf("Permission%d", n), Effect: iampolicy.Allow, Action: perm.Actions, Condition: perm.Condition}
			for range perm.Resources {
				s.Resource = append(s.Resource, v[i].(string))
				i++
			}
			stmts = append(stmts, s)
		}
		return iampolicy.New(stmts...), nil
	})
	policy, err := iam.NewRolePolicy(b.ctx, b.name, &iam.RolePolicyArgs{
		Role:   role.Name,
		Policy: doc,
	}, b.child)
	if err != nil {
		return nil, err
	}
	b.policy = policy
	return role, nil
}

// schedule invokes the function on Args.Schedule through a role that
// Scheduler may assume for this account's schedules only and that may
// invoke this function only.
// Source: https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
func (b *builder) schedule(functionARN pulumi.StringOutput) error {
	trust, err := iampolicy.New(iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"scheduler.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"StringEquals": {"aws:SourceAccount": {b.env.Account}}},
	}).JSON()
	if err != nil {
		return err
	}
	role, err := iam.NewRole(b.ctx, b.name+"-schedule", &iam.RoleArgs{
		Name:             pulumi.String(b.name + "-sch"),
		Description:      pulumi.String("EventBridge Scheduler's role to invoke " + b.name),
		AssumeRolePolicy: pulumi.String(trust),
	}, b.child)
	if err != nil {
		return err
	}
	invoke := iampolicy.StringOutput([]pulumi.Input{functionARN}, func(v []any) (iampolicy.Document, error) {
		return iampolicy.New(iampolicy.Statement{
			Effect: iampolicy.Allow, Action: []string{"lambda:InvokeFunction"}, Resource: []string{v[0].(string)},
		}), nil
	})
	policy, err := iam.NewRolePolicy(b.ctx, b.name+"-schedule", &iam.RolePolicyArgs{Role: role.Name, Policy: invoke}, b.child)
	if err != nil {
		return err
	}
	_, err = scheduler.NewSchedule(b.ctx, b.name, &scheduler.ScheduleArgs{
		Name:               pulumi.String(b.name),
		Description:        pulumi.String("invokes " + b.name),
		ScheduleExpression: pulumi.String(b.a.Schedule),
		// Exactly on time: a probe's minutes should be evenly spaced.
		FlexibleTimeWindow: &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
		Target: &scheduler.ScheduleTargetArgs{
			Arn:     functionARN,
			RoleArn: role.Arn,
			// The next run is as good as a retry of this one.
			RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{MaximumRetryAttempts: pulumi.Int(0)},
		},
	}, b.child, pulumi.DependsOn([]pulumi.Resource{policy}))
	return err
}
