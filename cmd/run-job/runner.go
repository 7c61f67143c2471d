package main

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

// ECS is the part of the ECS API run-job calls; *ecs.Client implements it.
type ECS interface {
	// DescribeServices reads the ECS service's network configuration.
	DescribeServices(ctx context.Context, in *ecs.DescribeServicesInput, opts ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
	// RunTask starts the job's task.
	RunTask(ctx context.Context, in *ecs.RunTaskInput, opts ...func(*ecs.Options)) (*ecs.RunTaskOutput, error)
	// DescribeTasks polls the task until it stops.
	DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, opts ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error)
	// StopTask stops the task when the wait times out or is interrupted.
	StopTask(ctx context.Context, in *ecs.StopTaskInput, opts ...func(*ecs.Options)) (*ecs.StopTaskOutput, error)
}

var _ ECS = (*ecs.Client)(nil)

const (
	// startedBy tags the task as run-job's, so it can be told from the
	// service's own tasks (`aws ecs list-tasks --started-by`).
	startedBy = "refarch-run-job"
	// The reasons given to StopTask, shown as the task's stoppedReason.
	reasonTimeout     = "refarch-run-job timeout"
	reasonInterrupted = "refarch-run-job interrupted"
	// stopTimeout bounds the StopTask call made after the wait ended.
	stopTimeout = 30 * time.Second
	// statusStopped is the lastStatus of a task that has stopped.
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-lifecycle-explanation.html
	statusStopped = "STOPPED"
	// missing is the failure reason DescribeTasks gives for a task it does
	// not know (yet: a task RunTask has just started may not be visible).
	missing = "MISSING"
)

// Runner runs a Job as a Fargate task and waits for it to stop.
type Runner struct {
	// ECS is the client.
	ECS ECS
	// Out receives the progress lines.
	Out io.Writer
	// Interval is the time between two DescribeTasks calls; the AWS CLI's
	// tasks-stopped waiter uses 6 s.
	// Source: https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/tasks-stopped.html
	Interval time.Duration
	// Timeout is how long to wait for the task to stop before stopping it.
	Timeout time.Duration
}

// Run starts j's task in the network of j's ECS service and waits for it
// to stop. It returns nil only when every container exited 0. When the
// wait times out or ctx is cancelled, it stops the task.
func (r *Runner) Run(ctx context.Context, j Job) error {
	network, err := r.network(ctx, j)
	if err != nil {
		return err
	}
	out, err := r.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster:              aws.String(j.Cluster),
		TaskDefinition:       aws.String(j.TaskDefinition),
		Count:                aws.Int32(1),
		LaunchType:           types.LaunchTypeFargate,
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: network},
		StartedBy:            aws.String(startedBy),
		EnableExecuteCommand: false,
		PropagateTags:        types.PropagateTagsTaskDefinition,
	})
	if err != nil {
		return fmt.Errorf("running task definition %s in cluster %s: %w", j.TaskDefinition, j.Cluster, err)
	}
	if len(out.Failures) > 0 {
		return fmt.Errorf("running task definition %s in cluster %s: RunTask failed: %s", j.TaskDefinition, j.Cluster, failures(out.Failures))
	}
	if len(out.Tasks) == 0 || aws.ToString(out.Tasks[0].TaskArn) == "" {
		return fmt.Errorf("running task definition %s in cluster %s: RunTask started no task", j.TaskDefinition, j.Cluster)
	}
	taskARN := aws.ToString(out.Tasks[0].TaskArn)
	fmt.Fprintf(r.Out, "started task %s (job %s, task definition %s, cluster %s)\n", taskARN, j.Name, j.TaskDefinition, j.Cluster)

	task, err := r.wait(ctx, j, taskARN)
	if err != nil {
		return err
	}
	return r.report(j, task)
}

// network returns the awsvpc configuration of j's ECS service.
func (r *Runner) network(ctx context.Context, j Job) (*types.AwsVpcConfiguration, error) {
	what := fmt.Sprintf("describing ECS service %s in cluster %s", j.Service, j.Cluster)
	out, err := r.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster:  aws.String(j.Cluster),
		Services: []string{j.Service},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(out.Failures) > 0 {
		return nil, fmt.Errorf("%s: %s", what, failures(out.Failures))
	}
	if len(out.Services) == 0 {
		return nil, fmt.Errorf("%s: no such service", what)
	}
	s := out.Services[0]
	if s.NetworkConfiguration == nil || s.NetworkConfiguration.AwsvpcConfiguration == nil ||
		len(s.NetworkConfiguration.AwsvpcConfiguration.Subnets) == 0 {
		return nil, fmt.Errorf("%s: the service has no awsvpc network configuration to copy", what)
	}
	v := s.NetworkConfiguration.AwsvpcConfiguration
	fmt.Fprintf(r.Out, "network of ECS service %s: subnets %s, security groups %s, public IP %s\n",
		j.Service, strings.Join(v.Subnets, ","), strings.Join(v.SecurityGroups, ","), orDefault(string(v.AssignPublicIp), "DISABLED"))
	return &types.AwsVpcConfiguration{
		Subnets:        v.Subnets,
		SecurityGroups: v.SecurityGroups,
		AssignPublicIp: v.AssignPublicIp,
	}, nil
}

// wait polls the task until it is STOPPED, and stops it when the timeout
// passes or ctx is cancelled first.
func (r *Runner) wait(ctx context.Context, j Job, taskARN string) (*types.Task, error) {
	waitCtx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	var last string
	for {
		task, err := r.describe(waitCtx, j, taskARN)
		if err != nil {
			if waitCtx.Err() != nil {
				return nil, r.stop(ctx, j, taskARN)
			}
			return nil, fmt.Errorf("waiting for task %s (it may still be running; stop it with `aws ecs stop-task --cluster %s --task %s`): %w",
				taskARN, j.Cluster, taskARN, err)
		}
		if task != nil {
			if status := aws.ToString(task.LastStatus); status != last {
				fmt.Fprintf(r.Out, "task %s: %s\n", taskARN, status)
				last = status
			}
			if last == statusStopped {
				return task, nil
			}
		}
		t := time.NewTimer(r.Interval)
		select {
		case <-waitCtx.Done():
			t.Stop()
			return nil, r.stop(ctx, j, taskARN)
		case <-t.C:
		}
	}
}

// describe returns the task, or nil while DescribeTasks does not know it yet.
func (r *Runner) describe(ctx context.Context, j Job, taskARN string) (*types.Task, error) {
	out, err := r.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{
		Cluster: aws.String(j.Cluster),
		Tasks:   []string{taskARN},
	})
	if err != nil {
		return nil, fmt.Errorf("describing the task: %w", err)
	}
	for i := range out.Tasks {
		if aws.ToString(out.Tasks[i].TaskArn) == taskARN {
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

// stop stops the task after the wait ended without it stopping: by the
// timeout, or because ctx was cancelled (an interrupt). It returns the
// error that ends the run.
func (r *Runner) stop(ctx context.Context, j Job, taskARN string) error {
	reason, why := reasonTimeout, fmt.Sprintf("task %s did not stop within %s", taskARN, r.Timeout)
	if ctx.Err() != nil {
		reason, why = reasonInterrupted, fmt.Sprintf("interrupted while waiting for task %s", taskARN)
	}
	// The wait's context is done; StopTask gets its own.
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
	defer cancel()
	if _, err := r.ECS.StopTask(stopCtx, &ecs.StopTaskInput{
		Cluster: aws.String(j.Cluster),
		Task:    aws.String(taskARN),
		Reason:  aws.String(reason),
	}); err != nil {
		return fmt.Errorf("job %s: %s, and stopping it failed (stop it with `aws ecs stop-task --cluster %s --task %s`): %w",
			j.Name, why, j.Cluster, taskARN, err)
	}
	fmt.Fprintf(r.Out, "stopped task %s: %s\n", taskARN, reason)
	return fmt.Errorf("job %s: %s; stopped it", j.Name, why)
}

// report prints the stopped task's reason and containers, and returns an
// error unless every container exited 0. A container without an exit code
// never ran (an image pull failed, say) and fails the job.
func (r *Runner) report(j Job, task *types.Task) error {
	taskARN := aws.ToString(task.TaskArn)
	fmt.Fprintf(r.Out, "task %s stopped: %s (%s)\n", taskARN, orDefault(aws.ToString(task.StoppedReason), "no reason given"), orDefault(string(task.StopCode), "no stop code"))
	var failed []string
	for _, c := range task.Containers {
		name := aws.ToString(c.Name)
		code := "none"
		if c.ExitCode != nil {
			code = fmt.Sprint(*c.ExitCode)
		}
		line := fmt.Sprintf("container %s: exit code %s", name, code)
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
		return fmt.Errorf("job %s: task %s stopped without containers: %s", j.Name, taskARN, aws.ToString(task.StoppedReason))
	case len(failed) > 0:
		return fmt.Errorf("job %s failed: task %s stopped (%s): %s", j.Name, taskARN, aws.ToString(task.StoppedReason), strings.Join(failed, "; "))
	}
	fmt.Fprintf(r.Out, "job %s succeeded\n", j.Name)
	return nil
}

// failures renders ECS API failures as "reason (arn: detail)".
func failures(fs []types.Failure) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		s := orDefault(aws.ToString(f.Reason), "unknown reason")
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

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
