package network

import (
	"github.com/refarch/refarch/components/awsenv"
)

// identity reads the account, region and partition of the provider the
// component was given, once, for key policies and endpoint service names.
func (b *builder) identity() error {
	if b.account != "" {
		return nil
	}
	env, err := awsenv.Lookup(b.ctx, b.child)
	if err != nil {
		return err
	}
	b.account, b.region, b.partition = env.Account, env.Region, env.Partition
	return nil
}
