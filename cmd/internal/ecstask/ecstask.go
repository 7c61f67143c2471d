// Package ecstask runs one-off ECS Fargate tasks for the repository's
// commands (cmd/run-job's migration, cmd/failover-drill's probe): it copies
// an ECS service's awsvpc network, starts one task there, polls it until it
// stops, stops it when a wait times out or is interrupted, and reports its
// containers' exit codes.
package ecstask

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ECS is the part of the ECS API a Runner calls; *ecs.Client implements it.
type ECS interface {
	// DescribeServices reads the ECS service's network configuration.
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, opts ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	// RunTask starts the task.
	RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	// DescribeTasks polls the task until it stops.
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, opts ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
	// StopTask stops the task when a wait times out or is interrupted.
	StopTask(ctx context.Context, in *ecs.StopTaskInput, opts ...func(*ecs.Options)) (*ecs.StopTaskOutput, error)
}

var _ ECS = (*ecs.Client)(nil)

const (
	// StatusStopped is the lastStatus of a task that has stopped.
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
	StatusStopped = "STOPPED"
	// stopTimeout bounds the StopTask call made after a wait ended.
	stopTimeout = 30 * time.Second
	// missing is the failure reason DescribeTasks gives for a task it does
	// not know (yet: a task RunTask has just started may not be visible).
	missing = "MISSING"
)

// Runner starts tasks and waits for them.
type Runner struct {
	// ECS is the client.
	ECS ECS
	// Out receives the progress lines.
	Out io.Writer
	// StartedBy tags the tasks (RunTask's startedBy), so they can be told
	// from the service's own (`aws ecs list-tasks --started-by`); it also
	// prefixes the reasons given to StopTask ("<StartedBy> timeout").
	StartedBy string
	// Interval is the time between two DescribeTasks calls; the AWS CLI's
	// tasks-stopped waiter uses 6 s.
	// Source: https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/tasks-stopped.html
	Interval time.Duration
	// Timeout is how long Wait waits for the task to stop before stopping it.
	Timeout time.Duration
}

// Task is one started task.
type Task struct {
	// ARN is the task's ARN.
	ARN string
	// Cluster is its cluster's name.
	Cluster string
	// Label names it in errors and progress ("job backend/migrate").
	Label string
}

// Spec is what RunTask needs.
type Spec struct {
	// Cluster is the ECS cluster's name.
	Cluster string
	// TaskDefinition is the task definition's ARN.
	TaskDefinition string
	// Network is the awsvpc configuration (Network's).
	Network *types.AwsVpcConfiguration
	// Overrides, when not nil, overrides the containers' commands.
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html
	Overrides *types.TaskOverride
}

// Network returns the awsvpc configuration of the ECS service, and the
// service itself (its task definition): a task run there reaches what the
// service reaches (the database).
func (r *Runner) Network(ctx context.Context, cluster, service string) (*types.AwsVpcConfiguration, *types.Service, error) {
	what := fmt.Sprintf("describing ECS service %s in cluster %s", service, cluster)
	out, err := r.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster:  aws.String(cluster),
		Services: []string{service},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(out.Failures) > 0 {
		return nil, nil, fmt.Errorf("%s: %s", what, failures(out.Failures))
	}
	if len(out.Services) == 0 {
		return nil, nil, fmt.Errorf("%s: no such service", what)
	}
	s := out.Services[0]
	if s.NetworkConfiguration == nil || s.NetworkConfiguration.AwsvpcConfiguration == nil ||
		len(s.NetworkConfiguration.AwsvpcConfiguration.Subnets) == 0 {
		return nil, nil, fmt.Errorf("%s: the service has no awsvpc network configuration to copy", what)
	}
	v := s.NetworkConfiguration.AwsvpcConfiguration
	fmt.Fprintf(r.Out, "network of ECS service %s: subnets %s, security groups %s, public IP %s\n",
		service, strings.Join(v.Subnets, ","), strings.Join(v.SecurityGroups, ","), OrDefault(string(v.AssignPublicIp), "DISABLED"))
	return &types.AwsVpcConfiguration{
		Subnets:        v.Subnets,
		SecurityGroups: v.SecurityGroups,
		AssignPublicIp: v.AssignPublicIp,
	}, &s, nil
}

// Start starts one task of s: launch type FARGATE, started by
// r.StartedBy, tags propagated from the task definition, without ECS Exec.
// It returns the task's ARN.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
func (r *Runner) Start(ctx context.Context, s Spec) (string, error) {
	out, err := r.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster:              aws.String(s.Cluster),
		TaskDefinition:       aws.String(s.TaskDefinition),
		Count:                aws.Int32(1),
		LaunchType:           types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: s.Network},
		Overrides:            s.Overrides,
		StartedBy:            aws.String(r.StartedBy),
		EnableExecuteCommand: false,
		PropagateTags:        types.PropagateTagsTaskDefinition,
	})
	if err != nil {
		return "", fmt.Errorf("running task definition %s in cluster %s: %w", s.TaskDefinition, s.Cluster, err)
	}
	if len(out.Failures) > 0 {
		return "", fmt.Errorf("running task definition %s in cluster %s: RunTask failed: %s", s.TaskDefinition, s.Cluster, failures(out.Failures))
	}
	if len(out.Tasks) == 0 || aws.ToString(out.Tasks[0].TaskArn) == "" {
		return "", fmt.Errorf("running task definition %s in cluster %s: RunTask started no task", s.TaskDefinition, s.Cluster)
	}
	return aws.ToString(out.Tasks[0].TaskArn), nil
}

// Wait polls the task until it is STOPPED, printing each new status, and
// stops it when r.Timeout passes or ctx is cancelled first.
func (r *Runner) Wait(ctx context.Context, t Task) (*types.Task, error) {
	waitCtx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	var last string
	for {
		task, err := r.Describe(waitCtx, t)
		if err != nil {
			if waitCtx.Err() != nil {
				return nil, r.stopAfterWait(ctx, t)
			}
			return nil, fmt.Errorf("waiting for task %s (it may still be running; stop it with `aws ecs stop-task --cluster %s --task %s`): %w",
				t.ARN, t.Cluster, t.ARN, err)
		}
		if task != nil {
			if status := aws.ToString(task.LastStatus); status != last {
				fmt.Fprintf(r.Out, "task %s: %s\n", t.ARN, status)
				last = status
			}
			if last == StatusStopped {
				return task, nil
			}
		}
		timer := time.NewTimer(r.Interval)
		select {
		case <-waitCtx.Done():
			timer.Stop()
			return nil, r.stopAfterWait(ctx, t)
		case <-timer.C:
		}
	}
}

// Describe returns the task, or nil while DescribeTasks does not know it yet.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html
func (r *Runner) Describe(ctx context.Context, t Task) (*types.Task, error) {
	out, err := r.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{
		Cluster: aws.String(t.Cluster),
		Tasks:   []string{t.ARN},
	})
	if err != nil {
		return nil, fmt.Errorf("describing the task: %w", err)
	}
	for i := range out.Tasks {
		if aws.ToString(out.Tasks[i].TaskArn) == t.ARN {
			return &out.Tasks[i], nil
		}
	}
	for _, f := range out.Failures {
		if aws.ToString(f.Reason) != missing {
			return nil, fmt.Errorf("describing the task: %s", failures(out.Failures))
		}
	}
	return nil, nil
}

// Stop stops the task with reason (shown as its stoppedReason), with a
// context of its own: ctx may be the expired or interrupted one. Its error
// says how to stop the task by hand.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html
func (r *Runner) Stop(ctx context.Context, t Task, reason string) error {
	if err := r.stop(ctx, t, reason); err != nil {
		return fmt.Errorf("stopping task %s failed (stop it with `aws ecs stop-task --cluster %s --task %s`): %w", t.ARN, t.Cluster, t.ARN, err)
	}
	return nil
}

// stop calls StopTask and prints the stop.
func (r *Runner) stop(ctx context.Context, t Task, reason string) error {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	if _, err := r.ECS.StopTask(stopCtx, &ecs.StopTaskInput{
		Cluster: aws.String(t.Cluster),
		Task:    aws.String(t.ARN),
		Reason:  aws.String(reason),
	}); err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "stopped task %s: %s\n", t.ARN, reason)
	return nil
}

// stopAfterWait stops the task after the wait ended without it stopping:
// by the timeout, or because ctx was cancelled (an interrupt). It returns
// the error that ends the run.
func (r *Runner) stopAfterWait(ctx context.Context, t Task) error {
	reason, why := r.StartedBy+" timeout", fmt.Sprintf("task %s did not stop within %s", t.ARN, r.Timeout)
	if ctx.Err() != nil {
		reason, why = r.StartedBy+" interrupted", fmt.Sprintf("interrupted while waiting for task %s", t.ARN)
	}
	if err := r.stop(ctx, t, reason); err != nil {
		return fmt.Errorf("%s: %s, and stopping it failed (stop it with `aws ecs stop-task --cluster %s --task %s`): %w",
			t.Label, why, t.Cluster, t.ARN, err)
	}
	return fmt.Errorf("%s: %s; stopped it", t.Label, why)
}

// Report prints the stopped task's reason and containers, and returns an
// error unless every container exited 0. A container without an exit code
// never ran (an image pull failed, say) and fails the task.
func (r *Runner) Report(t Task, task *types.Task) error {
	fmt.Fprintf(r.Out, "task %s stopped: %s (%s)\n", t.ARN, OrDefault(aws.ToString(task.StoppedReason), "no reason given"), OrDefault(string(task.StopCode), "no stop code"))
	var failed []string
	for _, c := range task.Containers {
		code := "none"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		line := fmt.Sprintf("container %s: exit code %s", aws.ToString(c.Name), code)
		if reason := aws.ToString(c.Reason); reason != "" {
			line += ": " + reason
		}
		fmt.Fprintln(r.Out, "  "+line)
		if c.ExitCode == nil || *c.ExitCode != 0 {
			failed = append(failed, line)
		}
	}
	switch {
	case len(task.Containers) == 0:
		return fmt.Errorf("%s: task %s stopped without containers: %s", t.Label, t.ARN, aws.ToString(task.StoppedReason))
	case len(failed) > 0:
		return fmt.Errorf("%s failed: task %s stopped (%s): %s", t.Label, t.ARN, aws.ToString(task.StoppedReason), strings.Join(failed, "; "))
	}
	fmt.Fprintf(r.Out, "%s succeeded\n", t.Label)
	return nil
}

// failures renders ECS API failures as "reason (arn: detail)".
func failures(fs []types.Failure) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		s := OrDefault(aws.ToString(f.Reason), "unknown reason")
		var extra []string
		if a := aws.ToString(f.Arn); a != "" {
			extra = append(extra, a)
		}
		if d := aws.ToString(f.Detail); d != "" {
			extra = append(extra, d)
		}
		if len(extra) > 0 {
			s += " (" + strings.Join(extra, ": ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// OrDefault returns s, or def when s is empty.
func OrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
