package ecscluster

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
)

// serviceRoles are a service's two roles.
type serviceRoles struct {
	// execution is the role ECS uses to start the tasks: pull the image,
	// create log streams, read the secrets.
	execution *iam.Role
	// executionPolicy is its permissions; the task definition waits for it.
	executionPolicy *iam.RolePolicy
	// task is the role the application runs as.
	task *iam.Role
	// taskPolicies are the task role's policies (ECS Exec's among them);
	// the task definition waits for them, so no task starts before its
	// permissions exist.
	taskPolicies []pulumi.Resource
}

var (
	// secretARN is a Secrets Manager secret's ARN, optionally followed by
	// ":<json-key>:<version-stage>:<version-id>" as container secrets allow.
	// RDS-managed secrets are named "rds!…".
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
	secretARN = regexp.MustCompile(`^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+)(:[^:]*:[^:]*:[^:]*)?$`)
	// parameterARN is an SSM parameter's ARN.
	parameterARN = regexp.MustCompile(`^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+$`)
)

// SecretResource returns the IAM resource a container secret's ARN refers
// to (the secret itself for a Secrets Manager ARN with a JSON-key suffix)
// and its kind ("secretsmanager" or "ssm"), or an error for anything that
// is not such an ARN — a plain value in particular.
func SecretResource(arn string) (resource, kind string, err error) {
	if m := secretARN.FindStringSubmatch(arn); m != nil {
		return m[1], "secretsmanager", nil
	}
	if parameterARN.MatchString(arn) {
		return arn, "ssm", nil
	}
	return "", "", fmt.Errorf("%q is not the ARN of a Secrets Manager secret or an SSM parameter: secrets are injected by reference, never as values", arn)
}

// trustPolicy lets ECS tasks assume a role. The task role, which the
// application's code uses, is further confined to tasks of this account and
// region (aws:SourceAccount and aws:SourceArn close the confused deputy, as
// AWS documents for task roles). The execution role keeps the trust policy
// AWS documents for it, without conditions: the ECS and Fargate agents
// assume it, and a condition they do not supply would stop every task from
// starting.
// Sources: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
func (b *builder) trustPolicy(confined bool) (string, error) {
	s := iampolicy.Statement{
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Service": {"ecs-tasks.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
	}
	if confined {
		s.Condition = iampolicy.Conditions{
			"StringEquals": {"aws:SourceAccount": {b.account}},
			"ArnLike":      {"aws:SourceArn": {fmt.Sprintf("arn:%s:ecs:%s:%s:*", b.partition, b.region, b.account)}},
		}
	}
	return iampolicy.New(s).JSON()
}

// roles creates the execution and task roles of a service, each with
// exactly the permissions it needs.
func (b *builder) roles(base string, s Service, logGroupARN pulumi.StringOutput, child pulumi.ResourceOption) (*serviceRoles, error) {
	role := func(suffix, purpose string, confined bool) (*iam.Role, error) {
		trust, err := b.trustPolicy(confined)
		if err != nil {
			return nil, err
		}
		return iam.NewRole(b.ctx, base+suffix, &iam.RoleArgs{
			Description:      pulumi.Sprintf("ECS service %s: %s", base, purpose),
			AssumeRolePolicy: pulumi.String(trust),
		}, child)
	}
	execution, err := role("-exec", "starts its tasks", false)
	if err != nil {
		return nil, err
	}
	policy, err := iam.NewRolePolicy(b.ctx, base+"-exec", &iam.RolePolicyArgs{
		Role:   execution.ID(),
		Policy: b.executionPolicy(s, logGroupARN),
	}, child)
	if err != nil {
		return nil, err
	}
	task, err := role("-task", "the application's own permissions", true)
	if err != nil {
		return nil, err
	}
	roles := &serviceRoles{execution: execution, executionPolicy: policy, task: task}
	if len(s.TaskPermissions) > 0 {
		perms, err := iam.NewRolePolicy(b.ctx, base+"-task", &iam.RolePolicyArgs{
			Role:   task.ID(),
			Policy: taskPolicy(s.TaskPermissions),
		}, child)
		if err != nil {
			return nil, err
		}
		roles.taskPolicies = append(roles.taskPolicies, perms)
	}
	if b.args.ExecuteCommand {
		exec, err := iam.NewRolePolicy(b.ctx, base+"-task-exec", &iam.RolePolicyArgs{
			Role:   task.ID(),
			Policy: b.execCommandPolicy(),
		}, child)
		if err != nil {
			return nil, err
		}
		roles.taskPolicies = append(roles.taskPolicies, exec)
	}
	return roles, nil
}

// guardDutyAgentRepository is the ECR repository of GuardDuty's security
// agent for Fargate. GuardDuty owns it, in an AWS account of its own that
// differs by region (the prerequisites page lists them), so the pull
// statement names the repository in any account of the task's region.
// Source: https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html
const guardDutyAgentRepository = "repository/aws-guardduty-agent-fargate"

// ecrPullActions are what pulling an image from a repository takes.
var ecrPullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}

// executionPolicy allows pulling the service's image from its repository
// only, writing its own log group only, and reading its own secrets only;
// with Args.FargateAgentManagement, also pulling GuardDuty's agent, which
// GuardDuty adds to every task and starts with the task's execution role
// (without it the task runs unprotected: the sidecar fails with
// CannotPullContainerError and GuardDuty's coverage turns unhealthy).
// Sources: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html,
// https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html
func (b *builder) executionPolicy(s Service, logGroupARN pulumi.StringOutput) pulumi.StringOutput {
	names := sortedKeys(s.Secrets)
	inputs := []pulumi.Input{logGroupARN}
	for _, n := range names {
		inputs = append(inputs, s.Secrets[n])
	}
	keys := s.DecryptKeyARNs
	if keys == nil {
		keys = pulumi.StringArray{}
	}
	inputs = append(inputs, keys)
	return iampolicy.StringOutput(inputs, func(v []any) (iampolicy.Document, error) {
		var stmts []iampolicy.Statement
		repo := ecrRepositoryARN(s.Image)
		if repo != "" {
			stmts = append(stmts, iampolicy.Statement{Sid: "PullImage", Effect: iampolicy.Allow,
				Action: ecrPullActions, Resource: []string{repo}})
		}
		if b.args.FargateAgentManagement {
			stmts = append(stmts, iampolicy.Statement{Sid: "PullGuardDutyAgent", Effect: iampolicy.Allow,
				Action:   ecrPullActions,
				Resource: []string{iampolicy.ARN(b.partition, "ecr", b.region, "*", guardDutyAgentRepository)}})
		}
		if repo != "" || b.args.FargateAgentManagement {
			// GetAuthorizationToken has no resource-level permission.
			stmts = append(stmts, iampolicy.Statement{Sid: "RegistryLogin", Effect: iampolicy.Allow,
				Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}})
		}
		stmts = append(stmts, iampolicy.Statement{Sid: "WriteLogs", Effect: iampolicy.Allow,
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resource: []string{v[0].(string) + ":*"}})
		byKind := map[string][]string{}
		for i, n := range names {
			resource, kind, err := SecretResource(v[1+i].(string))
			if err != nil {
				return iampolicy.Document{}, fmt.Errorf("service %s, secret %s: %w", s.Name, n, err)
			}
			if !slices.Contains(byKind[kind], resource) {
				byKind[kind] = append(byKind[kind], resource)
			}
		}
		if r := byKind["secretsmanager"]; len(r) > 0 {
			stmts = append(stmts, iampolicy.Statement{Sid: "ReadSecrets", Effect: iampolicy.Allow,
				Action: []string{"secretsmanager:GetSecretValue"}, Resource: r})
		}
		if r := byKind["ssm"]; len(r) > 0 {
			stmts = append(stmts, iampolicy.Statement{Sid: "ReadParameters", Effect: iampolicy.Allow,
				Action: []string{"ssm:GetParameters"}, Resource: r})
		}
		if keys := v[len(v)-1].([]string); len(keys) > 0 {
			stmts = append(stmts, iampolicy.Statement{Sid: "DecryptSecrets", Effect: iampolicy.Allow,
				Action: []string{"kms:Decrypt"}, Resource: keys,
				Condition: iampolicy.Conditions{"StringEquals": {"kms:ViaService": {
					fmt.Sprintf("secretsmanager.%s.amazonaws.com", b.region),
					fmt.Sprintf("ssm.%s.amazonaws.com", b.region),
				}}}})
		}
		return iampolicy.New(stmts...), nil
	})
}

// execCommandPolicy is what ECS Exec needs from the task role: the
// Session Manager channels, the session key and the session log group.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
func (b *builder) execCommandPolicy() pulumi.StringOutput {
	return iampolicy.StringOutput([]pulumi.Input{b.logKeyARN, b.execLogGroupARN}, func(v []any) (iampolicy.Document, error) {
		return iampolicy.New(
			iampolicy.Statement{Sid: "SessionChannels", Effect: iampolicy.Allow,
				Action: []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
					"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
				Resource: []string{"*"}},
			iampolicy.Statement{Sid: "SessionKey", Effect: iampolicy.Allow,
				Action: []string{"kms:Decrypt"}, Resource: []string{v[0].(string)}},
			iampolicy.Statement{Sid: "SessionLogs", Effect: iampolicy.Allow,
				Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
				Resource: []string{v[1].(string) + ":*"}},
			iampolicy.Statement{Sid: "FindSessionLogGroup", Effect: iampolicy.Allow,
				Action: []string{"logs:DescribeLogGroups"}, Resource: []string{"*"}},
		), nil
	})
}

// taskPolicy renders a service's TaskPermissions.
func taskPolicy(perms []TaskPermission) pulumi.StringOutput {
	var inputs []pulumi.Input
	for _, p := range perms {
		for _, r := range p.Resources {
			inputs = append(inputs, r)
		}
	}
	return iampolicy.StringOutput(inputs, func(v []any) (iampolicy.Document, error) {
		var stmts []iampolicy.Statement
		i := 0
		for _, p := range perms {
			st := iampolicy.Statement{Sid: p.Sid, Effect: iampolicy.Allow, Action: p.Actions}
			for range p.Resources {
				st.Resource = append(st.Resource, v[i].(string))
				i++
			}
			stmts = append(stmts, st)
		}
		return iampolicy.New(stmts...), nil
	})
}
