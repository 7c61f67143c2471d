package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunStartsTheJobInTheServicesNetworkAndSucceedsWhenEveryContainerExits0(t *testing.T) {
	f := &fakeECS{
		services: backendService(),
		runOut:   started(),
		tasks: []*ecs.DescribeTasksOutput{
			status("PROVISIONING"), status("PROVISIONING"), status("PENDING"), status("RUNNING"), status("RUNNING"),
			stopped(container("migrate", aws.Int32(0), ""), container("log-router", aws.Int32(0), "")),
		},
	}
	var regions []string
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-interval", "1ms"}, &out, &errs, clients(f, &regions))

	require.Equal(t, 0, code, errs.String())
	assert.Empty(t, errs.String())
	assert.Equal(t, []string{"eu-west-1"}, regions)

	require.Len(t, f.gotServices, 1)
	assert.Equal(t, "dev", aws.ToString(f.gotServices[0].Cluster))
	assert.Equal(t, []string{"dev-backend-1a2b3c4"}, f.gotServices[0].Services)

	require.Len(t, f.gotRun, 1)
	in := f.gotRun[0]
	assert.Equal(t, "dev", aws.ToString(in.Cluster))
	assert.Equal(t, "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7", aws.ToString(in.TaskDefinition))
	assert.Equal(t, int32(1), aws.ToInt32(in.Count))
	assert.Equal(t, types.LaunchType("FARGATE"), in.LaunchType)
	assert.Equal(t, "refarch-run-job", aws.ToString(in.StartedBy))
	assert.False(t, in.EnableExecuteCommand)
	assert.Equal(t, types.PropagateTags("TASK_DEFINITION"), in.PropagateTags)
	assert.Empty(t, in.CapacityProviderStrategy, "a capacity provider strategy and a launch type exclude each other")
	require.NotNil(t, in.NetworkConfiguration)
	require.NotNil(t, in.NetworkConfiguration.AwsvpcConfiguration)
	assert.Equal(t, []string{"subnet-0aaa1111", "subnet-0bbb2222"}, in.NetworkConfiguration.AwsvpcConfiguration.Subnets)
	assert.Equal(t, []string{"sg-0ccc3333"}, in.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups)
	assert.Equal(t, types.AssignPublicIp("DISABLED"), in.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp)

	require.Len(t, f.gotDescribe, 6)
	assert.Equal(t, "dev", aws.ToString(f.gotDescribe[0].Cluster))
	assert.Equal(t, []string{taskARN}, f.gotDescribe[0].Tasks)
	assert.Empty(t, f.gotStop)

	// Each status once, in order, however many polls saw it.
	assert.Equal(t, []string{
		"network of ECS service dev-backend-1a2b3c4: subnets subnet-0aaa1111,subnet-0bbb2222, security groups sg-0ccc3333, public IP DISABLED",
		"started task " + taskARN + " (job backend/migrate, task definition arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7, cluster dev)",
		"task " + taskARN + ": PROVISIONING",
		"task " + taskARN + ": PENDING",
		"task " + taskARN + ": RUNNING",
		"task " + taskARN + ": STOPPED",
		"task " + taskARN + " stopped: Essential container in task exited (EssentialContainerExited)",
		"  container migrate: exit code 0",
		"  container log-router: exit code 0",
		"job backend/migrate succeeded",
	}, strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"))
}

func TestRunTakesTheECSServiceFromTheServiceFlag(t *testing.T) {
	withoutNames := `{"ecsClusterName": "stage",
		"jobTaskDefinitions": {"backend/migrate": "arn:aws:ecs:us-east-2:210987654321:task-definition/stage-backend-migrate:2"}}`
	tests := []struct {
		name, outputs, service, wantService, wantRegion string
	}{
		{"the outputs have no ecsServiceNames", withoutNames, "stage-backend-9z8y7x6", "stage-backend-9z8y7x6", "us-east-2"},
		{"-service wins over ecsServiceNames", devOutputs, "dev-backend-other", "dev-backend-other", "eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{stopped(container("migrate", aws.Int32(0), ""))}}
			var regions []string
			var out, errs bytes.Buffer
			code := run(t.Context(), []string{"-outputs", writeOutputs(t, tt.outputs), "-job", "backend/migrate", "-service", tt.service, "-interval", "1ms"}, &out, &errs, clients(f, &regions))
			require.Equal(t, 0, code, errs.String())
			assert.Equal(t, []string{tt.wantRegion}, regions)
			require.Len(t, f.gotServices, 1)
			assert.Equal(t, []string{tt.wantService}, f.gotServices[0].Services)
		})
	}
}

func TestRunFailsNamingEachContainerThatDidNotExit0(t *testing.T) {
	tests := []struct {
		name       string
		containers []types.Container
		wantErr    string   // in stderr
		wantOut    []string // in stdout
	}{
		{
			name:       "the migration exits 1",
			containers: []types.Container{container("migrate", aws.Int32(1), "")},
			wantErr:    "run-job: job backend/migrate failed: task " + taskARN + " stopped (Essential container in task exited): container migrate: exit code 1\n",
			wantOut:    []string{"task " + taskARN + " stopped: Essential container in task exited (EssentialContainerExited)", "  container migrate: exit code 1"},
		},
		{
			name:       "one of two containers fails",
			containers: []types.Container{container("migrate", aws.Int32(0), ""), container("sidecar", aws.Int32(137), "OutOfMemoryError: Container killed due to memory usage")},
			wantErr:    "container sidecar: exit code 137: OutOfMemoryError: Container killed due to memory usage",
			wantOut:    []string{"  container migrate: exit code 0", "  container sidecar: exit code 137: OutOfMemoryError: Container killed due to memory usage"},
		},
		{
			name:       "the container never ran",
			containers: []types.Container{container("migrate", nil, "CannotPullContainerError: pull image manifest has been retried 5 time(s)")},
			wantErr:    "container migrate: exit code none: CannotPullContainerError: pull image manifest has been retried 5 time(s)",
			wantOut:    []string{"  container migrate: exit code none: CannotPullContainerError: pull image manifest has been retried 5 time(s)"},
		},
		{
			name:    "no containers",
			wantErr: "run-job: job backend/migrate: task " + taskARN + " stopped without containers: Essential container in task exited\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{status("RUNNING"), stopped(tt.containers...)}}
			var regions []string
			var out, errs bytes.Buffer
			code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-interval", "1ms"}, &out, &errs, clients(f, &regions))
			assert.Equal(t, 1, code)
			assert.Contains(t, errs.String(), tt.wantErr)
			assert.True(t, strings.HasPrefix(errs.String(), "run-job: "), errs.String())
			for _, line := range tt.wantOut {
				assert.Contains(t, out.String(), line+"\n")
			}
			assert.NotContains(t, out.String(), "succeeded")
			assert.Empty(t, f.gotStop, "a stopped task is not stopped again")
		})
	}
}

func TestRunFailsWhenRunTaskStartsNoTask(t *testing.T) {
	tests := []struct {
		name    string
		out     *ecs.RunTaskOutput
		err     error
		wantErr string
	}{
		{
			name: "failures",
			out: &ecs.RunTaskOutput{Failures: []types.Failure{{
				Arn:    aws.String("arn:aws:ecs:eu-west-1:123456789012:container-instance/dev/1"),
				Reason: aws.String("RESOURCE:ENI"),
				Detail: aws.String("no free ENI"),
			}}},
			wantErr: "run-job: running task definition arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7 in cluster dev: RunTask failed: RESOURCE:ENI (arn:aws:ecs:eu-west-1:123456789012:container-instance/dev/1: no free ENI)\n",
		},
		{
			name:    "no task",
			out:     &ecs.RunTaskOutput{},
			wantErr: "run-job: running task definition arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7 in cluster dev: RunTask started no task\n",
		},
		{
			name:    "an API error",
			err:     errors.New("AccessDeniedException: not authorized to perform iam:PassRole"),
			wantErr: "run-job: running task definition arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7 in cluster dev: AccessDeniedException: not authorized to perform iam:PassRole\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeECS{services: backendService(), runOut: tt.out, runErr: tt.err}
			var regions []string
			var out, errs bytes.Buffer
			code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate"}, &out, &errs, clients(f, &regions))
			assert.Equal(t, 1, code)
			assert.Equal(t, tt.wantErr, errs.String())
			assert.Len(t, f.gotRun, 1)
			assert.Empty(t, f.gotDescribe)
		})
	}
}

func TestRunFailsWhenTheServiceHasNoNetworkToCopy(t *testing.T) {
	tests := []struct {
		name     string
		services *ecs.DescribeServicesOutput
		err      error
		wantErr  string
	}{
		{
			name:     "missing",
			services: &ecs.DescribeServicesOutput{Failures: []types.Failure{{Arn: aws.String("arn:aws:ecs:eu-west-1:123456789012:service/dev/dev-backend-1a2b3c4"), Reason: aws.String("MISSING")}}},
			wantErr:  "run-job: describing ECS service dev-backend-1a2b3c4 in cluster dev: MISSING (arn:aws:ecs:eu-west-1:123456789012:service/dev/dev-backend-1a2b3c4)\n",
		},
		{
			name:     "no services",
			services: &ecs.DescribeServicesOutput{},
			wantErr:  "run-job: describing ECS service dev-backend-1a2b3c4 in cluster dev: no such service\n",
		},
		{
			name:     "no awsvpc configuration",
			services: &ecs.DescribeServicesOutput{Services: []types.Service{{ServiceName: aws.String("dev-backend-1a2b3c4")}}},
			wantErr:  "run-job: describing ECS service dev-backend-1a2b3c4 in cluster dev: the service has no awsvpc network configuration to copy\n",
		},
		{
			name:    "an API error",
			err:     errors.New("ClusterNotFoundException: cluster not found"),
			wantErr: "run-job: describing ECS service dev-backend-1a2b3c4 in cluster dev: ClusterNotFoundException: cluster not found\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeECS{services: tt.services, servicesErr: tt.err}
			var regions []string
			var out, errs bytes.Buffer
			code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate"}, &out, &errs, clients(f, &regions))
			assert.Equal(t, 1, code)
			assert.Equal(t, tt.wantErr, errs.String())
			assert.Empty(t, f.gotRun)
		})
	}
}

func TestRunStopsTheTaskWhenTheTimeoutPasses(t *testing.T) {
	f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{status("PENDING"), status("RUNNING")}}
	var regions []string
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-timeout", "50ms", "-interval", "2ms"}, &out, &errs, clients(f, &regions))

	assert.Equal(t, 1, code)
	require.Len(t, f.gotStop, 1)
	assert.Equal(t, "dev", aws.ToString(f.gotStop[0].Cluster))
	assert.Equal(t, taskARN, aws.ToString(f.gotStop[0].Task))
	assert.Equal(t, "refarch-run-job timeout", aws.ToString(f.gotStop[0].Reason))
	assert.NoError(t, f.stopCtxErr, "StopTask must not get the expired wait's context")
	assert.Greater(t, len(f.gotDescribe), 1, "it polls until the timeout")
	assert.Equal(t, "run-job: job backend/migrate: task "+taskARN+" did not stop within 50ms; stopped it\n", errs.String())
	assert.Contains(t, out.String(), "stopped task "+taskARN+": refarch-run-job timeout\n")
}

func TestRunSaysHowToStopTheTaskWhenStopTaskFails(t *testing.T) {
	f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{status("RUNNING")}, stopErr: errors.New("ThrottlingException: Rate exceeded")}
	var regions []string
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-timeout", "20ms", "-interval", "2ms"}, &out, &errs, clients(f, &regions))
	assert.Equal(t, 1, code)
	assert.Len(t, f.gotStop, 1)
	assert.Equal(t, "run-job: job backend/migrate: task "+taskARN+" did not stop within 20ms, and stopping it failed (stop it with `aws ecs stop-task --cluster dev --task "+taskARN+"`): ThrottlingException: Rate exceeded\n", errs.String())
}

func TestRunStopsTheTaskWhenInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{status("RUNNING")}}
	f.onDescribe = func(n int) {
		if n == 2 {
			cancel() // SIGTERM while the task runs
		}
	}
	var regions []string
	var out, errs bytes.Buffer
	code := run(ctx, []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-interval", "1ms"}, &out, &errs, clients(f, &regions))
	assert.Equal(t, 1, code)
	require.Len(t, f.gotStop, 1)
	assert.Equal(t, "refarch-run-job interrupted", aws.ToString(f.gotStop[0].Reason))
	assert.NoError(t, f.stopCtxErr)
	assert.Equal(t, "run-job: job backend/migrate: interrupted while waiting for task "+taskARN+"; stopped it\n", errs.String())
}

func TestRunWaitsForATaskDescribeTasksDoesNotKnowYet(t *testing.T) {
	notYet := &ecs.DescribeTasksOutput{Failures: []types.Failure{{Arn: aws.String(taskARN), Reason: aws.String("MISSING")}}}
	f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{notYet, notYet, stopped(container("migrate", aws.Int32(0), ""))}}
	var regions []string
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-interval", "1ms"}, &out, &errs, clients(f, &regions))
	assert.Equal(t, 0, code, errs.String())
	assert.Len(t, f.gotDescribe, 3)
}

func TestRunFailsWhenDescribeTasksFails(t *testing.T) {
	tests := []struct {
		name    string
		out     *ecs.DescribeTasksOutput
		err     error
		wantErr string
	}{
		{
			name:    "an API error",
			err:     errors.New("AccessDeniedException: not authorized to perform ecs:DescribeTasks"),
			wantErr: "run-job: waiting for task " + taskARN + " (it may still be running; stop it with `aws ecs stop-task --cluster dev --task " + taskARN + "`): describing the task: AccessDeniedException: not authorized to perform ecs:DescribeTasks\n",
		},
		{
			name:    "a failure other than MISSING",
			out:     &ecs.DescribeTasksOutput{Failures: []types.Failure{{Arn: aws.String(taskARN), Reason: aws.String("ACCESS_DENIED")}}},
			wantErr: "run-job: waiting for task " + taskARN + " (it may still be running; stop it with `aws ecs stop-task --cluster dev --task " + taskARN + "`): describing the task: ACCESS_DENIED (" + taskARN + ")\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeECS{services: backendService(), runOut: started(), tasks: []*ecs.DescribeTasksOutput{tt.out}, describeErr: tt.err}
			var regions []string
			var out, errs bytes.Buffer
			code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate", "-interval", "1ms"}, &out, &errs, clients(f, &regions))
			assert.Equal(t, 1, code)
			assert.Equal(t, tt.wantErr, errs.String())
			assert.Len(t, f.gotDescribe, 1)
		})
	}
}

func TestRunRefusesOutputsWithoutTheJob(t *testing.T) {
	tests := []struct {
		name, outputs, job, service string
		wantCode                    int
		wantErr                     string
	}{
		{
			name:     "no ecsClusterName",
			outputs:  `{"jobTaskDefinitions": {"backend/migrate": "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7"}}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  "outputs have no key ecsClusterName",
		},
		{
			name:     "no jobTaskDefinitions",
			outputs:  `{"ecsClusterName": "dev", "ecsServiceNames": {"backend": "dev-backend-1a2b3c4"}}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  "outputs have no key jobTaskDefinitions",
		},
		{
			name:     "an unknown job",
			outputs:  devOutputs,
			job:      "backend/seed",
			wantCode: 1,
			wantErr:  `outputs key jobTaskDefinitions has no job "backend/seed"; its jobs: backend/migrate, worker/reindex`,
		},
		{
			name:     "no jobs",
			outputs:  `{"ecsClusterName": "dev", "jobTaskDefinitions": {}}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  `outputs key jobTaskDefinitions has no job "backend/migrate"; its jobs: (none)`,
		},
		{
			name:     "jobTaskDefinitions is not an object",
			outputs:  `{"ecsClusterName": "dev", "jobTaskDefinitions": "[secret]"}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  "outputs key jobTaskDefinitions is not an object",
		},
		{
			name:     "ecsClusterName is not a string",
			outputs:  `{"ecsClusterName": {"name": "dev"}, "jobTaskDefinitions": {}}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  "outputs key ecsClusterName is not a string",
		},
		{
			name:     "not a task definition ARN",
			outputs:  `{"ecsClusterName": "dev", "jobTaskDefinitions": {"backend/migrate": "dev-backend-migrate:7"}, "ecsServiceNames": {"backend": "dev-backend-1a2b3c4"}}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  `outputs key jobTaskDefinitions["backend/migrate"]: "dev-backend-migrate:7" is not a task definition ARN`,
		},
		{
			name:     "ecsServiceNames without the service",
			outputs:  `{"ecsClusterName": "dev", "jobTaskDefinitions": {"backend/migrate": "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7"}, "ecsServiceNames": {"frontend": "dev-frontend-1", "worker": "dev-worker-2"}}`,
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  `outputs key ecsServiceNames has no service "backend" (pass -service); its services: frontend, worker`,
		},
		{
			name:     "no ecsServiceNames and no -service",
			outputs:  `{"ecsClusterName": "dev", "jobTaskDefinitions": {"backend/migrate": "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7"}}`,
			job:      "backend/migrate",
			wantCode: 2,
			wantErr:  "run-job: job backend/migrate: outputs have no ecsServiceNames: pass -service <ECS service name>\n",
		},
		{
			name:     "not JSON",
			outputs:  "Current stack outputs (2):\n    OUTPUT  VALUE\n",
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  "is not the JSON object of `pulumi stack output --json`",
		},
		{
			name:     "null",
			outputs:  "null",
			job:      "backend/migrate",
			wantCode: 1,
			wantErr:  "is not the JSON object of `pulumi stack output --json`: null",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeECS{}
			var regions []string
			var out, errs bytes.Buffer
			args := []string{"-outputs", writeOutputs(t, tt.outputs), "-job", tt.job}
			if tt.service != "" {
				args = append(args, "-service", tt.service)
			}
			code := run(t.Context(), args, &out, &errs, clients(f, &regions))
			assert.Equal(t, tt.wantCode, code)
			assert.Contains(t, errs.String(), tt.wantErr)
			assert.True(t, strings.HasPrefix(errs.String(), "run-job: "), errs.String())
			assert.Empty(t, regions, "no AWS client before the job is found")
		})
	}
}

func TestRunFailsWhenTheOutputsFileIsMissing(t *testing.T) {
	var regions []string
	var out, errs bytes.Buffer
	missing := filepath.Join(t.TempDir(), "outputs.json")
	code := run(t.Context(), []string{"-outputs", missing, "-job", "backend/migrate"}, &out, &errs, clients(&fakeECS{}, &regions))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs.String(), "run-job: reading the stack outputs: open "+missing+": no such file or directory")
}

func TestRunFailsWhenTheClientCannotBeCreated(t *testing.T) {
	var out, errs bytes.Buffer
	noClient := func(context.Context, string) (ECS, error) { return nil, errors.New("no credentials") }
	code := run(t.Context(), []string{"-outputs", writeOutputs(t, devOutputs), "-job", "backend/migrate"}, &out, &errs, noClient)
	assert.Equal(t, 1, code)
	assert.Equal(t, "run-job: job backend/migrate: creating the ECS client: no credentials\n", errs.String())
}

func TestRunRejectsBadFlagsWithExit2(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no flags", nil, "-outputs is required; -job is required"},
		{"no -job", []string{"-outputs", "outputs.json"}, "-job is required"},
		{"no -outputs", []string{"-job", "backend/migrate"}, "-outputs is required"},
		{"a job without a service", []string{"-outputs", "outputs.json", "-job", "migrate"}, `-job "migrate" is not <service>/<job>`},
		{"an empty service", []string{"-outputs", "outputs.json", "-job", "/migrate"}, `-job "/migrate" is not <service>/<job>`},
		{"an empty job", []string{"-outputs", "outputs.json", "-job", "backend/"}, `-job "backend/" is not <service>/<job>`},
		{"two slashes", []string{"-outputs", "outputs.json", "-job", "backend/migrate/up"}, `-job "backend/migrate/up" is not <service>/<job>`},
		{"a zero timeout", []string{"-outputs", "outputs.json", "-job", "backend/migrate", "-timeout", "0s"}, "-timeout 0s is not positive"},
		{"a negative interval", []string{"-outputs", "outputs.json", "-job", "backend/migrate", "-interval", "-1s"}, "-interval -1s is not positive"},
		{"a timeout that is not a duration", []string{"-outputs", "outputs.json", "-job", "backend/migrate", "-timeout", "15"}, `invalid value "15" for flag -timeout`},
		{"an unknown flag", []string{"-outputs", "outputs.json", "-job", "backend/migrate", "-stack", "dev"}, "flag provided but not defined: -stack"},
		{"an argument", []string{"-outputs", "outputs.json", "-job", "backend/migrate", "extra"}, `unexpected arguments ["extra"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var regions []string
			var out, errs bytes.Buffer
			code := run(t.Context(), tt.args, &out, &errs, clients(&fakeECS{}, &regions))
			assert.Equal(t, 2, code)
			assert.Contains(t, errs.String(), "run-job: "+tt.wantErr)
			assert.Empty(t, regions)
			assert.Empty(t, out.String())
		})
	}
}

func TestRunPrintsTheUsageForHelp(t *testing.T) {
	var regions []string
	var out, errs bytes.Buffer
	code := run(t.Context(), []string{"-h"}, &out, &errs, clients(&fakeECS{}, &regions))
	assert.Equal(t, 0, code)
	assert.Contains(t, errs.String(), "usage: run-job -outputs outputs.json -job <service>/<job>")
	assert.Contains(t, errs.String(), "-timeout duration")
	assert.Empty(t, regions)
}
