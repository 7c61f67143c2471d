// Package functionpart is the Lambda part of a composition: the example
// functions (workloads/functions/<name>, deployed with components/function), with
// the section of configuration that sizes them. Every stack gets the
// alert notifier on its alert topic; application stacks also get the
// secret rotator of their generated secrets, hello-http behind the public
// load balancer, and the edge probe of the CDN.
package functionpart

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/function"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/secret"
	"github.com/refarch/refarch/stacks/stack"
)

// ProbeNamespace is the edge probe's custom metric namespace.
const ProbeNamespace = "refarch/EdgeProbe"

// HelloPaths are the paths of the public listener routed to hello-http.
var HelloPaths = []string{"/hello/*"}

// deployer creates the stack's functions.
type deployer struct {
	ctx *pulumi.Context
	c   *stack.Config
	s   *Config
	p   *stack.Providers
	a   *stack.Parts
}

// Name is a function's physical name in a stack: refarch-<stack>-<name>.
func Name(c *stack.Config, name string) string { return stack.Namespace + "-" + c.Stack + "-" + name }

// function creates one function with the stack's sizes, key
// administrators, log retention and protection.
func (d *deployer) function(name, description string, edit func(*function.FunctionArgs)) (*function.Function, error) {
	zip, sum, err := code(d.ctx, name)
	if err != nil {
		return nil, err
	}
	args := d.s.args(name, zip)
	args.CodeSHA256 = sum
	args.Description = description
	args.KeyAdministrators = d.c.KeyAdministrators()
	args.LogRetentionDays = d.c.LogRetentionDays
	args.Protect = d.c.DeletionProtection
	edit(args)
	fn, err := function.NewFunction(d.ctx, Name(d.c, name), args, pulumi.Provider(d.p.Account))
	if err != nil {
		return nil, err
	}
	d.a.Functions.Functions = append(d.a.Functions.Functions, stack.FunctionOut{
		Name: name, FunctionName: fn.FunctionName, DeadLetterQueueName: fn.DeadLetterQueueName, TimeoutSeconds: fn.TimeoutSeconds,
	})
	return fn, nil
}

// Deploy creates the functions that need nothing of the platform: the
// alert notifier (every stack) and, in application stacks, the secret
// rotator and hello-http, which the platform part wires (rotation of its
// generated secrets, a route to the target group). secretServices are the
// services whose generated secrets the rotator may rotate.
func Deploy(ctx *pulumi.Context, c *stack.Config, s *Config, secretServices []string, p *stack.Providers, a *stack.Parts) error {
	if a.Baseline == nil || a.Baseline.AlertTopicARN == nil || a.Baseline.SecretsKeyARN == nil {
		return fmt.Errorf("the functions need the alert topic and the secrets key: the baseline part must run before the function part")
	}
	a.Functions = &stack.FunctionsOut{}
	d := &deployer{ctx: ctx, c: c, s: s, p: p, a: a}
	if err := d.notifier(); err != nil {
		return err
	}
	if c.Role != stack.RoleApp {
		return nil
	}
	if err := d.rotator(secretServices); err != nil {
		return err
	}
	if err := d.restoreDrill(); err != nil {
		return err
	}
	hello, err := d.function(HelloHTTP, "hello-http: a Lambda function behind the public load balancer", func(fa *function.FunctionArgs) {
		fa.LoadBalancerTarget = &function.LoadBalancerTarget{HealthCheckPath: "/hello/healthz"}
	})
	if err != nil {
		return err
	}
	a.Functions.HelloTargetGroupARN = hello.TargetGroupARN
	a.Functions.HelloPaths = HelloPaths
	return nil
}

// secretsKeyUse lets a function use the secrets key through Secrets
// Manager only.
func (d *deployer) secretsKeyUse(actions ...string) function.Permission {
	return function.Permission{
		Actions:   actions,
		Resources: []pulumi.StringInput{d.a.Baseline.SecretsKeyARN},
		Condition: iampolicy.Conditions{"StringEquals": {"kms:ViaService": keypolicy.ServiceEndpoints(d.c.Region, []string{"secretsmanager"})}},
	}
}

// notifier subscribes the alert notifier to the stack's alert topic; it
// posts each alarm and finding to the chat webhook whose URL the secret
// <stack>/alert-notifier/WEBHOOK_URL holds (set out of band).
func (d *deployer) notifier() error {
	hook, err := secret.NewSecret(d.ctx, d.c.Stack+"/"+AlertNotifier+"/WEBHOOK_URL", &secret.SecretArgs{
		KMSKeyARN:   d.a.Baseline.SecretsKeyARN,
		Description: fmt.Sprintf("the chat webhook (https URL) the alert notifier of %s posts to; set it with aws secretsmanager put-secret-value", d.c.Stack),
		Protect:     d.c.DeletionProtection,
	}, pulumi.Provider(d.p.Account))
	if err != nil {
		return err
	}
	topic := d.a.Baseline.AlertTopicARN
	fn, err := d.function(AlertNotifier, "alert-notifier: posts the alert topic's alarms and findings to the chat webhook", func(fa *function.FunctionArgs) {
		fa.Environment = map[string]pulumi.StringInput{"WEBHOOK_SECRET_ARN": hook.ARN}
		fa.Permissions = []function.Permission{
			{Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []pulumi.StringInput{hook.ARN}},
			d.secretsKeyUse("kms:Decrypt"),
		}
		fa.Invokers = []function.Invoker{{Name: "alerts", Principal: "sns.amazonaws.com", SourceARN: topic}}
		if d.c.Role == stack.RoleApp {
			// The CDN's alarms notify a topic in us-east-1 (alarmpart).
			edge := iampolicy.ARN(d.c.Partition, "sns", "us-east-1", d.c.AccountID, stack.EdgeAlertTopicName(d.c))
			fa.Invokers = append(fa.Invokers, function.Invoker{Name: "edge-alerts", Principal: "sns.amazonaws.com", SourceARN: pulumi.String(edge)})
		}
	})
	if err != nil {
		return err
	}
	d.a.Functions.NotifierARN = fn.ARN
	// SNS invokes the function asynchronously: its retries and its
	// dead-letter queue keep a failed post.
	// Source: https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html
	_, err = sns.NewTopicSubscription(d.ctx, Name(d.c, AlertNotifier), &sns.TopicSubscriptionArgs{
		Topic:    topic,
		Protocol: pulumi.String("lambda"),
		Endpoint: fn.ARN,
	}, pulumi.Provider(d.p.Account))
	return err
}

// rotationActions are what a rotation function does to the secret it
// rotates.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
var rotationActions = []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}

// rotator creates the rotation function of the services' generated
// secrets (<stack>/<service>/*) and of the database's master user secret,
// and the rotation of the latter: Secrets Manager alone invokes it, for
// those secrets only, and it may change only them and the writer's master
// password.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html
func (d *deployer) rotator(services []string) error {
	var arns []pulumi.StringInput
	for _, svc := range services {
		arns = append(arns, pulumi.String(iampolicy.ARN(d.c.Partition, "secretsmanager", d.c.Region, d.c.AccountID, "secret:"+d.c.Stack+"/"+svc+"/*")))
	}
	db := d.a.Data
	if db != nil && (db.DatabaseSecretARN == nil || db.DatabaseInstanceARN == nil || db.DatabaseKeyARN == nil) {
		return fmt.Errorf("the secret rotator needs the database's secret, writer and key: the data part must run before the function part")
	}
	fn, err := d.function(SecretRotator, "secret-rotator: rotates the generated secrets and the database master password of "+d.c.Stack, func(fa *function.FunctionArgs) {
		if len(arns) > 0 {
			fa.Permissions = append(fa.Permissions,
				function.Permission{Actions: rotationActions, Resources: arns},
				d.secretsKeyUse("kms:Decrypt", "kms:GenerateDataKey"))
			for i, arn := range arns {
				fa.Invokers = append(fa.Invokers, function.Invoker{Name: "secrets-" + services[i], Principal: "secretsmanager.amazonaws.com", SourceARN: arn})
			}
		}
		if db != nil {
			fa.Permissions = append(fa.Permissions, databaseRotation(d.c, db)...)
			fa.Invokers = append(fa.Invokers, function.Invoker{Name: DatabaseInvoker, Principal: "secretsmanager.amazonaws.com", SourceARN: db.DatabaseSecretARN})
		}
	})
	if err != nil {
		return err
	}
	perms := make([]pulumi.Resource, 0, len(fn.InvokerPermissions))
	ids := []any{fn.ARN}
	for _, name := range slices.Sorted(maps.Keys(fn.InvokerPermissions)) {
		perm := fn.InvokerPermissions[name]
		perms = append(perms, perm)
		ids = append(ids, perm.ID())
	}
	// The rotator's ARN as the platform sees it resolves once Secrets
	// Manager may invoke it: every SecretRotation naming it then waits for
	// the permissions, through its input.
	d.a.Functions.RotatorARN = pulumi.All(ids...).ApplyT(func(v []any) string { return v[0].(string) }).(pulumi.StringOutput)
	d.a.Functions.RotatorRoleARN = fn.RoleARN
	d.a.Functions.RotatorPermissions = perms
	if db == nil {
		return nil
	}
	// The master secret's first rotation runs at once: it waits for the
	// permission, the writer and the replicas (RDS changes the password
	// of an available instance only; the replicas copy it).
	_, err = secret.Rotate(d.ctx, Name(d.c, "db-master-rotation"), &secret.RotationArgs{
		SecretID:  db.DatabaseSecretARN,
		LambdaARN: fn.ARN,
		Days:      DatabaseRotationDays,
		DependsOn: append([]pulumi.Resource{fn.InvokerPermissions[DatabaseInvoker]}, db.DatabaseInstances...),
	}, pulumi.Provider(d.p.Account))
	return err
}

// DatabaseInvoker names the permission letting Secrets Manager invoke the
// rotator for the database's master secret (the services' are
// "secrets-<service>").
const DatabaseInvoker = "database-master"

// DatabaseRotationDays is the rotation interval of the master password.
const DatabaseRotationDays = 30

// databaseRotation is what the rotator needs to rotate the master secret:
// the rotation actions on that secret only; rds:DescribeDBInstances (the
// endpoint, and whether the new password is applied) and
// rds:ModifyDBInstance (the new password) on the writer only; the
// database's key through Secrets Manager, which encrypts the secret. No
// network access to the database: the password changes through the RDS
// API.
// Sources: https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html
func databaseRotation(c *stack.Config, db *stack.DataOut) []function.Permission {
	return []function.Permission{
		{Actions: rotationActions, Resources: []pulumi.StringInput{db.DatabaseSecretARN}},
		{Actions: []string{"rds:DescribeDBInstances", "rds:ModifyDBInstance"}, Resources: []pulumi.StringInput{db.DatabaseInstanceARN}},
		{
			Actions:   []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resources: []pulumi.StringInput{db.DatabaseKeyARN},
			Condition: iampolicy.Conditions{"StringEquals": {"kms:ViaService": keypolicy.ServiceEndpoints(c.Region, []string{"secretsmanager"})}},
		},
	}
}

// DeployProbe creates the edge probe (application stacks): every minute
// it requests the CDN's first name and, with an API behind the CDN, its
// health path, and publishes success and latency to ProbeNamespace.
func DeployProbe(ctx *pulumi.Context, c *stack.Config, s *Config, p *stack.Providers, a *stack.Parts) error {
	if a.Functions == nil || a.Edge == nil || a.Edge.Names == nil {
		return fmt.Errorf("the edge probe needs the CDN: the function and edge parts must run before it")
	}
	d := &deployer{ctx: ctx, c: c, s: s, p: p, a: a}
	first := a.Edge.Names.ToStringArrayOutput().Index(pulumi.Int(0))
	probes := []stack.ProbeOut{{Name: "probe-site", Namespace: ProbeNamespace, Endpoint: pulumi.Sprintf("https://%s/", first)}}
	if a.Edge.APIPathPattern != "" {
		health := strings.TrimSuffix(a.Edge.APIPathPattern, "*") + "healthz"
		probes = append(probes, stack.ProbeOut{Name: "probe-api", Namespace: ProbeNamespace, Endpoint: pulumi.Sprintf("https://%s%s", first, health)})
	}
	var urls []any
	for _, pr := range probes {
		urls = append(urls, pr.Endpoint)
	}
	list := pulumi.All(urls...).ApplyT(func(v []any) string {
		out := make([]string, len(v))
		for i, u := range v {
			out[i] = u.(string)
		}
		return strings.Join(out, ",")
	}).(pulumi.StringOutput)
	_, err := d.function(EdgeProbe, "edge-probe: the outside-in check of the CDN and the API", func(fa *function.FunctionArgs) {
		fa.Environment = map[string]pulumi.StringInput{"PROBE_URLS": list, "METRIC_NAMESPACE": pulumi.String(ProbeNamespace)}
		// PutMetricData has no resource-level permission; the namespace
		// condition narrows it.
		// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
		fa.Permissions = []function.Permission{{
			Actions:   []string{"cloudwatch:PutMetricData"},
			Resources: []pulumi.StringInput{pulumi.String("*")},
			Condition: iampolicy.Conditions{"StringEquals": {"cloudwatch:namespace": {ProbeNamespace}}},
		}}
		fa.Schedule = "rate(1 minute)"
		fa.NoRetries = true // the next minute's run is the retry
	})
	if err != nil {
		return err
	}
	a.Functions.Probes = probes
	return nil
}
