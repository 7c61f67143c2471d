// Package awsenv reads where an AWS provider acts: its account, region and
// partition. Components need them for key and trust policies, ARNs and
// endpoint service names, and read them from the provider they were given
// (not from configuration), so a component is correct under any provider.
package awsenv

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Env is where a provider acts.
type Env struct {
	// Account is the 12-digit account id the credentials resolve to.
	Account string
	// Region is the provider's region.
	Region string
	// Partition is the ARN partition ("aws", "aws-us-gov", "aws-cn").
	Partition string
}

// Lookup reads the Env of the provider opts select (pass pulumi.Parent of
// the component to use the provider the component inherited, or
// pulumi.Provider). It makes three synchronous invokes.
func Lookup(ctx *pulumi.Context, opts ...pulumi.InvokeOption) (Env, error) {
	caller, err := aws.GetCallerIdentity(ctx, &aws.GetCallerIdentityArgs{}, opts...)
	if err != nil {
		return Env{}, fmt.Errorf("reading the account id: %w", err)
	}
	region, err := aws.GetRegion(ctx, &aws.GetRegionArgs{}, opts...)
	if err != nil {
		return Env{}, fmt.Errorf("reading the region: %w", err)
	}
	partition, err := aws.GetPartition(ctx, &aws.GetPartitionArgs{}, opts...)
	if err != nil {
		return Env{}, fmt.Errorf("reading the partition: %w", err)
	}
	return Env{Account: caller.AccountId, Region: region.Name, Partition: partition.Partition}, nil
}
