package baselinepart

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/stacks/stack"
)

// FailoverDrillPersonas are the personas whose role in an application
// account may run the failover drill (cmd/failover-drill, docs/runbook.md
// section 6.6). full-access may do everything anyway; ops gets exactly the
// drill's calls (FailoverDrillPolicy) in a policy of its own, rather than
// relying on what AWS's managed job-function policies
// (job-function/SystemAdministrator, ViewOnlyAccess) happen to include:
// they are not written for running ECS tasks, and AWS edits them.
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html
var FailoverDrillPersonas = []string{PersonaOps}

// FailoverDrillPolicy is the drill's right in an application account:
// read the writer, its events, the backend's service, task definition
// and tasks; reboot the stack's writer (refarch-<stack>-db) only; run and
// stop a task, passing its roles to ECS tasks only; read the ECS services'
// log streams (/ecs/…). The task definitions, roles and log groups carry
// Pulumi's suffixes, which a plain policy document cannot name: the
// conditions (iam:PassedToService, ecs:CreateAction) narrow them instead.
// Sources: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
func FailoverDrillPolicy(c *stack.Config) iampolicy.Document {
	arn := func(service, resource string) string {
		return iampolicy.ARN(c.Partition, service, c.Region, c.AccountID, resource)
	}
	return iampolicy.New(
		iampolicy.Statement{
			Sid:    "ReadTheWriterAndTheProbe",
			Effect: iampolicy.Allow,
			Action: []string{"rds:DescribeDBInstances", "rds:DescribeEvents",
				"ecs:DescribeServices", "ecs:DescribeTaskDefinition", "ecs:DescribeTasks"},
			Resource: []string{"*"},
		},
		iampolicy.Statement{
			Sid:      "RebootTheWriterWithFailover",
			Effect:   iampolicy.Allow,
			Action:   []string{"rds:RebootDBInstance"},
			Resource: []string{arn("rds", "db:"+stack.DatabaseName(c.Stack))},
		},
		iampolicy.Statement{
			Sid:      "RunAndStopTheProbe",
			Effect:   iampolicy.Allow,
			Action:   []string{"ecs:RunTask", "ecs:StopTask"},
			Resource: []string{arn("ecs", "task-definition/*"), arn("ecs", "task/*")},
		},
		iampolicy.Statement{
			Sid:       "TagTheProbeAsItStarts",
			Effect:    iampolicy.Allow,
			Action:    []string{"ecs:TagResource"},
			Resource:  []string{arn("ecs", "task/*")},
			Condition: iampolicy.Conditions{"StringEquals": {"ecs:CreateAction": {"RunTask"}}},
		},
		iampolicy.Statement{
			Sid:       "PassTheTaskRolesToECSTasksOnly",
			Effect:    iampolicy.Allow,
			Action:    []string{"iam:PassRole"},
			Resource:  []string{iampolicy.RoleARN(c.Partition, c.AccountID, "*")},
			Condition: iampolicy.Conditions{"StringEquals": {"iam:PassedToService": {"ecs-tasks.amazonaws.com"}}},
		},
		iampolicy.Statement{
			Sid:      "ReadTheProbesLogs",
			Effect:   iampolicy.Allow,
			Action:   []string{"logs:GetLogEvents"},
			Resource: []string{arn("logs", "log-group:/ecs/*"), arn("logs", "log-group:/ecs/*:log-stream:*")},
		},
	)
}

// FailoverDrillPolicyName names the role policy holding FailoverDrillPolicy
// on each of FailoverDrillPersonas' roles.
const FailoverDrillPolicyName = "failover-drill"

// deployFailoverDrill gives FailoverDrillPersonas' roles of an application
// account FailoverDrillPolicy, as a role policy of its own
// (FailoverDrillPolicyName) next to the persona's managed policies. The
// roles are the baseline's: each policy names its role through the
// baseline's PersonaRoleARNs, so it waits for that role alone (a
// dependency on the whole component would list whatever of its children
// happen to be registered, a different list on every run).
func deployFailoverDrill(ctx *pulumi.Context, c *stack.Config, base *sb.SecurityBaseline, provider pulumi.ResourceOption) error {
	if c.Role != stack.RoleApp {
		return nil
	}
	doc, err := FailoverDrillPolicy(c).JSON()
	if err != nil {
		return fmt.Errorf("the failover drill's policy: %w", err)
	}
	for _, persona := range slices.Sorted(slices.Values(FailoverDrillPersonas)) {
		role := PersonaRoleName(persona)
		// The role's name, from its ARN: an input that carries the role.
		name := base.PersonaRoleARNs.MapIndex(pulumi.String(role)).ApplyT(func(arn string) string {
			return arn[strings.LastIndex(arn, "/")+1:]
		}).(pulumi.StringOutput)
		if _, err := iam.NewRolePolicy(ctx, stack.Namespace+"-"+c.Stack+"-"+role+"-"+FailoverDrillPolicyName, &iam.RolePolicyArgs{
			Role:   name,
			Name:   pulumi.String(FailoverDrillPolicyName),
			Policy: pulumi.String(doc),
		}, provider); err != nil {
			return fmt.Errorf("the failover drill's policy of %s: %w", role, err)
		}
	}
	return nil
}
