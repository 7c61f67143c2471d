package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// dataOut is what the data stores hand the services.
type dataOut struct {
	// ClientSecurityGroupID is the group a service joins to be admitted by
	// the data stores' security groups.
	ClientSecurityGroupID pulumi.StringInput
	// DatabaseAddress and DatabasePort locate the Postgres writer.
	DatabaseAddress pulumi.StringInput
	DatabasePort    pulumi.IntInput
	// DatabaseSecretARN is the Secrets Manager secret of the master user.
	DatabaseSecretARN pulumi.StringInput
	// CacheEndpoint is the Memcached configuration endpoint (host:port).
	CacheEndpoint pulumi.StringInput
}

// deployData creates Postgres and Memcached in the data subnets.
func deployData(ctx *pulumi.Context, c *Config, p *Providers, a *parts) error {
	return nil
}
