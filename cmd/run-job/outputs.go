package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/refarch/refarch/cmd/internal/stackoutputs"
)

// The stack outputs run-job reads, exported by stacks/platformpart
// (OutputClusterName, OutputJobTaskDefinitions, OutputECSServiceNames); they
// are repeated here so the command does not build the Pulumi program.
const (
	// outputCluster is the ECS cluster's name.
	outputCluster = "ecsClusterName"
	// outputJobs maps "<service>/<job>" to the job's task definition ARN.
	outputJobs = "jobTaskDefinitions"
	// outputServices maps a service's name to its ECS service's name.
	// Stacks older than this output lack it: -service names the ECS
	// service then.
	outputServices = "ecsServiceNames"
)

// Outputs is the JSON object of `pulumi stack output --json`
// (stackoutputs.Outputs), with the job's resolution.
type Outputs stackoutputs.Outputs

// ParseOutputs decodes the JSON of `pulumi stack output --json`, read
// from the file name (for the error).
func ParseOutputs(name string, data []byte) (Outputs, error) {
	o, err := stackoutputs.Parse(name, data)
	return Outputs(o), err
}

// Job is one run of a service's one-off job: what RunTask needs, the
// network configuration aside (that is the ECS service's).
type Job struct {
	// Name is "<service>/<job>", the key in jobTaskDefinitions.
	Name string
	// TaskDefinition is the job's task definition ARN.
	TaskDefinition string
	// Region is the task definition's region, where the cluster is.
	Region string
	// Cluster is the ECS cluster's name.
	Cluster string
	// Service is the name of the ECS service whose network configuration
	// the task uses.
	Service string
}

// errNoService is returned by Resolve when neither -service nor the
// outputs name the ECS service; it is a usage error.
var errNoService = fmt.Errorf("outputs have no %s: pass -service <ECS service name>", outputServices)

// Resolve finds job ("<service>/<job>") in the outputs. service is the ECS
// service's name from -service; when empty, ecsServiceNames["<service>"]
// names it. It refuses, naming the key, a missing or mistyped output and a
// job or service the outputs do not hold, listing the ones they do.
func (o Outputs) Resolve(job, service string) (Job, error) {
	svc, _, ok := strings.Cut(job, "/")
	if !ok || svc == "" {
		return Job{}, fmt.Errorf("job %q is not <service>/<job>", job)
	}
	var cluster string
	if err := o.decode(outputCluster, &cluster, "a string"); err != nil {
		return Job{}, err
	}
	if cluster == "" {
		return Job{}, fmt.Errorf("outputs key %s is empty", outputCluster)
	}
	var jobs map[string]string
	if err := o.decode(outputJobs, &jobs, `an object of "<service>/<job>": task definition ARN`); err != nil {
		return Job{}, err
	}
	taskDef, ok := jobs[job]
	if !ok {
		return Job{}, fmt.Errorf("outputs key %s has no job %q; its jobs: %s", outputJobs, job, list(jobs))
	}
	region, err := taskDefinitionRegion(taskDef)
	if err != nil {
		return Job{}, fmt.Errorf("outputs key %s[%q]: %w", outputJobs, job, err)
	}
	if service == "" {
		if _, present := o[outputServices]; !present {
			return Job{}, errNoService
		}
		var services map[string]string
		if err := o.decode(outputServices, &services, "an object of service: ECS service name"); err != nil {
			return Job{}, err
		}
		if service = services[svc]; service == "" {
			return Job{}, fmt.Errorf("outputs key %s has no service %q (pass -service); its services: %s", outputServices, svc, list(services))
		}
	}
	return Job{Name: job, TaskDefinition: taskDef, Region: region, Cluster: cluster, Service: service}, nil
}

// decode decodes the output key into v, which is what want describes.
func (o Outputs) decode(key string, v any, want string) error {
	return stackoutputs.Outputs(o).Decode(key, v, want)
}

// taskDefinitionRegion returns the region of an ECS task definition ARN,
// arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html#ecs-resource-ids
func taskDefinitionRegion(s string) (string, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a task definition ARN: %w", s, err)
	}
	if a.Service != "ecs" || !strings.HasPrefix(a.Resource, "task-definition/") || a.Region == "" {
		return "", fmt.Errorf("%q is not an ECS task definition ARN", s)
	}
	return a.Region, nil
}

// list returns m's keys, sorted and comma-separated, or "(none)".
func list(m map[string]string) string {
	if len(m) == 0 {
		return "(none)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}
