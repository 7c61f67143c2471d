package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/cmd/internal/stackoutputs"
)

// The stack outputs the drill reads, exported by stacks/run.go
// (stack.OutputRegion), stacks/platformpart (OutputClusterName,
// OutputECSServiceNames) and stacks/datapart (OutputDatabaseAddress);
// repeated here, as in cmd/run-job, so the command does not build the
// Pulumi program (the tests compare them).
const (
	outputRegion          = "region"
	outputCluster         = "ecsClusterName"
	outputServices        = "ecsServiceNames"
	outputDatabaseAddress = "databaseAddress"
)

// namespace is stack.Namespace: the writer of stack s is
// "<namespace>-<s>-db" (stacks/datapart), an identifier fixed by the
// program, not an output.
const namespace = "refarch"

// Target is what the drill acts on.
type Target struct {
	// Stack is the stack's name.
	Stack string
	// Region is the stack's region.
	Region string
	// DBInstance is the writer's RDS identifier.
	DBInstance string
	// Address is the writer's DNS name (the databaseAddress output).
	Address string
	// Cluster is the ECS cluster's name.
	Cluster string
	// Service is the service's name (the probe's container).
	Service string
	// ECSService is its ECS service's name.
	ECSService string
}

// dbInstance is the writer's identifier in stack s.
func dbInstance(s string) string { return namespace + "-" + s + "-db" }

// resolve reads the outputs of file name (its content data) of stack s and
// the service whose task runs the probe. It refuses outputs that are not
// that stack's: the writer's address must be the instance's endpoint,
// "<identifier>.<…>.rds.amazonaws.com", so the outputs of stage never
// drive a failover of prod.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ConnectToInstance.html
func resolve(name string, data []byte, s, service string) (Target, error) {
	o, err := stackoutputs.Parse(name, data)
	if err != nil {
		return Target{}, err
	}
	t := Target{Stack: s, DBInstance: dbInstance(s), Service: service}
	for _, f := range []struct {
		key string
		v   *string
	}{{outputRegion, &t.Region}, {outputCluster, &t.Cluster}, {outputDatabaseAddress, &t.Address}} {
		if err := o.Decode(f.key, f.v, "a string"); err != nil {
			return Target{}, err
		}
		if *f.v == "" {
			return Target{}, fmt.Errorf("outputs key %s is empty", f.key)
		}
	}
	if !strings.HasPrefix(t.Address, t.DBInstance+".") {
		return Target{}, fmt.Errorf("outputs key %s is %q, not an address of %s: are these the outputs of stack %s?", outputDatabaseAddress, t.Address, t.DBInstance, s)
	}
	var services map[string]string
	if err := o.Decode(outputServices, &services, "an object of service: ECS service name"); err != nil {
		return Target{}, err
	}
	if t.ECSService = services[service]; t.ECSService == "" {
		keys := make([]string, 0, len(services))
		for k := range services {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return Target{}, fmt.Errorf("outputs key %s has no service %q; its services: %s", outputServices, service, strings.Join(keys, ", "))
	}
	return t, nil
}
