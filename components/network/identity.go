package network

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
)

// identity reads the account, region and partition of the provider the
// component was given, once, for key policies and endpoint service names.
func (b *builder) identity() error {
	if b.account != "" {
		return nil
	}
	caller, err := aws.GetCallerIdentity(b.ctx, &aws.GetCallerIdentityArgs{}, b.child)
	if err != nil {
		return fmt.Errorf("reading the account id: %w", err)
	}
	region, err := aws.GetRegion(b.ctx, &aws.GetRegionArgs{}, b.child)
	if err != nil {
		return fmt.Errorf("reading the region: %w", err)
	}
	partition, err := aws.GetPartition(b.ctx, &aws.GetPartitionArgs{}, b.child)
	if err != nil {
		return fmt.Errorf("reading the partition: %w", err)
	}
	b.account, b.region, b.partition = caller.AccountId, region.Name, partition.Partition
	return nil
}
