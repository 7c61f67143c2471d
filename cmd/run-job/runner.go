package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/refarch/refarch/cmd/internal/ecstask"
)

// ECS is the part of the ECS API run-job calls; *ecs.Client implements it.
type ECS = ecstask.ECS

// startedBy tags the task as run-job's, so it can be told from the
// service's own tasks (`aws ecs list-tasks --started-by`); the reasons
// given to StopTask are "refarch-run-job timeout" and "refarch-run-job
// interrupted".
const startedBy = "refarch-run-job"

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
	tasks := &ecstask.Runner{ECS: r.ECS, Out: r.Out, StartedBy: startedBy, Interval: r.Interval, Timeout: r.Timeout}
	network, _, err := tasks.Network(ctx, j.Cluster, j.Service)
	if err != nil {
		return err
	}
	arn, err := tasks.Start(ctx, ecstask.Spec{Cluster: j.Cluster, TaskDefinition: j.TaskDefinition, Network: network})
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "started task %s (job %s, task definition %s, cluster %s)\n", arn, j.Name, j.TaskDefinition, j.Cluster)
	t := ecstask.Task{ARN: arn, Cluster: j.Cluster, Label: "job " + j.Name}
	task, err := tasks.Wait(ctx, t)
	if err != nil {
		return err
	}
	return tasks.Report(t, task)
}
