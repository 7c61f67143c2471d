package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drillArgs are the arguments of a drill on stage with fast polling.
func drillArgs(t *testing.T, extra ...string) []string {
	t.Helper()
	return append([]string{"-stack", "stage", "-outputs", writeOutputs(t, stageOutputs), "-interval", "1ms"}, extra...)
}

// drillRun is what one run of the command left.
type drillRun struct {
	code      int
	out, errs string
	// regions are the regions AWS clients were made for.
	regions []string
}

// runDrill runs the command with args against f.
func runDrill(t *testing.T, f *fakeAWS, args []string) drillRun {
	t.Helper()
	var regions []string
	var out, errs bytes.Buffer
	code := run(t.Context(), args, &out, &errs, f.clients(&regions))
	return drillRun{code: code, out: out.String(), errs: errs.String(), regions: regions}
}

// count is how many times op was called.
func count(calls []string, op string) int {
	n := 0
	for _, c := range calls {
		if c == op {
			n++
		}
	}
	return n
}

func TestDrillFailsTheWriterOverAndReportsTheProbesOutage(t *testing.T) {
	f := newFake(t)
	r := runDrill(t, f, drillArgs(t))
	require.Equal(t, 0, r.code, "stderr: %s\nstdout: %s", r.errs, r.out)
	assert.Empty(t, r.errs)
	assert.Equal(t, []string{"eu-west-1"}, r.regions, "the stack's region")

	calls := f.called()
	// Checked, then the probe, then the reboot, then the report.
	require.GreaterOrEqual(t, len(calls), 8, "%q", calls)
	assert.Equal(t, []string{"DescribeDBInstances", "DescribeServices", "DescribeTaskDefinition", "RunTask"}, calls[:4])
	reboot := strings.Join(calls, " ")
	assert.Less(t, strings.Index(reboot, "GetLogEvents"), strings.Index(reboot, "RebootDBInstance"), "the probe's logs are read before the reboot")
	assert.Equal(t, []string{"DescribeEvents", "DescribeDBInstances"}, calls[len(calls)-2:])
	assert.Equal(t, 1, count(calls, "RebootDBInstance"))
	assert.Zero(t, count(calls, "StopTask"), "the probe stopped by itself")

	assert.Equal(t, map[string]any{"Action": "RebootDBInstance", "Version": "2014-10-31", "DBInstanceIdentifier": "refarch-stage-db", "ForceFailover": "true"},
		f.input(t, "RebootDBInstance"))
	assert.Equal(t, "refarch-stage-db", f.input(t, "DescribeDBInstances")["DBInstanceIdentifier"])

	run := f.input(t, "RunTask")
	assert.Equal(t, "stage", run["cluster"])
	assert.Equal(t, taskDef, run["taskDefinition"], "the backend service's task definition: its image, environment and task role")
	assert.Equal(t, "FARGATE", run["launchType"])
	assert.Equal(t, "refarch-failover-drill", run["startedBy"])
	assert.Equal(t, map[string]any{"containerOverrides": []any{map[string]any{"name": "backend", "command": []any{"probe", "-deadline", "10m0s"}}}}, run["overrides"])
	assert.Equal(t, map[string]any{"awsvpcConfiguration": map[string]any{
		"subnets": []any{"subnet-0aaa1111", "subnet-0bbb2222"}, "securityGroups": []any{"sg-0ccc3333"}, "assignPublicIp": "DISABLED",
	}}, run["networkConfiguration"], "the backend service's private subnets and groups")
	assert.Equal(t, "stage", f.input(t, "DescribeServices")["cluster"])
	assert.Equal(t, []any{"stage-backend-9z8y7x6"}, f.input(t, "DescribeServices")["services"])

	logs := f.input(t, "GetLogEvents")
	assert.Equal(t, logGroup, logs["logGroupName"])
	assert.Equal(t, logStream, logs["logStreamName"], "<prefix>/<container>/<task id>")
	assert.Equal(t, true, logs["startFromHead"])

	events := f.input(t, "DescribeEvents")
	assert.Equal(t, "refarch-stage-db", events["SourceIdentifier"])
	assert.Equal(t, "db-instance", events["SourceType"])
	assert.Equal(t, "failover", events["EventCategories.EventCategory.1"], "%v", events)
	assert.NotEmpty(t, events["StartTime"], "events since shortly before the reboot")

	for _, line := range []string{
		"writer refarch-stage-db (" + address + "): available, Multi-AZ, zone eu-west-1a, standby in eu-west-1b",
		"network of ECS service stage-backend-9z8y7x6: subnets subnet-0aaa1111,subnet-0bbb2222, security groups sg-0ccc3333, public IP DISABLED",
		"started the probe: task " + taskARN + " (task definition " + taskDef + ", cluster stage), logs " + logGroup + " " + logStream,
		"probe 10:00:00.150Z: the writer answers",
		"the probe reaches the writer",
		"probe 10:00:10.500Z: the writer does not answer: connecting: timeout",
		"probe 10:00:35.000Z: the writer answers",
		"task " + taskARN + ": STOPPED",
		"  container backend: exit code 0",
		"event 2026-12-07T10:00:09Z: Multi-AZ instance failover started.",
		"event 2026-12-07T10:00:31Z: Multi-AZ instance failover completed.",
		"failover events span 22s",
		"writer zone: eu-west-1a before, eu-west-1b now (RDS may take a while to show the new zone)",
		"outage of " + address + ": 24.5s (first failed attempt 10:00:10.500Z, answering steadily from 10:00:35.000Z)",
		"shorter than the 1m0s-2m0s AWS documents as typical for a Multi-AZ failover",
	} {
		assert.Contains(t, r.out, line+"\n")
	}
	assert.Equal(t, 1, strings.Count(r.out, "does not answer"), "only changes of state are printed")
	assert.Contains(t, r.out, "rebooting refarch-stage-db with failover at ")
}

func TestDrillComparesTheOutageWithTheDocumentedRange(t *testing.T) {
	for _, tt := range []struct {
		outage time.Duration
		want   string
	}{
		{59999 * time.Millisecond, "shorter than"}, {time.Minute, "within"}, {2 * time.Minute, "within"}, {120001 * time.Millisecond, "longer than"},
	} {
		assert.Equal(t, tt.want, compare(tt.outage), tt.outage)
	}
}

func TestDrillRefusesAWriterItCannotFailOverBeforeStartingAnything(t *testing.T) {
	tests := []struct {
		name    string
		multiAZ bool
		status  string
		wantErr string
	}{
		{"single-AZ", false, "available", "failover-drill: DB instance refarch-stage-db is not Multi-AZ: RebootDBInstance refuses ForceFailover on it (set refarch:dbMultiAz true for stack stage); nothing was started\n"},
		{"not available", true, "modifying", "failover-drill: DB instance refarch-stage-db is modifying, not available: try again when it is; nothing was started\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.multiAZ, f.status = tt.multiAZ, tt.status
			r := runDrill(t, f, drillArgs(t))
			assert.Equal(t, 1, r.code)
			assert.Equal(t, tt.wantErr, r.errs)
			assert.Equal(t, []string{"DescribeDBInstances"}, f.called(), "no task, no reboot")
		})
	}
}

func TestDrillDoesNotRebootWhenTheProbeNeverConnects(t *testing.T) {
	t.Run("the probe keeps failing until the ready timeout", func(t *testing.T) {
		f := newFake(t)
		f.beforeLines = linesNeverAnswering
		r := runDrill(t, f, drillArgs(t, "-ready-timeout", "50ms"))
		assert.Equal(t, 1, r.code)
		assert.Equal(t, `failover-drill: the probe did not reach the writer within 50ms (last error: connecting: failed SASL auth: PAM authentication failed for user "app"); the database was not rebooted; stopped the probe`+"\n", r.errs)
		assert.Zero(t, count(f.called(), "RebootDBInstance"))
		require.Equal(t, 1, count(f.called(), "StopTask"))
		stop := f.input(t, "StopTask")
		assert.Equal(t, "refarch-failover-drill: the probe never answered", stop["reason"])
		assert.Equal(t, taskARN, stop["task"])
		assert.Equal(t, "stage", stop["cluster"])
		assert.Contains(t, r.out, "stopped task "+taskARN+": refarch-failover-drill: the probe never answered\n")
	})
	t.Run("the probe stops first", func(t *testing.T) {
		f := newFake(t)
		f.beforeLines, f.stopsEarly = linesNeverAnswering, true
		r := runDrill(t, f, drillArgs(t))
		assert.Equal(t, 1, r.code)
		assert.Equal(t, `failover-drill: the probe stopped before the writer answered (last error: connecting: failed SASL auth: PAM authentication failed for user "app"); the database was not rebooted`+"\n", r.errs)
		assert.Zero(t, count(f.called(), "RebootDBInstance"))
		assert.Zero(t, count(f.called(), "StopTask"), "it has stopped already")
		assert.Contains(t, r.out, "  container backend: exit code 1\n")
	})
}

func TestDrillStopsTheProbeWhenRDSRefusesTheFailover(t *testing.T) {
	f := newFake(t)
	f.rebootErr = "InvalidDBInstanceState"
	r := runDrill(t, f, drillArgs(t))
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.HasPrefix(r.errs, "failover-drill: rebooting refarch-stage-db with failover: operation error RDS: RebootDBInstance"), r.errs)
	assert.Contains(t, r.errs, "InvalidDBInstanceState")
	assert.True(t, strings.HasSuffix(r.errs, "; stopped the probe\n"), r.errs)
	require.Equal(t, 1, count(f.called(), "StopTask"))
	assert.Equal(t, "refarch-failover-drill: reboot refused", f.input(t, "StopTask")["reason"])
	assert.NotContains(t, r.out, "outage of")
}

func TestDrillStopsTheProbeWhenItOutlivesTheTimeout(t *testing.T) {
	f := newFake(t)
	f.hangs = true
	r := runDrill(t, f, drillArgs(t, "-timeout", "50ms"))
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.HasPrefix(r.errs, "failover-drill: probe: task "+taskARN+" did not stop within 50ms; stopped it (refarch-stage-db was rebooted with failover at "), r.errs)
	assert.Contains(t, r.errs, "`aws rds describe-events --source-type db-instance --source-identifier refarch-stage-db --duration 60`")
	assert.Equal(t, 1, count(f.called(), "RebootDBInstance"))
	require.Equal(t, 1, count(f.called(), "StopTask"))
	assert.Equal(t, "refarch-failover-drill timeout", f.input(t, "StopTask")["reason"])
	assert.NotContains(t, r.out, "outage of")
}

func TestDrillFailsWhenTheWriterDoesNotAnswerSteadilyAgain(t *testing.T) {
	f := newFake(t)
	f.afterLines, f.exitCode = linesNoRecovery, 1
	r := runDrill(t, f, drillArgs(t))
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "failover-drill: the probe did not see "+address+" answer steadily again: the address did not answer steadily again\n", r.errs)
	assert.Contains(t, r.out, "event 2026-12-07T10:00:09Z: Multi-AZ instance failover started.\n", "the events are printed anyway")
	assert.NotContains(t, r.out, "outage of")
}

func TestDrillFailsWithoutTheProbesLastLine(t *testing.T) {
	f := newFake(t)
	f.afterLines = linesFailover[:len(linesFailover)-1]
	r := runDrill(t, f, drillArgs(t))
	assert.Equal(t, 1, r.code)
	assert.Equal(t, `failover-drill: the probe's last line ("probe done") is not in log stream `+logStream+" of "+logGroup+"\n", r.errs)
}

func TestDrillRefusesOutputsOfAnotherStack(t *testing.T) {
	tests := []struct {
		name, outputs, wantErr string
		args                   []string
	}{
		{"prod's outputs for stage", strings.ReplaceAll(stageOutputs, "refarch-stage-db.", "refarch-prod-db."), `outputs key databaseAddress is "refarch-prod-db.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com", not an address of refarch-stage-db: are these the outputs of stack stage?`, nil},
		{"no such service", stageOutputs, `outputs key ecsServiceNames has no service "worker"; its services: backend, frontend`, []string{"-service", "worker"}},
		{"a shared-services stack's outputs", `{"region": "eu-west-1", "accountId": "123456789012"}`, "outputs have no key ecsClusterName", nil},
		{"not JSON", `[`, "is not the JSON object of `pulumi stack output --json`", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDrill(t, newFake(t), append([]string{"-stack", "stage", "-outputs", writeOutputs(t, tt.outputs)}, tt.args...))
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.errs, tt.wantErr)
			assert.Empty(t, r.regions, "no AWS client was made")
		})
	}
}

func TestDrillRejectsBadFlagsWithExit2(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no flags", nil, "-stack is required; -outputs is required"},
		{"prod without -allow-prod", []string{"-stack", "prod", "-outputs", "o.json"}, "refusing prod without -allow-prod: a failover interrupts prod's writes; run it in a maintenance window"},
		{"a stack without a database", []string{"-stack", "shared-services", "-outputs", "o.json"}, "-stack shared-services has no database"},
		{"not a stack name", []string{"-stack", "Stage!", "-outputs", "o.json"}, `-stack "Stage!" is not a stack name`},
		{"durations", []string{"-stack", "stage", "-outputs", "o.json", "-interval", "0s", "-timeout", "-1s"}, "-timeout -1s is not positive; -interval 0s is not positive"},
		{"ready timeout after the probe's deadline", []string{"-stack", "stage", "-outputs", "o.json", "-ready-timeout", "10m"}, "-ready-timeout 10m0s must be shorter than -probe-deadline 10m0s"},
		{"an argument", []string{"-stack", "stage", "-outputs", "o.json", "extra"}, `unexpected arguments ["extra"]`},
		{"an unknown flag", []string{"-stack", "stage", "-force"}, "flag provided but not defined: -force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDrill(t, newFake(t), tt.args)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.errs, tt.wantErr)
			assert.Empty(t, r.regions, "no AWS call")
		})
	}
}

func TestDrillAcceptsProdWithAllowProd(t *testing.T) {
	o, err := parse([]string{"-stack", "prod", "-outputs", "o.json", "-allow-prod"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.True(t, o.allowProd)
	assert.Equal(t, "prod", o.stack)
}

func TestDrillPrintsTheUsageForHelp(t *testing.T) {
	r := runDrill(t, newFake(t), []string{"-h"})
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.errs, "usage: failover-drill -stack <dev|stage|prod> -outputs outputs.json")
}
