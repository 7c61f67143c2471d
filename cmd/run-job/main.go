// Command run-job runs a service's one-off job (today the backend's
// database migration) as an ECS Fargate task and waits for it to stop.
// CircleCI runs it in an application stack's update job, with the deploy
// role's credentials in the environment, before the new version of the
// service rolls out, so a failed migration stops the deployment:
//
//	pulumi stack output --json -s dev > outputs.json
//	go run ./cmd/run-job -outputs outputs.json -job backend/migrate [-service <ECS service>] [-timeout 15m]
//
// It is docs/runbook.md's manual procedure (describe-services, run-task,
// wait tasks-stopped, describe-tasks) as one command that fails loudly:
//
//  1. From the outputs it reads the cluster (ecsClusterName) and the job's
//     task definition ARN (jobTaskDefinitions["<service>/<job>"]); the
//     task definition's region is the client's. The ECS service is
//     -service or, without it, ecsServiceNames["<service>"].
//  2. DescribeServices gives the ECS service's awsvpc configuration
//     (subnets, security groups, public IP): the job runs where the service
//     runs, so it reaches what the service reaches (the database).
//  3. RunTask starts one task, launch type FARGATE, started by
//     "refarch-run-job", tags propagated from the task definition, without
//     ECS Exec.
//     Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
//  4. DescribeTasks is polled every -interval (6 s, as the AWS CLI's
//     tasks-stopped waiter) until the task is STOPPED. The job succeeds
//     only when every container exited 0; otherwise run-job prints the
//     task, its stoppedReason and each container's exit code and reason.
//     Source: https://docs.aws.amazon.com/cli/latest/reference/ecs/wait/tasks-stopped.html
//     Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTasks.html
//  5. When -timeout passes first, or run-job is interrupted (SIGINT,
//     SIGTERM), it stops the task (StopTask, reason "refarch-run-job
//     timeout" or "refarch-run-job interrupted") and fails: a job left
//     running could race the next pipeline's.
//     Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html
//
// Progress goes to stdout; errors to stderr, prefixed "run-job: ". It
// exits 0 when the job succeeded, 1 when it failed or could not be run
// (outputs, AWS), and 2 on a usage error: bad or missing flags, or no
// -service when the outputs have no ecsServiceNames.
//
// The role needs ecs:DescribeServices, ecs:RunTask, ecs:DescribeTasks,
// ecs:StopTask and iam:PassRole on the task definition's task and
// execution roles.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/refarch/refarch/cmd/internal/cli"
)

// Flag defaults.
const (
	defaultTimeout  = 15 * time.Minute
	defaultInterval = 6 * time.Second
)

// NewClient returns the ECS client for region (the task definition's).
type NewClient func(ctx context.Context, region string) (ECS, error)

// newECSClient loads the credentials of the environment (the deploy role
// in CI) and returns an ECS client in region.
// Source: https://docs.aws.amazon.com/sdk-for-go/v2/developer-guide/configure-gosdk.html
func newECSClient(ctx context.Context, region string) (ECS, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return ecs.NewFromConfig(cfg), nil
}

// usageError is a command-line mistake: exit 2.
type usageError = cli.UsageError

// options are the parsed flags.
type options struct {
	outputs, job, service string
	timeout, interval     time.Duration
}

// parse parses args; the error is a *usageError, or flag.ErrHelp.
func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("run-job", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.outputs, "outputs", "", "the `file` holding what pulumi stack output --json prints for the application stack (required)")
	fs.StringVar(&o.job, "job", "", "the job to run, <service>/<job>, a key of the jobTaskDefinitions output (required)")
	fs.StringVar(&o.service, "service", "", "the ECS service whose network the task uses (default: the ecsServiceNames output's entry for <service>)")
	fs.DurationVar(&o.timeout, "timeout", defaultTimeout, "how long to wait for the task to stop before stopping it")
	fs.DurationVar(&o.interval, "interval", defaultInterval, "the time between two DescribeTasks calls")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: run-job -outputs outputs.json -job <service>/<job> [-service <ECS service>] [-timeout 15m] [-interval 6s]")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return o, err
	}
	var problems []string
	if o.outputs == "" {
		problems = append(problems, "-outputs is required")
	}
	if svc, name, ok := strings.Cut(o.job, "/"); o.job == "" {
		problems = append(problems, "-job is required")
	} else if !ok || svc == "" || name == "" || strings.Contains(name, "/") {
		problems = append(problems, fmt.Sprintf("-job %q is not <service>/<job>", o.job))
	}
	if o.timeout <= 0 {
		problems = append(problems, fmt.Sprintf("-timeout %s is not positive", o.timeout))
	}
	if o.interval <= 0 {
		problems = append(problems, fmt.Sprintf("-interval %s is not positive", o.interval))
	}
	return o, cli.Problems(problems)
}

// run parses args, runs the job they name and returns the exit status.
// newClient builds the ECS client (a fake in tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, newClient NewClient) int {
	var o options
	return cli.Run("run-job", stderr,
		func() (err error) { o, err = parse(args, stderr); return err },
		func() error { return runJob(ctx, o, stdout, newClient) })
}

// runJob resolves the job from the outputs and runs it.
func runJob(ctx context.Context, o options, stdout io.Writer, newClient NewClient) error {
	data, err := os.ReadFile(o.outputs)
	if err != nil {
		return fmt.Errorf("reading the stack outputs: %w", err)
	}
	outputs, err := ParseOutputs(o.outputs, data)
	if err != nil {
		return fmt.Errorf("reading the stack outputs: %w", err)
	}
	job, err := outputs.Resolve(o.job, o.service)
	if errors.Is(err, errNoService) {
		return &usageError{Msg: fmt.Sprintf("job %s: %v", o.job, err)}
	}
	if err != nil {
		return fmt.Errorf("finding job %s in %s: %w", o.job, o.outputs, err)
	}
	client, err := newClient(ctx, job.Region)
	if err != nil {
		return fmt.Errorf("job %s: creating the ECS client: %w", job.Name, err)
	}
	r := &Runner{ECS: client, Out: stdout, Interval: o.interval, Timeout: o.timeout}
	return r.Run(ctx, job)
}

func main() {
	cli.Main(func(ctx context.Context) int { return run(ctx, os.Args[1:], os.Stdout, os.Stderr, newECSClient) })
}
