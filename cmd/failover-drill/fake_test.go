package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/stretchr/testify/require"
)

// fakeAWS is a local stand-in for the three APIs the drill calls, on one
// httptest server, speaking their wire protocols so that the real SDK
// clients talk to it: ECS and CloudWatch Logs in JSON 1.1 (the operation
// in X-Amz-Target), RDS in the Query protocol (a form with Action,
// answered in XML).
// Sources: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/Welcome.html,
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/Welcome.html
//
// The probe's task goes PROVISIONING, then RUNNING, writing beforeLines;
// after RebootDBInstance it writes afterLines and stops with exitCode,
// unless hangs is set. A task that stopsEarly stops (exit 1) on the third
// DescribeTasks, before any reboot.
type fakeAWS struct {
	srv *httptest.Server

	mu sync.Mutex
	// The instance.
	multiAZ        bool
	status         string
	zone, zoneNext string
	rebootErr      string // an RDS error code RebootDBInstance answers
	events         []fakeEvent
	// The probe's task.
	beforeLines, afterLines []string
	exitCode                int
	hangs, stopsEarly       bool

	rebooted, stopped bool
	describes         int
	lines             []string
	// calls are the operations called, in order; inputs their bodies
	// (JSON objects, or the RDS forms as a map of lists).
	calls  []string
	inputs map[string][]map[string]any
}

// fakeEvent is one RDS event.
type fakeEvent struct{ date, message string }

// The stage stack of the tests.
const (
	region       = "eu-west-1"
	dbID         = "refarch-stage-db"
	address      = "refarch-stage-db.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
	cluster      = "stage"
	ecsService   = "stage-backend-9z8y7x6"
	taskDef      = "arn:aws:ecs:eu-west-1:210987654321:task-definition/stage-backend:12"
	taskARN      = "arn:aws:ecs:eu-west-1:210987654321:task/stage/0123456789abcdef0123456789abcdef"
	logGroup     = "/ecs/stage/backend/-4f3e2d1"
	logStream    = "backend/backend/0123456789abcdef0123456789abcdef"
	stageOutputs = `{
		"region": "eu-west-1",
		"ecsClusterName": "stage",
		"ecsServiceNames": {"backend": "stage-backend-9z8y7x6", "frontend": "stage-frontend-1q2w3e4"},
		"databaseAddress": "refarch-stage-db.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
		"jobTaskDefinitions": {"backend/migrate": "arn:aws:ecs:eu-west-1:210987654321:task-definition/stage-backend-migrate:12"}
	}`
)

// The probe's lines of a failover: answers, a 24.5 s outage, answers.
var (
	linesAnswering = []string{
		`{"time":"2026-12-07T10:00:00.100Z","level":"INFO","msg":"probe starting","db_host":"` + address + `"}`,
		`{"time":"2026-12-07T10:00:00.200Z","level":"INFO","msg":"probe attempt","ok":true,"start":"2026-12-07T10:00:00.150Z","latency_ms":48}`,
		`{"time":"2026-12-07T10:00:00.700Z","level":"INFO","msg":"probe attempt","ok":true,"start":"2026-12-07T10:00:00.650Z","latency_ms":45}`,
	}
	linesFailover = []string{
		`{"time":"2026-12-07T10:00:12.500Z","level":"WARN","msg":"probe attempt","ok":false,"start":"2026-12-07T10:00:10.500Z","error":"connecting: timeout"}`,
		`not JSON: a line from the runtime`,
		`{"time":"2026-12-07T10:00:15.000Z","level":"WARN","msg":"probe attempt","ok":false,"start":"2026-12-07T10:00:14.900Z","error":"connecting: connection refused"}`,
		`{"time":"2026-12-07T10:00:35.050Z","level":"INFO","msg":"probe attempt","ok":true,"start":"2026-12-07T10:00:35.000Z","latency_ms":50}`,
		`{"time":"2026-12-07T10:00:39.600Z","level":"INFO","msg":"probe done","recovered":true,"first_failure":"2026-12-07T10:00:10.500Z","recovered_at":"2026-12-07T10:00:35.000Z","outage_ms":24500}`,
	}
	linesNoRecovery = []string{
		`{"time":"2026-12-07T10:00:12.500Z","level":"WARN","msg":"probe attempt","ok":false,"start":"2026-12-07T10:00:10.500Z","error":"connecting: timeout"}`,
		`{"time":"2026-12-07T10:10:00.100Z","level":"ERROR","msg":"probe done","recovered":false,"reason":"the address did not answer steadily again","deadline":"10m0s"}`,
	}
	linesNeverAnswering = []string{
		`{"time":"2026-12-07T10:00:00.100Z","level":"INFO","msg":"probe starting","db_host":"` + address + `"}`,
		`{"time":"2026-12-07T10:00:02.200Z","level":"WARN","msg":"probe attempt","ok":false,"start":"2026-12-07T10:00:00.150Z","error":"connecting: failed SASL auth: PAM authentication failed for user \"app\""}`,
	}
)

// newFake returns a fake of stage's Multi-AZ writer and a probe that
// answers, fails over and recovers.
func newFake(t *testing.T) *fakeAWS {
	t.Helper()
	f := &fakeAWS{
		multiAZ: true, status: "available", zone: "eu-west-1a", zoneNext: "eu-west-1b",
		beforeLines: linesAnswering, afterLines: linesFailover,
		events: []fakeEvent{
			{"2026-12-07T10:00:09Z", "Multi-AZ instance failover started."},
			{"2026-12-07T10:00:31Z", "Multi-AZ instance failover completed."},
		},
		inputs: map[string][]map[string]any{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// clients returns a NewClients making real SDK clients that talk to the
// fake, recording the regions asked for.
func (f *fakeAWS) clients(regions *[]string) NewClients {
	return func(_ context.Context, r string) (Clients, error) {
		*regions = append(*regions, r)
		cfg := aws.Config{
			Region:       r,
			Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
			BaseEndpoint: aws.String(f.srv.URL),
			HTTPClient:   f.srv.Client(),
			Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
		}
		return Clients{ECS: ecs.NewFromConfig(cfg), RDS: rds.NewFromConfig(cfg), Logs: cloudwatchlogs.NewFromConfig(cfg)}, nil
	}
}

// called returns the operations called, in order.
func (f *fakeAWS) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// input returns the first input of op.
func (f *fakeAWS) input(t *testing.T, op string) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.inputs[op], "%s was never called", op)
	return f.inputs[op][0]
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, op, _ := strings.Cut(target, ".")
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			jsonError(w, "SerializationException", err.Error())
			return
		}
		f.record(op, in)
		f.serveJSON(w, op, in)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	in := map[string]any{}
	for k, v := range form {
		in[k] = strings.Join(v, ",")
	}
	op := form.Get("Action")
	f.record(op, in)
	f.serveRDS(w, op, form)
}

func (f *fakeAWS) record(op string, in map[string]any) {
	f.calls = append(f.calls, op)
	f.inputs[op] = append(f.inputs[op], in)
}

// taskJSON is the probe's task as DescribeTasks shows it now.
func (f *fakeAWS) taskJSON() map[string]any {
	task := map[string]any{"taskArn": taskARN, "lastStatus": "PROVISIONING"}
	switch {
	case f.stopped:
		code := f.exitCode
		if f.stopsEarly {
			code = 1
		}
		task["lastStatus"] = "STOPPED"
		task["stopCode"] = "EssentialContainerExited"
		task["stoppedReason"] = "Essential container in task exited"
		task["containers"] = []any{map[string]any{"name": "backend", "lastStatus": "STOPPED", "exitCode": code}}
	case f.describes > 1:
		task["lastStatus"] = "RUNNING"
	}
	return task
}

func (f *fakeAWS) serveJSON(w http.ResponseWriter, op string, in map[string]any) {
	switch op {
	case "DescribeServices":
		writeJSON(w, map[string]any{"services": []any{map[string]any{
			"serviceName": ecsService, "status": "ACTIVE", "taskDefinition": taskDef,
			"networkConfiguration": map[string]any{"awsvpcConfiguration": map[string]any{
				"subnets": []string{"subnet-0aaa1111", "subnet-0bbb2222"}, "securityGroups": []string{"sg-0ccc3333"}, "assignPublicIp": "DISABLED",
			}},
		}}})
	case "DescribeTaskDefinition":
		writeJSON(w, map[string]any{"taskDefinition": map[string]any{
			"taskDefinitionArn": taskDef,
			"containerDefinitions": []any{map[string]any{
				"name": "backend", "command": []string{},
				"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]string{
					"awslogs-group": logGroup, "awslogs-region": region, "awslogs-stream-prefix": "backend", "mode": "non-blocking",
				}},
			}},
		}})
	case "RunTask":
		writeJSON(w, map[string]any{"tasks": []any{map[string]any{"taskArn": taskARN, "lastStatus": "PROVISIONING"}}})
	case "DescribeTasks":
		f.describes++
		if f.describes == 2 {
			f.lines = append(f.lines, f.beforeLines...)
		}
		if f.stopsEarly && f.describes == 3 {
			f.stopped = true
		}
		writeJSON(w, map[string]any{"tasks": []any{f.taskJSON()}})
	case "StopTask":
		f.stopped = true
		writeJSON(w, map[string]any{"task": f.taskJSON()})
	case "GetLogEvents":
		if in["logGroupName"] != logGroup || in["logStreamName"] != logStream || f.describes < 2 {
			jsonError(w, "ResourceNotFoundException", "The specified log stream does not exist.")
			return
		}
		from := 0
		if tok, ok := in["nextToken"].(string); ok {
			from, _ = strconv.Atoi(strings.TrimPrefix(tok, "f/"))
		}
		var events []any
		for i := from; i < len(f.lines); i++ {
			events = append(events, map[string]any{"timestamp": 1796637600000 + i, "message": f.lines[i], "ingestionTime": 1796637601000 + i})
		}
		writeJSON(w, map[string]any{"events": events, "nextForwardToken": fmt.Sprintf("f/%d", len(f.lines)), "nextBackwardToken": "b/0"})
	default:
		jsonError(w, "UnknownOperationException", op)
	}
}

// dbInstanceXML is the writer as RDS describes it.
func (f *fakeAWS) dbInstanceXML() string {
	return fmt.Sprintf(`<DBInstance><DBInstanceIdentifier>%s</DBInstanceIdentifier><DBInstanceStatus>%s</DBInstanceStatus><MultiAZ>%t</MultiAZ>`+
		`<AvailabilityZone>%s</AvailabilityZone><SecondaryAvailabilityZone>%s</SecondaryAvailabilityZone>`+
		`<Endpoint><Address>%s</Address><Port>5432</Port></Endpoint></DBInstance>`, dbID, f.status, f.multiAZ, f.zone, f.zoneNext, address)
}

func (f *fakeAWS) serveRDS(w http.ResponseWriter, op string, form url.Values) {
	if op != "RebootDBInstance" && op != "DescribeEvents" && op != "DescribeDBInstances" {
		rdsError(w, "InvalidAction", op)
		return
	}
	if id := form.Get("DBInstanceIdentifier") + form.Get("SourceIdentifier"); id != dbID {
		rdsError(w, "DBInstanceNotFound", "DBInstance "+id+" not found.")
		return
	}
	var result string
	switch op {
	case "DescribeDBInstances":
		result = "<DBInstances>" + f.dbInstanceXML() + "</DBInstances>"
	case "RebootDBInstance":
		if f.rebootErr != "" {
			rdsError(w, f.rebootErr, "Cannot reboot with failover: the instance is not in the available state or a failover recently occurred.")
			return
		}
		if !f.multiAZ {
			rdsError(w, "InvalidParameterCombination", "Cannot force failover: the instance is not Multi-AZ.")
			return
		}
		f.rebooted = true
		f.lines = append(f.lines, f.afterLines...)
		if !f.hangs {
			f.stopped = true
		}
		f.zone, f.zoneNext = f.zoneNext, f.zone
		result = f.dbInstanceXML()
	case "DescribeEvents":
		result = "<Events>"
		for _, e := range f.events {
			result += fmt.Sprintf(`<Event><SourceIdentifier>%s</SourceIdentifier><SourceType>db-instance</SourceType><Message>%s</Message><Date>%s</Date></Event>`, dbID, e.message, e.date)
		}
		result += "</Events>"
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></%sResponse>`,
		op, op, result, op, op)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func rdsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`, code, msg)
}

// writeOutputs writes the outputs JSON to a file and returns its path.
func writeOutputs(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outputs.json")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}
