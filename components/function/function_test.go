package function_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/function"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/offline"
)

const (
	fnType    = "aws:lambda/function:Function"
	keyARN    = "arn:aws:kms:us-west-2:123456789012:key/1111"
	topicARN  = "arn:aws:sns:us-west-2:123456789012:alerts"
	secretARN = "arn:aws:secretsmanager:us-west-2:123456789012:secret:hook-AbCdEf"
)

func baseArgs() *function.FunctionArgs {
	return &function.FunctionArgs{
		Code:      pulumi.NewFileArchive("workloads/functions/dist/notifier.zip"),
		KMSKeyARN: pulumi.String(keyARN),
	}
}

func run(t *testing.T, args *function.FunctionArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := function.NewFunction(ctx, "notifier", args, pulumi.Provider(provider))
		return err
	})
}

func mustRun(t *testing.T, args *function.FunctionArgs) *offline.Plan {
	t.Helper()
	plan, err := run(t, args)
	require.NoError(t, err)
	return plan
}

func TestDefaultsAreArm64OnTheOSOnlyRuntimeWithTracingAndAnEncryptedDeadLetterQueue(t *testing.T) {
	plan := mustRun(t, baseArgs())
	fn := plan.Require(t, fnType, "notifier")
	assert.Equal(t, "notifier", fn.String("name"))
	assert.Equal(t, "provided.al2023", fn.String("runtime"))
	assert.Equal(t, []string{"arm64"}, fn.Strings("architectures"))
	assert.Equal(t, "bootstrap", fn.String("handler"))
	assert.Equal(t, 128, fn.Int("memorySize"))
	assert.Equal(t, 30, fn.Int("timeout"))
	assert.Equal(t, "Active", fn.String("tracingConfig.mode"))
	assert.False(t, fn.Has("reservedConcurrentExecutions"), "unreserved by default")
	assert.False(t, fn.Has("vpcConfig"))

	logs := plan.Require(t, "aws:cloudwatch/logGroup:LogGroup", "notifier")
	assert.Equal(t, "/aws/lambda/notifier", logs.String("name"))
	assert.Equal(t, 30, logs.Int("retentionInDays"))
	assert.Equal(t, keyARN, logs.String("kmsKeyId"))
	assert.Equal(t, "JSON", fn.String("loggingConfig.logFormat"))
	assert.Equal(t, "/aws/lambda/notifier", fn.String("loggingConfig.logGroup"))

	queue := plan.Require(t, "aws:sqs/queue:Queue", "notifier-dlq")
	assert.Equal(t, "notifier-dlq", queue.String("name"))
	assert.Equal(t, keyARN, queue.String("kmsMasterKeyId"))
	assert.Equal(t, 1209600, queue.Int("messageRetentionSeconds"))
	assert.Equal(t, queue.Output("arn"), fn.Get("deadLetterConfig.targetArn"))

	retries := plan.Require(t, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "notifier")
	assert.Equal(t, 2, retries.Int("maximumRetryAttempts"))
	assert.Empty(t, plan.ByType("aws:lambda/permission:Permission"), "nobody may invoke it unless named")
	assert.Empty(t, plan.ByType("aws:scheduler/schedule:Schedule"))
}

func TestRoleMayDoOnlyWhatTheFunctionNeeds(t *testing.T) {
	args := baseArgs()
	args.Permissions = []function.Permission{
		{Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []pulumi.StringInput{pulumi.String(secretARN)}},
		{Actions: []string{"cloudwatch:PutMetricData"}, Resources: []pulumi.StringInput{pulumi.String("*")},
			Condition: iampolicy.Conditions{"StringEquals": {"cloudwatch:namespace": {"refarch/EdgeProbe"}}}},
	}
	plan := mustRun(t, args)
	role := plan.Require(t, "aws:iam/role:Role", "notifier")
	trust := role.Statements(t, "assumeRolePolicy")[""]
	assert.Equal(t, map[string]any{"Service": []any{"lambda.amazonaws.com"}}, trust["Principal"])

	policy := plan.Require(t, "aws:iam/rolePolicy:RolePolicy", "notifier")
	stmts := policy.Statements(t, "policy")
	queue := plan.Require(t, "aws:sqs/queue:Queue", "notifier-dlq")
	assert.Equal(t, []string{"arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/notifier:*"}, offline.Strings(stmts["Logs"]["Resource"]))
	assert.Equal(t, []string{queue.Output("arn").(string)}, offline.Strings(stmts["DeadLetters"]["Resource"]))
	assert.Equal(t, []string{keyARN}, offline.Strings(stmts["DeadLetterKey"]["Resource"]))
	assert.Equal(t, []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, offline.Strings(stmts["Traces"]["Action"]))
	assert.NotContains(t, stmts, "Network", "no network actions outside a VPC")
	assert.Len(t, stmts, 6)

	doc, err := policy.JSON("policy")
	require.NoError(t, err)
	list, _ := offline.Lookup(doc, "Statement")
	var sawSecret, sawMetrics bool
	for _, raw := range list.([]any) {
		s := raw.(map[string]any)
		for _, a := range offline.Strings(s["Action"]) {
			assert.NotContains(t, a, "*", "no wildcard action")
			sawSecret = sawSecret || a == "secretsmanager:GetSecretValue" && offline.Strings(s["Resource"])[0] == secretARN
			if a == "cloudwatch:PutMetricData" {
				sawMetrics = true
				assert.Equal(t, []any{"refarch/EdgeProbe"}, offline.Condition(s, "StringEquals", "cloudwatch:namespace"))
			}
		}
	}
	assert.True(t, sawSecret, "the secret statement names the secret")
	assert.True(t, sawMetrics, "the metrics statement keeps its condition")

	fn := plan.Require(t, fnType, "notifier")
	assert.Equal(t, role.Output("arn"), fn.Get("role"))
}

func TestInvokersScheduleVPCAndSizing(t *testing.T) {
	args := baseArgs()
	args.MemoryMB = 256
	args.TimeoutSeconds = 900
	args.ReservedConcurrency = 5
	args.NoRetries = true
	args.LogRetentionDays = 365
	args.Environment = map[string]pulumi.StringInput{"WEBHOOK_SECRET_ARN": pulumi.String(secretARN)}
	args.Invokers = []function.Invoker{{Name: "alerts", Principal: "sns.amazonaws.com", SourceARN: pulumi.String(topicARN)}}
	args.Schedule = "rate(1 minute)"
	args.VPC = &function.VPC{SubnetIDs: pulumi.ToStringArray([]string{"subnet-0a", "subnet-0b"}), SecurityGroupIDs: pulumi.ToStringArray([]string{"sg-0fn"})}
	plan := mustRun(t, args)
	fn := plan.Require(t, fnType, "notifier")
	assert.Equal(t, 256, fn.Int("memorySize"))
	assert.Equal(t, 900, fn.Int("timeout"))
	assert.Equal(t, 5, fn.Int("reservedConcurrentExecutions"))
	assert.Equal(t, secretARN, fn.String("environment.variables.WEBHOOK_SECRET_ARN"))
	assert.Equal(t, []string{"subnet-0a", "subnet-0b"}, fn.Strings("vpcConfig.subnetIds"))
	assert.Equal(t, []string{"sg-0fn"}, fn.Strings("vpcConfig.securityGroupIds"))
	assert.Equal(t, 365, plan.Require(t, "aws:cloudwatch/logGroup:LogGroup", "notifier").Int("retentionInDays"))
	assert.Equal(t, 0, plan.Require(t, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "notifier").Int("maximumRetryAttempts"))

	perm := plan.Require(t, "aws:lambda/permission:Permission", "notifier-alerts")
	assert.Equal(t, "sns.amazonaws.com", perm.String("principal"))
	assert.Equal(t, topicARN, perm.String("sourceArn"))
	assert.Equal(t, "123456789012", perm.String("sourceAccount"))
	assert.Equal(t, "lambda:InvokeFunction", perm.String("action"))

	network := plan.Require(t, "aws:iam/rolePolicy:RolePolicy", "notifier").Statements(t, "policy")["Network"]
	assert.Contains(t, offline.Strings(network["Action"]), "ec2:CreateNetworkInterface")

	sched := plan.Require(t, "aws:scheduler/schedule:Schedule", "notifier")
	assert.Equal(t, "rate(1 minute)", sched.String("scheduleExpression"))
	assert.Equal(t, fn.Output("arn"), sched.Get("target.arn"))
	schedRole := plan.Require(t, "aws:iam/role:Role", "notifier-schedule")
	assert.Equal(t, schedRole.Output("arn"), sched.Get("target.roleArn"))
	assert.Equal(t, []any{"123456789012"}, offline.Condition(schedRole.Statements(t, "assumeRolePolicy")[""], "StringEquals", "aws:SourceAccount"))
	invoke := plan.Require(t, "aws:iam/rolePolicy:RolePolicy", "notifier-schedule").Statements(t, "policy")[""]
	assert.Equal(t, []string{"lambda:InvokeFunction"}, offline.Strings(invoke["Action"]))
	assert.Equal(t, []string{fn.Output("arn").(string)}, offline.Strings(invoke["Resource"]), "that function only")
}

func TestRefusals(t *testing.T) {
	cases := []struct {
		name        string
		mutate      func(a *function.FunctionArgs)
		field, rule string
	}{
		{"no code", func(a *function.FunctionArgs) { a.Code = nil }, "Args.Code", "cmd/package-functions"},
		{"own key without administrators", func(a *function.FunctionArgs) { a.KMSKeyARN = nil }, "Args.KeyAdministrators", "at least one"},
		{"memory too small", func(a *function.FunctionArgs) { a.MemoryMB = 64 }, "Args.MemoryMB", "between 128 and 10240"},
		{"memory too large", func(a *function.FunctionArgs) { a.MemoryMB = 10241 }, "Args.MemoryMB", "between 128 and 10240"},
		{"timeout over 900 s", func(a *function.FunctionArgs) { a.TimeoutSeconds = 901 }, "Args.TimeoutSeconds", "between 1 and 900"},
		{"negative timeout", func(a *function.FunctionArgs) { a.TimeoutSeconds = -1 }, "Args.TimeoutSeconds", "between 1 and 900"},
		{"retention CloudWatch refuses", func(a *function.FunctionArgs) { a.LogRetentionDays = 8 }, "Args.LogRetentionDays", "CloudWatch Logs accepts"},
		{"wildcard action", func(a *function.FunctionArgs) {
			a.Permissions = []function.Permission{{Actions: []string{"s3:Get*"}, Resources: []pulumi.StringInput{pulumi.String("*")}}}
		}, "Args.Permissions[0].Actions[0]", "wildcard"},
		{"every action", func(a *function.FunctionArgs) {
			a.Permissions = []function.Permission{{Actions: []string{"*"}, Resources: []pulumi.StringInput{pulumi.String("*")}}}
		}, "Args.Permissions[0].Actions[0]", "wildcard"},
		{"permission without resources", func(a *function.FunctionArgs) {
			a.Permissions = []function.Permission{{Actions: []string{"sqs:SendMessage"}}}
		}, "Args.Permissions[0].Resources", "required"},
		{"secret in the environment", func(a *function.FunctionArgs) {
			a.Environment = map[string]pulumi.StringInput{"WEBHOOK_TOKEN": pulumi.String("t")}
		}, "Args.Environment[WEBHOOK_TOKEN]", "looks like a secret"},
		{"invoker without source", func(a *function.FunctionArgs) {
			a.Invokers = []function.Invoker{{Name: "alerts", Principal: "sns.amazonaws.com"}}
		}, "Args.Invokers[0].SourceARN", "any account"},
		{"invoker not a service", func(a *function.FunctionArgs) {
			a.Invokers = []function.Invoker{{Name: "alerts", Principal: "123456789012", SourceARN: pulumi.String(topicARN)}}
		}, "Args.Invokers[0].Principal", "service principal"},
		{"bad schedule", func(a *function.FunctionArgs) { a.Schedule = "every minute" }, "Args.Schedule", "rate("},
		{"reservation beyond the quota", func(a *function.FunctionArgs) { a.ReservedConcurrency = 1001 }, "Args.ReservedConcurrency", "between 0 and 1000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(args)
			plan, err := run(t, args)
			offline.RequireRefused(t, plan, err, "refarch:function:Function", tc.field, tc.rule)
		})
	}
}

func TestNameIsBoundedSoTheDerivedNamesFit(t *testing.T) {
	plan, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := function.NewFunction(ctx, strings.Repeat("a", function.MaxNameLength+1), baseArgs(), pulumi.Provider(provider))
		return err
	})
	offline.RequireRefused(t, plan, err, "refarch:function:Function", "name", "at most 60")
	// The longest derived name, the schedule's role, fits IAM's 64.
	assert.LessOrEqual(t, function.MaxNameLength+len("-sch"), 64)
}

func TestLoadBalancerTargetMayInvokeOnlyThroughItsTargetGroup(t *testing.T) {
	args := baseArgs()
	args.LoadBalancerTarget = &function.LoadBalancerTarget{HealthCheckPath: "/hello/healthz"}
	plan := mustRun(t, args)
	tg := plan.Require(t, "aws:lb/targetGroup:TargetGroup", "notifier")
	assert.Equal(t, "lambda", tg.String("targetType"))
	assert.True(t, tg.Bool("healthCheck.enabled"))
	assert.Equal(t, "/hello/healthz", tg.String("healthCheck.path"))
	perm := plan.Require(t, "aws:lambda/permission:Permission", "notifier-load-balancer")
	assert.Equal(t, "elasticloadbalancing.amazonaws.com", perm.String("principal"))
	assert.Equal(t, tg.Output("arn"), perm.Get("sourceArn"))
	attach := plan.Require(t, "aws:lb/targetGroupAttachment:TargetGroupAttachment", "notifier")
	assert.Equal(t, tg.Output("arn"), attach.Get("targetGroupArn"))
	assert.Equal(t, plan.Require(t, fnType, "notifier").Output("arn"), attach.Get("targetId"))
}

func TestWithoutAKeyTheFunctionGetsItsOwnForItsLogGroupAndQueue(t *testing.T) {
	args := baseArgs()
	args.KMSKeyARN = nil
	args.KeyAdministrators = []string{"arn:aws:iam::123456789012:role/deploy"}
	args.Protect = true
	plan := mustRun(t, args)
	key := plan.Require(t, "aws:kms/key:Key", "notifier")
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.True(t, key.Protect, "protected with Protect")
	stmts := key.Statements(t, "policy")
	assert.Equal(t, []any{"arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/notifier"},
		offline.Condition(stmts["CloudWatchLogsOfThisAccount"], "ArnLike", "kms:EncryptionContext:aws:logs:arn"), "this log group only")
	assert.Equal(t, []any{"sqs.us-west-2.amazonaws.com"}, offline.Condition(stmts["DeadLetterQueueThroughSQS"], "StringEquals", "kms:ViaService"))
	logs := plan.Require(t, "aws:cloudwatch/logGroup:LogGroup", "notifier")
	assert.Equal(t, key.Output("arn"), logs.Get("kmsKeyId"))
	assert.True(t, logs.Protect)
	assert.Equal(t, key.Output("arn"), plan.Require(t, "aws:sqs/queue:Queue", "notifier-dlq").Get("kmsMasterKeyId"))
}

// TestInvokerPermissionsAreExposedForWhatMustWaitForThem checks a caller
// gets each invoker's permission by name, so a source that invokes at
// once (a secret rotation) can be created after it.
func TestInvokerPermissionsAreExposedForWhatMustWaitForThem(t *testing.T) {
	plan, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		args := baseArgs()
		args.Invokers = []function.Invoker{
			{Name: "alerts", Principal: "sns.amazonaws.com", SourceARN: pulumi.String(topicARN)},
			{Name: "secrets", Principal: "secretsmanager.amazonaws.com", SourceARN: pulumi.String(secretARN)},
		}
		fn, err := function.NewFunction(ctx, "rotator", args, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		if len(fn.InvokerPermissions) != 2 || fn.InvokerPermissions["secrets"] == nil {
			return fmt.Errorf("want the permissions of alerts and secrets, got %v", fn.InvokerPermissions)
		}
		_, err = sns.NewTopic(ctx, "after-secrets", &sns.TopicArgs{}, pulumi.Provider(provider),
			pulumi.DependsOn([]pulumi.Resource{fn.InvokerPermissions["secrets"]}))
		return err
	})
	require.NoError(t, err)
	perm := plan.Require(t, "aws:lambda/permission:Permission", "rotator-secrets")
	assert.Equal(t, "secretsmanager.amazonaws.com", perm.String("principal"))
	assert.Contains(t, plan.Require(t, "aws:sns/topic:Topic", "after-secrets").DependsOn, perm.URN)
}
