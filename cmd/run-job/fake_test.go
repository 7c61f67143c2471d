package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/require"
)

// fakeECS answers with scripted responses and records every input.
type fakeECS struct {
	services    *ecs.DescribeServicesOutput
	servicesErr error
	runOut      *ecs.RunTaskOutput
	runErr      error
	// tasks are DescribeTasks' answers in turn; the last one repeats.
	tasks       []*ecs.DescribeTasksOutput
	describeErr error
	stopErr     error
	// onDescribe, when set, is called with the number of the call (1, 2…).
	onDescribe func(n int)

	gotServices []*ecs.DescribeServicesInput
	gotRun      []*ecs.RunTaskInput
	gotDescribe []*ecs.DescribeTasksInput
	gotStop     []*ecs.StopTaskInput
	// stopCtxErr is the error of StopTask's context when it was called.
	stopCtxErr error
}

func (f *fakeECS) DescribeServices(_ context.Context, in *ecs.DescribeServicesInput, _ ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error) {
	f.gotServices = append(f.gotServices, in)
	if f.servicesErr != nil {
		return nil, f.servicesErr
	}
	return f.services, nil
}

func (f *fakeECS) RunTask(_ context.Context, in *ecs.RunTaskInput, _ ...func(*ecs.Options)) (*ecs.RunTaskOutput, error) {
	f.gotRun = append(f.gotRun, in)
	if f.runErr != nil {
		return nil, f.runErr
	}
	return f.runOut, nil
}

func (f *fakeECS) DescribeTasks(ctx context.Context, in *ecs.DescribeTasksInput, _ ...func(*ecs.Options)) (*ecs.DescribeTasksOutput, error) {
	f.gotDescribe = append(f.gotDescribe, in)
	if f.onDescribe != nil {
		f.onDescribe(len(f.gotDescribe))
	}
	if err := ctx.Err(); err != nil { // as the SDK does
		return nil, err
	}
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	i := min(len(f.gotDescribe), len(f.tasks)) - 1
	return f.tasks[i], nil
}

func (f *fakeECS) StopTask(ctx context.Context, in *ecs.StopTaskInput, _ ...func(*ecs.Options)) (*ecs.StopTaskOutput, error) {
	f.gotStop = append(f.gotStop, in)
	f.stopCtxErr = ctx.Err()
	if f.stopErr != nil {
		return nil, f.stopErr
	}
	return &ecs.StopTaskOutput{}, nil
}

// The values of a dev stack the tests share.
const (
	taskARN    = "arn:aws:ecs:eu-west-1:123456789012:task/dev/0123456789abcdef0123456789abcdef"
	devOutputs = `{
		"ecsClusterName": "dev",
		"jobTaskDefinitions": {
			"backend/migrate": "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7",
			"worker/reindex": "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-worker-reindex:3"
		},
		"ecsServiceNames": {"backend": "dev-backend-1a2b3c4", "worker": "dev-worker-5d6e7f8"},
		"internalUrl": "https://internal.dev.example.com"
	}`
	stoppedReason = "Essential container in task exited"
)

// backendService is DescribeServices' answer for the backend's service.
func backendService() *ecs.DescribeServicesOutput {
	return &ecs.DescribeServicesOutput{Services: []types.Service{{
		ServiceName: aws.String("dev-backend-1a2b3c4"),
		Status:      aws.String("ACTIVE"),
		NetworkConfiguration: &types.NetworkConfiguration{AwsvpcConfiguration: &types.AwsVpcConfiguration{
			Subnets:        []string{"subnet-0aaa1111", "subnet-0bbb2222"},
			SecurityGroups: []string{"sg-0ccc3333"},
			AssignPublicIp: types.AssignPublicIpDisabled,
		}},
	}}}
}

// started is RunTask's answer: one task.
func started() *ecs.RunTaskOutput {
	return &ecs.RunTaskOutput{Tasks: []types.Task{{TaskArn: aws.String(taskARN), LastStatus: aws.String("PROVISIONING")}}}
}

// status is a DescribeTasks answer with the task in status.
func status(s string) *ecs.DescribeTasksOutput {
	return &ecs.DescribeTasksOutput{Tasks: []types.Task{{TaskArn: aws.String(taskARN), LastStatus: aws.String(s)}}}
}

// stopped is a DescribeTasks answer with the task stopped and containers.
func stopped(containers ...types.Container) *ecs.DescribeTasksOutput {
	return &ecs.DescribeTasksOutput{Tasks: []types.Task{{
		TaskArn:       aws.String(taskARN),
		LastStatus:    aws.String("STOPPED"),
		StopCode:      types.TaskStopCodeEssentialContainerExited,
		StoppedReason: aws.String(stoppedReason),
		Containers:    containers,
	}}}
}

// container is a stopped container; a nil code means it never ran.
func container(name string, code *int32, reason string) types.Container {
	c := types.Container{Name: aws.String(name), ExitCode: code, LastStatus: aws.String("STOPPED")}
	if reason != "" {
		c.Reason = aws.String(reason)
	}
	return c
}

// writeOutputs writes the outputs JSON to a file and returns its path.
func writeOutputs(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "outputs.json")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// clients returns a NewClient that hands out f and records the regions
// it was asked for.
func clients(f *fakeECS, regions *[]string) NewClient {
	return func(_ context.Context, region string) (ECS, error) {
		*regions = append(*regions, region)
		return f, nil
	}
}
