package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/refarch/refarch/cmd/internal/ecstask"
)

// ECS is the part of the ECS API the drill calls; *ecs.Client implements it.
type ECS interface {
	ecstask.ECS
	// DescribeTaskDefinition finds the container and its awslogs settings.
	DescribeTaskDefinition(ctx context.Context, in *ecs.DescribeTaskDefinitionInput, opts ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// RDS is the part of the RDS API the drill calls; *rds.Client implements it.
type RDS interface {
	// DescribeDBInstances checks the writer is available and Multi-AZ.
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	// RebootDBInstance reboots it with failover.
	RebootDBInstance(ctx context.Context, in *rds.RebootDBInstanceInput, opts ...func(*rds.Options)) (*rds.RebootDBInstanceOutput, error)
	// DescribeEvents reads its failover events.
	DescribeEvents(ctx context.Context, in *rds.DescribeEventsInput, opts ...func(*rds.Options)) (*rds.DescribeEventsOutput, error)
}

// Logs is the part of the CloudWatch Logs API the drill calls;
// *cloudwatchlogs.Client implements it.
type Logs interface {
	// GetLogEvents reads the probe's lines.
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
}

var (
	_ ECS  = (*ecs.Client)(nil)
	_ RDS  = (*rds.Client)(nil)
	_ Logs = (*cloudwatchlogs.Client)(nil)
)

const (
	// startedBy tags the probe's task; the reasons given to StopTask start
	// with it.
	startedBy = "refarch-failover-drill"
	// statusAvailable is the status of an instance that can be rebooted.
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/accessing-monitoring.html#Overview.DBInstance.Status
	statusAvailable = "available"
	// eventCategoryFailover is the category of the Multi-AZ failover
	// events of a DB instance ("Multi-AZ instance failover started",
	// "… completed").
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html#USER_Events.Messages.instance
	eventCategoryFailover = "failover"
	// eventsLead is how long before the reboot call the events are read
	// from (the clocks of this machine and of RDS differ).
	eventsLead = time.Minute
	// resultTries is how many times the logs are read for the probe's
	// last line after its task stopped: awslogs delivers them shortly
	// after the container wrote them.
	resultTries = 6
)

// The documented typical failover time of a Multi-AZ DB instance, to
// which the measured outage is compared.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html
// ("Failover times are typically 60–120 seconds.")
const (
	typicalFailoverMin = 60 * time.Second
	typicalFailoverMax = 120 * time.Second
)

// Drill fails a stack's writer over while a probe measures its outage.
type Drill struct {
	Clients
	// Out receives the progress lines and the result.
	Out io.Writer
	// Interval is the time between two polls of the task and its logs.
	Interval time.Duration
	// ReadyTimeout bounds the wait for the probe's first answer.
	ReadyTimeout time.Duration
	// ProbeDeadline is the probe's own deadline (backend probe -deadline).
	ProbeDeadline time.Duration
	// Timeout bounds the wait for the probe's task to stop after the reboot.
	Timeout time.Duration
}

// Run runs the drill on t: it checks the writer, starts the probe, reboots
// the writer with failover once the probe answers, and reports the outage.
func (d *Drill) Run(ctx context.Context, t Target) error {
	before, err := d.instance(ctx, t)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.Out, "writer %s (%s): %s, Multi-AZ, zone %s, standby in %s\n", t.DBInstance, t.Address, statusAvailable,
		aws.ToString(before.AvailabilityZone), aws.ToString(before.SecondaryAvailabilityZone))

	tasks := &ecstask.Runner{ECS: d.ECS, Out: d.Out, StartedBy: startedBy, Interval: d.Interval, Timeout: d.Timeout}
	network, svc, err := tasks.Network(ctx, t.Cluster, t.ECSService)
	if err != nil {
		return err
	}
	taskDef := aws.ToString(svc.TaskDefinition)
	src, err := d.logSource(ctx, taskDef, t.Service)
	if err != nil {
		return err
	}
	arn, err := tasks.Start(ctx, ecstask.Spec{
		Cluster:        t.Cluster,
		TaskDefinition: taskDef,
		Network:        network,
		Overrides: &ecstypes.TaskOverride{ContainerOverrides: []ecstypes.ContainerOverride{{
			Name:    aws.String(src.container),
			Command: probeCommand(d.ProbeDeadline),
		}}},
	})
	if err != nil {
		return err
	}
	task := ecstask.Task{ARN: arn, Cluster: t.Cluster, Label: "probe"}
	log := &probeLog{logs: d.Logs, out: d.Out, group: src.group, stream: src.stream(arn)}
	fmt.Fprintf(d.Out, "started the probe: task %s (task definition %s, cluster %s), logs %s %s\n", arn, taskDef, t.Cluster, log.group, log.stream)

	if err := d.waitReady(ctx, tasks, task, log); err != nil {
		return err
	}

	rebootAt := time.Now().UTC()
	// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RebootDBInstance.html
	if _, err := d.RDS.RebootDBInstance(ctx, &rds.RebootDBInstanceInput{
		DBInstanceIdentifier: aws.String(t.DBInstance),
		ForceFailover:        aws.Bool(true),
	}); err != nil {
		return d.giveUp(ctx, tasks, task, startedBy+": reboot refused",
			fmt.Errorf("rebooting %s with failover: %w", t.DBInstance, err))
	}
	fmt.Fprintf(d.Out, "rebooting %s with failover at %s\n", t.DBInstance, rebootAt.Format(time.RFC3339))

	stopped, err := tasks.Wait(ctx, task)
	if err != nil {
		return fmt.Errorf("%w (%s was rebooted with failover at %s: `aws rds describe-events --source-type db-instance --source-identifier %s --duration 60`)",
			err, t.DBInstance, rebootAt.Format(time.RFC3339), t.DBInstance)
	}
	probeErr := tasks.Report(task, stopped)
	result, resultErr := log.result(ctx, d.Interval)
	d.printEvents(ctx, t, rebootAt)
	if after, err := d.describe(ctx, t); err == nil {
		fmt.Fprintf(d.Out, "writer zone: %s before, %s now (RDS may take a while to show the new zone)\n",
			aws.ToString(before.AvailabilityZone), aws.ToString(after.AvailabilityZone))
	} else {
		fmt.Fprintf(d.Out, "writer zone: %s before; reading it now failed: %v\n", aws.ToString(before.AvailabilityZone), err)
	}
	if resultErr != nil {
		return errors.Join(probeErr, resultErr)
	}
	if probeErr != nil || !result.recovered() {
		return fmt.Errorf("the probe did not see %s answer steadily again: %s", t.Address, orDefault(result.Reason, "no reason logged"))
	}
	outage := time.Duration(*result.OutageMS) * time.Millisecond
	fmt.Fprintf(d.Out, "outage of %s: %s (first failed attempt %s, answering steadily from %s)\n", t.Address, outage,
		result.FirstFailure.Format(timeFormat), result.RecoveredAt.Format(timeFormat))
	fmt.Fprintf(d.Out, "%s the %s-%s AWS documents as typical for a Multi-AZ failover\n", compare(outage), typicalFailoverMin, typicalFailoverMax)
	return nil
}

// timeFormat prints the probe's times to the millisecond.
const timeFormat = "15:04:05.000Z07:00"

// compare places the outage against the documented typical range.
func compare(outage time.Duration) string {
	switch {
	case outage < typicalFailoverMin:
		return "shorter than"
	case outage > typicalFailoverMax:
		return "longer than"
	}
	return "within"
}

// probeCommand is the container's command: the image's entrypoint runs
// `backend probe` with the drill's deadline.
func probeCommand(deadline time.Duration) []string {
	return []string{"probe", "-deadline", deadline.String()}
}

// describe returns the writer.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
func (d *Drill) describe(ctx context.Context, t Target) (*rdstypes.DBInstance, error) {
	out, err := d.RDS.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(t.DBInstance)})
	if err != nil {
		return nil, fmt.Errorf("describing DB instance %s: %w", t.DBInstance, err)
	}
	for i := range out.DBInstances {
		if aws.ToString(out.DBInstances[i].DBInstanceIdentifier) == t.DBInstance {
			return &out.DBInstances[i], nil
		}
	}
	return nil, fmt.Errorf("describing DB instance %s: no such instance", t.DBInstance)
}

// instance returns the writer, refusing one that is not available or not
// Multi-AZ: "You can't enable force failover if the instance isn't
// configured for Multi-AZ" (rule rds-force-failover-needs-multi-az of
// insights/policies), and a reboot needs an available instance.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RebootDBInstance.html
func (d *Drill) instance(ctx context.Context, t Target) (*rdstypes.DBInstance, error) {
	db, err := d.describe(ctx, t)
	if err != nil {
		return nil, err
	}
	if !aws.ToBool(db.MultiAZ) {
		return nil, fmt.Errorf("DB instance %s is not Multi-AZ: RebootDBInstance refuses ForceFailover on it (set refarch:dbMultiAz true for stack %s); nothing was started", t.DBInstance, t.Stack)
	}
	if s := aws.ToString(db.DBInstanceStatus); s != statusAvailable {
		return nil, fmt.Errorf("DB instance %s is %s, not %s: try again when it is; nothing was started", t.DBInstance, s, statusAvailable)
	}
	return db, nil
}

// logSource is where the probe's container logs.
type logSource struct {
	container, group, prefix string
}

// stream is the awslogs stream of the container in task arn:
// "<prefix>/<container>/<task id>".
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
func (s logSource) stream(arn string) string {
	return s.prefix + "/" + s.container + "/" + arn[strings.LastIndex(arn, "/")+1:]
}

// logSource finds the service's container in the task definition and its
// awslogs group and stream prefix.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
func (d *Drill) logSource(ctx context.Context, taskDef, service string) (logSource, error) {
	what := fmt.Sprintf("describing task definition %s", taskDef)
	out, err := d.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(taskDef)})
	if err != nil {
		return logSource{}, fmt.Errorf("%s: %w", what, err)
	}
	if out.TaskDefinition == nil {
		return logSource{}, fmt.Errorf("%s: no task definition", what)
	}
	var names []string
	for _, c := range out.TaskDefinition.ContainerDefinitions {
		name := aws.ToString(c.Name)
		names = append(names, name)
		if name != service {
			continue
		}
		lc := c.LogConfiguration
		if lc == nil || lc.LogDriver != ecstypes.LogDriverAwslogs || lc.Options["awslogs-group"] == "" || lc.Options["awslogs-stream-prefix"] == "" {
			return logSource{}, fmt.Errorf("%s: container %s does not log with awslogs and a stream prefix, so the probe's lines cannot be read", what, name)
		}
		return logSource{container: name, group: lc.Options["awslogs-group"], prefix: lc.Options["awslogs-stream-prefix"]}, nil
	}
	return logSource{}, fmt.Errorf("%s: no container %s; its containers: %s", what, service, strings.Join(names, ", "))
}

// waitReady polls the task and its logs until the probe has answered. It
// stops the task when the probe stops first, when ReadyTimeout passes or
// when ctx is cancelled; the database is not rebooted then.
func (d *Drill) waitReady(ctx context.Context, tasks *ecstask.Runner, t ecstask.Task, log *probeLog) error {
	readyCtx, cancel := context.WithTimeout(ctx, d.ReadyTimeout)
	defer cancel()
	var last string
	for {
		task, err := tasks.Describe(readyCtx, t)
		if err == nil {
			err = log.read(readyCtx)
		}
		if err != nil && readyCtx.Err() == nil {
			return d.giveUp(ctx, tasks, t, startedBy+" failed", fmt.Errorf("waiting for the probe: %w; the database was not rebooted", err))
		}
		if task != nil {
			if status := aws.ToString(task.LastStatus); status != last {
				fmt.Fprintf(d.Out, "task %s: %s\n", t.ARN, status)
				last = status
			}
			if last == ecstask.StatusStopped {
				_ = tasks.Report(t, task)
				return fmt.Errorf("the probe stopped before the writer answered (last error: %s); the database was not rebooted",
					orDefault(log.lastError(), "none logged"))
			}
		}
		if log.answered() {
			fmt.Fprintln(d.Out, "the probe reaches the writer")
			return nil
		}
		timer := time.NewTimer(d.Interval)
		select {
		case <-readyCtx.Done():
			timer.Stop()
			if ctx.Err() != nil {
				return d.giveUp(ctx, tasks, t, startedBy+" interrupted", errors.New("interrupted while waiting for the probe; the database was not rebooted"))
			}
			return d.giveUp(ctx, tasks, t, startedBy+": the probe never answered",
				fmt.Errorf("the probe did not reach the writer within %s (last error: %s); the database was not rebooted",
					d.ReadyTimeout, orDefault(log.lastError(), "none logged")))
		case <-timer.C:
		}
	}
}

// giveUp stops the probe's task with reason and returns why, with the
// stop's own failure when there is one.
func (d *Drill) giveUp(ctx context.Context, tasks *ecstask.Runner, t ecstask.Task, reason string, why error) error {
	if err := tasks.Stop(ctx, t, reason); err != nil {
		return fmt.Errorf("%w; %w", why, err)
	}
	return fmt.Errorf("%w; stopped the probe", why)
}

// printEvents prints the writer's failover events since shortly before
// the reboot. A failure to read them is printed, not returned: the outage
// is measured anyway.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html
func (d *Drill) printEvents(ctx context.Context, t Target, rebootAt time.Time) {
	out, err := d.RDS.DescribeEvents(ctx, &rds.DescribeEventsInput{
		SourceIdentifier: aws.String(t.DBInstance),
		SourceType:       rdstypes.SourceTypeDbInstance,
		StartTime:        aws.Time(rebootAt.Add(-eventsLead)),
		EventCategories:  []string{eventCategoryFailover},
	})
	if err != nil {
		fmt.Fprintf(d.Out, "reading the failover events of %s failed: %v\n", t.DBInstance, err)
		return
	}
	if len(out.Events) == 0 {
		fmt.Fprintf(d.Out, "no failover event of %s yet\n", t.DBInstance)
		return
	}
	for _, e := range out.Events {
		fmt.Fprintf(d.Out, "event %s: %s\n", aws.ToTime(e.Date).UTC().Format(time.RFC3339), aws.ToString(e.Message))
	}
	if n := len(out.Events); n > 1 {
		first, last := aws.ToTime(out.Events[0].Date), aws.ToTime(out.Events[n-1].Date)
		fmt.Fprintf(d.Out, "failover events span %s\n", last.Sub(first))
	}
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string { return ecstask.OrDefault(s, def) }
