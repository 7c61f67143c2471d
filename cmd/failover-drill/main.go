// Command failover-drill rehearses a Multi-AZ failover of an application
// stack's database and measures, from inside the VPC, how long the
// writer's address stops answering (docs/runbook.md, section 6.6):
//
//		pulumi stack output --json -s stage > stage-outputs.json
//		go run ./cmd/failover-drill -stack stage -outputs stage-outputs.json
//
//	 1. From the outputs it reads the region, the ECS cluster, the
//	    backend's ECS service and the writer's address; the writer is
//	    refarch-<stack>-db (stacks/datapart), and the address must be its.
//	 2. DescribeDBInstances: the writer must be available and Multi-AZ, since
//	    RebootDBInstance refuses ForceFailover otherwise; nothing is started
//	    or rebooted when it is not.
//	    Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RebootDBInstance.html
//	 3. It starts the probe, `backend probe`, as a Fargate task of the
//	    backend's own task definition (its image, its environment, its task
//	    role's IAM database login) in the backend service's subnets and
//	    security groups (cmd/internal/ecstask, as cmd/run-job runs the
//	    migration), overriding the container's command.
//	    Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html
//	 4. It reads the probe's JSON lines from CloudWatch Logs (the task
//	    definition's awslogs group, stream <prefix>/<container>/<task id>)
//	    until the writer answers, then calls RebootDBInstance with
//	    ForceFailover.
//	    Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
//	 5. It waits for the probe to stop (it stops once the address has failed
//	    and answered -steady times in a row, or at its deadline), and prints
//	    the outage the probe measured: from its first failed attempt to the
//	    first of the answers in a row. Then the instance's failover events
//	    (DescribeEvents, category failover) and its zone before and after.
//	    Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html
//
// It refuses prod unless -allow-prod is given (a maintenance window), and
// stops the probe task whenever it gives up (the probe never answered,
// the reboot was refused, the wait timed out, an interrupt).
//
// Progress goes to stdout; errors to stderr, prefixed "failover-drill: ".
// It exits 0 when the outage was measured, 1 when the drill failed or
// could not run (outputs, AWS, the probe), and 2 on a usage error.
//
// The role needs rds:DescribeDBInstances, rds:RebootDBInstance and
// rds:DescribeEvents; ecs:DescribeServices, ecs:DescribeTaskDefinition,
// ecs:RunTask, ecs:DescribeTasks and ecs:StopTask; iam:PassRole on the
// backend's task and execution roles; logs:GetLogEvents on the backend's
// log group.
// Sources: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/refarch/refarch/cmd/internal/cli"
)

// Flag defaults.
const (
	defaultService       = "backend"
	defaultReadyTimeout  = 5 * time.Minute
	defaultProbeDeadline = 10 * time.Minute
	defaultTimeout       = 15 * time.Minute
	defaultInterval      = 5 * time.Second
)

// sampleAppStacks are the application stacks of the committed sample
// (stack.NamesOf(stack.RoleApp), checked by the tests), which the usage
// lists; an environment an organization adds (docs/runbook.md, section
// 10) is one too.
var sampleAppStacks = []string{"dev", "stage", "prod"}

// stacksWithoutDatabase are the stacks of the other roles (management,
// security, shared-services): they have no database to fail over.
var stacksWithoutDatabase = []string{"management", "security", "shared-services"}

// stackName is a stack's name as the project writes them.
var stackName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// prodStack is the stack the drill refuses without -allow-prod.
const prodStack = "prod"

// Clients are the AWS API clients of the drill.
type Clients struct {
	ECS  ECS
	RDS  RDS
	Logs Logs
}

// NewClients returns the clients for region (the stack's).
type NewClients func(ctx context.Context, region string) (Clients, error)

// newAWSClients loads the credentials of the environment (an operator's
// role) and returns the clients in region.
// Source: https://docs.aws.amazon.com/sdk-for-go/v2/developer-guide/configure-gosdk.html
func newAWSClients(ctx context.Context, region string) (Clients, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return Clients{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return Clients{ECS: ecs.NewFromConfig(cfg), RDS: rds.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}, nil
}

// options are the parsed flags.
type options struct {
	stack, outputs, service                        string
	allowProd                                      bool
	readyTimeout, probeDeadline, timeout, interval time.Duration
}

// parse parses args; the error is a *cli.UsageError, or flag.ErrHelp.
func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("failover-drill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.stack, "stack", "", "the application `stack` whose database fails over: "+strings.Join(sampleAppStacks, ", ")+" or another application environment (required)")
	fs.StringVar(&o.outputs, "outputs", "", "the `file` holding what pulumi stack output --json prints for that stack (required)")
	fs.StringVar(&o.service, "service", defaultService, "the `service` (a key of the ecsServiceNames output) whose task definition and network run the probe")
	fs.BoolVar(&o.allowProd, "allow-prod", false, "allow the drill on prod (only in a maintenance window)")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", defaultReadyTimeout, "how long the probe may take to start and reach the writer before the drill gives up, without rebooting")
	fs.DurationVar(&o.probeDeadline, "probe-deadline", defaultProbeDeadline, "how long the probe runs at most after it starts")
	fs.DurationVar(&o.timeout, "timeout", defaultTimeout, "how long to wait, after the reboot, for the probe task to stop before stopping it")
	fs.DurationVar(&o.interval, "interval", defaultInterval, "the time between two polls of the task and its logs")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: failover-drill -stack <"+strings.Join(sampleAppStacks, "|")+"> -outputs outputs.json [-allow-prod] [-service backend] [-ready-timeout 5m] [-probe-deadline 10m] [-timeout 15m] [-interval 5s]")
		fs.PrintDefaults()
	}
	if err := cli.Parse(fs, args); err != nil {
		return o, err
	}
	var problems []string
	switch {
	case o.stack == "":
		problems = append(problems, "-stack is required")
	case !stackName.MatchString(o.stack):
		problems = append(problems, fmt.Sprintf("-stack %q is not a stack name", o.stack))
	case slices.Contains(stacksWithoutDatabase, o.stack):
		problems = append(problems, fmt.Sprintf("-stack %s has no database: the drill runs on an application stack (%s)", o.stack, strings.Join(sampleAppStacks, ", ")))
	case o.stack == prodStack && !o.allowProd:
		problems = append(problems, "refusing prod without -allow-prod: a failover interrupts prod's writes; run it in a maintenance window")
	}
	if o.outputs == "" {
		problems = append(problems, "-outputs is required")
	}
	if o.service == "" {
		problems = append(problems, "-service is empty")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"-ready-timeout", o.readyTimeout}, {"-probe-deadline", o.probeDeadline}, {"-timeout", o.timeout}, {"-interval", o.interval}} {
		if d.v <= 0 {
			problems = append(problems, fmt.Sprintf("%s %s is not positive", d.name, d.v))
		}
	}
	if o.probeDeadline > 0 && o.readyTimeout >= o.probeDeadline {
		problems = append(problems, fmt.Sprintf("-ready-timeout %s must be shorter than -probe-deadline %s: the probe must outlive the failover", o.readyTimeout, o.probeDeadline))
	}
	return o, cli.Problems(problems)
}

// run parses args, runs the drill and returns the exit status.
// newClients builds the AWS clients (fakes in tests).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, newClients NewClients) int {
	var o options
	return cli.Run("failover-drill", stderr,
		func() (err error) { o, err = parse(args, stderr); return err },
		func() error { return drill(ctx, o, stdout, newClients) })
}

// drill resolves the target from the outputs and runs the drill.
func drill(ctx context.Context, o options, stdout io.Writer, newClients NewClients) error {
	data, err := os.ReadFile(o.outputs)
	if err != nil {
		return fmt.Errorf("reading the stack outputs: %w", err)
	}
	target, err := resolve(o.outputs, data, o.stack, o.service)
	if err != nil {
		return fmt.Errorf("reading the stack outputs: %w", err)
	}
	clients, err := newClients(ctx, target.Region)
	if err != nil {
		return fmt.Errorf("creating the AWS clients: %w", err)
	}
	d := &Drill{
		Clients:       clients,
		Out:           stdout,
		Interval:      o.interval,
		ReadyTimeout:  o.readyTimeout,
		ProbeDeadline: o.probeDeadline,
		Timeout:       o.timeout,
	}
	return d.Run(ctx, target)
}

func main() {
	cli.Main(func(ctx context.Context) int { return run(ctx, os.Args[1:], os.Stdout, os.Stderr, newAWSClients) })
}
