package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/backup"
	backuptypes "github.com/aws/aws-sdk-go-v2/service/backup/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// fakeBackup holds restore testing plans and restore jobs and answers as
// AWS Backup documents: DescribeRestoreJob of an unknown id is
// ResourceNotFoundException; PutRestoreValidationResult is accepted only
// for a COMPLETED job and records the status on it; ListRestoreJobs
// filters by plan ARN and status, and pages by pageSize with NextToken.
// Sources: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRestoreJob.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_PutRestoreValidationResult.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListRestoreJobs.html,
// https://docs.aws.amazon.com/aws-backup/latest/devguide/API_GetRestoreTestingPlan.html
type fakeBackup struct {
	mu       sync.Mutex
	plans    map[string]backuptypes.RestoreTestingPlanForGet
	jobs     []*backup.DescribeRestoreJobOutput
	planOf   map[string]string // job id → plan ARN
	pageSize int
	calls    []string
}

func newFakeBackup() *fakeBackup {
	return &fakeBackup{plans: map[string]backuptypes.RestoreTestingPlanForGet{}, planOf: map[string]string{}, pageSize: 2}
}

func (f *fakeBackup) addPlan(name string, created time.Time) string {
	arn := "arn:aws:backup:us-west-2:123456789012:restore-testing-plan:" + name + "-abc"
	f.plans[name] = backuptypes.RestoreTestingPlanForGet{RestoreTestingPlanName: aws.String(name), RestoreTestingPlanArn: aws.String(arn), CreationTime: aws.Time(created)}
	return arn
}

func (f *fakeBackup) addJob(planARN string, job *backup.DescribeRestoreJobOutput) {
	f.jobs = append(f.jobs, job)
	f.planOf[aws.ToString(job.RestoreJobId)] = planARN
}

func (f *fakeBackup) job(id string) *backup.DescribeRestoreJobOutput {
	for _, j := range f.jobs {
		if aws.ToString(j.RestoreJobId) == id {
			return j
		}
	}
	return nil
}

func (f *fakeBackup) DescribeRestoreJob(_ context.Context, in *backup.DescribeRestoreJobInput, _ ...func(*backup.Options)) (*backup.DescribeRestoreJobOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "DescribeRestoreJob")
	j := f.job(aws.ToString(in.RestoreJobId))
	if j == nil {
		return nil, &backuptypes.ResourceNotFoundException{Message: aws.String("no restore job " + aws.ToString(in.RestoreJobId))}
	}
	out := *j
	return &out, nil
}

func (f *fakeBackup) PutRestoreValidationResult(_ context.Context, in *backup.PutRestoreValidationResultInput, _ ...func(*backup.Options)) (*backup.PutRestoreValidationResultOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "PutRestoreValidationResult")
	j := f.job(aws.ToString(in.RestoreJobId))
	switch {
	case j == nil:
		return nil, &backuptypes.ResourceNotFoundException{Message: aws.String("no restore job")}
	case j.Status != backuptypes.RestoreJobStatusCompleted:
		return nil, &backuptypes.InvalidRequestException{Message: aws.String("the restore job is " + string(j.Status))}
	case in.ValidationStatus == "":
		return nil, &backuptypes.MissingParameterValueException{Message: aws.String("ValidationStatus")}
	}
	j.ValidationStatus, j.ValidationStatusMessage = in.ValidationStatus, in.ValidationStatusMessage
	return &backup.PutRestoreValidationResultOutput{}, nil
}

func (f *fakeBackup) GetRestoreTestingPlan(_ context.Context, in *backup.GetRestoreTestingPlanInput, _ ...func(*backup.Options)) (*backup.GetRestoreTestingPlanOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "GetRestoreTestingPlan")
	p, ok := f.plans[aws.ToString(in.RestoreTestingPlanName)]
	if !ok {
		return nil, &backuptypes.ResourceNotFoundException{Message: aws.String("no plan " + aws.ToString(in.RestoreTestingPlanName))}
	}
	return &backup.GetRestoreTestingPlanOutput{RestoreTestingPlan: &p}, nil
}

func (f *fakeBackup) ListRestoreJobs(_ context.Context, in *backup.ListRestoreJobsInput, _ ...func(*backup.Options)) (*backup.ListRestoreJobsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ListRestoreJobs")
	var all []backuptypes.RestoreJobsListMember
	for _, j := range f.jobs {
		if in.ByRestoreTestingPlanArn != nil && f.planOf[aws.ToString(j.RestoreJobId)] != *in.ByRestoreTestingPlanArn {
			continue
		}
		if in.ByStatus != "" && j.Status != in.ByStatus {
			continue
		}
		all = append(all, backuptypes.RestoreJobsListMember{RestoreJobId: j.RestoreJobId, Status: j.Status, CompletionDate: j.CompletionDate, ValidationStatus: j.ValidationStatus})
	}
	start := 0
	if in.NextToken != nil {
		if _, err := fmt.Sscanf(*in.NextToken, "page-%d", &start); err != nil {
			return nil, &backuptypes.InvalidParameterValueException{Message: aws.String("bad NextToken")}
		}
	}
	end := min(start+f.pageSize, len(all))
	out := &backup.ListRestoreJobsOutput{RestoreJobs: all[start:end]}
	if end < len(all) {
		out.NextToken = aws.String(fmt.Sprintf("page-%d", end))
	}
	return out, nil
}

// fakeRDS holds DB instances by ARN; DescribeDBInstances accepts an
// identifier or an ARN and answers DBInstanceNotFoundFault otherwise.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html
type fakeRDS struct {
	instances map[string]rdstypes.DBInstance
}

func (f *fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	id := aws.ToString(in.DBInstanceIdentifier)
	for arn, inst := range f.instances {
		if arn == id || aws.ToString(inst.DBInstanceIdentifier) == id {
			return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{inst}}, nil
		}
	}
	return nil, &rdstypes.DBInstanceNotFoundFault{Message: aws.String("DBInstance " + id + " not found")}
}

// fakeSecrets holds one secret's versions by stage; a stage no version
// holds is ResourceNotFoundException, as Secrets Manager answers.
// Source: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
type fakeSecrets struct {
	arn    string
	stages map[string]string
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if aws.ToString(in.SecretId) != f.arn {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("no secret " + aws.ToString(in.SecretId))}
	}
	stage := aws.ToString(in.VersionStage)
	if stage == "" {
		stage = "AWSCURRENT"
	}
	v, ok := f.stages[stage]
	if !ok {
		return nil, &smtypes.ResourceNotFoundException{Message: aws.String("no version with stage " + stage)}
	}
	return &secretsmanager.GetSecretValueOutput{ARN: aws.String(f.arn), SecretString: aws.String(v)}, nil
}

// fakeCloudWatch records PutMetricData calls, refusing what CloudWatch
// refuses: no namespace, more than 1000 data, a datum without a value.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
type fakeCloudWatch struct {
	mu    sync.Mutex
	calls []*cloudwatch.PutMetricDataInput
}

func (f *fakeCloudWatch) PutMetricData(_ context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.Namespace) == "" || len(in.MetricData) == 0 || len(in.MetricData) > 1000 {
		return nil, fmt.Errorf("InvalidParameterValue: namespace and 1-1000 data are required")
	}
	for _, d := range in.MetricData {
		if d.Value == nil {
			return nil, fmt.Errorf("InvalidParameterCombination: a datum needs Value")
		}
	}
	f.calls = append(f.calls, in)
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// values are the published values by metric name, with their dimension.
func (f *fakeCloudWatch) values() map[string]float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]float64{}
	for _, c := range f.calls {
		for _, d := range c.MetricData {
			out[aws.ToString(d.MetricName)] = aws.ToFloat64(d.Value)
		}
	}
	return out
}

// dimensions are every datum's dimensions, as name=value.
func (f *fakeCloudWatch) dimensions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		for _, d := range c.MetricData {
			for _, dim := range d.Dimensions {
				out = append(out, aws.ToString(dim.Name)+"="+aws.ToString(dim.Value))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
