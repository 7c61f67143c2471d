// Package memcached provides Memcached, an ElastiCache for Memcached cluster
// in the private data tier, encrypted in transit and reachable only from the
// security groups its caller names.
//
// What Memcached is not, said plainly because designs keep assuming it:
// Memcached has no replication, no automatic failover and no backups
// (node-based clusters also have no encryption at rest). Every node is an
// independent shard holding its own part of the keys; a node that fails or
// is replaced comes back empty. High availability therefore means nodes in
// several availability zones, so a zone outage loses only that zone's share
// of the cache, and clients that treat the cache as disposable: they spread
// keys with consistent hashing over the nodes (auto discovery through the
// configuration endpoint), tolerate a missing node as a cache miss, and
// never keep data there they cannot rebuild from the database.
// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SelectEngine.html
package memcached

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Memcached is an ElastiCache for Memcached cluster.
//
// What it creates, and why each default is what it is (Args documents each
// field):
//
//   - A cache subnet group over Args.SubnetIDs (the private data tier).
//   - A security group admitting Args.Port (default 11211) only from
//     Args.ClientSecurityGroupIDs, one rule each, with no egress rule and
//     never an address block.
//   - A parameter group of family memcached1.6 with Args.Parameters.
//   - The cluster: Memcached 1.6.22 by default (at least 1.6.12), with
//     in-transit encryption (TLS) on, Args.Nodes nodes (default 2) of
//     Args.NodeType (default cache.t4g.micro). With more than one node the
//     cluster is cross-az and the nodes are spread over
//     Args.AvailabilityZones in turn (NodeZones); one node is single-az.
//
// Not created, because Memcached cannot have them: replicas, failover,
// snapshots, encryption at rest (see the package comment). There is
// nothing stateful to protect: deleting the cluster loses only a cache.
type Memcached struct {
	pulumi.ResourceState

	// ConfigurationEndpoint is the cluster's configuration endpoint
	// ("host:port"); auto-discovery clients find every node through it.
	ConfigurationEndpoint pulumi.StringOutput `pulumi:"configurationEndpoint"`
	// Address is the configuration endpoint's DNS name.
	Address pulumi.StringOutput `pulumi:"address"`
	// NodeAddresses are the nodes' DNS names, in node order, for clients
	// without auto discovery.
	NodeAddresses pulumi.StringArrayOutput `pulumi:"nodeAddresses"`
	// Port is the port every node listens on.
	Port pulumi.IntOutput `pulumi:"port"`
	// SecurityGroupID is the cache's security group.
	SecurityGroupID pulumi.StringOutput `pulumi:"securityGroupId"`
	// ClusterID is the cluster's id (CloudWatch's CacheClusterId).
	ClusterID pulumi.StringOutput `pulumi:"clusterId"`
	// Nodes is the number of nodes (Args.Nodes, defaulted); their ids are
	// 0001, 0002, ….
	Nodes int
}

// NewMemcached creates a Memcached. It validates args before registering
// anything; pass the account's provider in opts.
func NewMemcached(ctx *pulumi.Context, name string, args *MemcachedArgs, opts ...pulumi.ResourceOption) (*Memcached, error) {
	if args == nil {
		args = &MemcachedArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("memcached arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("memcached %q: %w", name, err)
	}

	mc := &Memcached{Nodes: a.Nodes}
	if err := ctx.RegisterComponentResource("refarch:memcached:Memcached", name, mc, opts...); err != nil {
		return nil, err
	}
	if err := create(ctx, name, a, mc, pulumi.Parent(mc)); err != nil {
		return nil, fmt.Errorf("memcached %q: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(mc, pulumi.Map{
		"configurationEndpoint": mc.ConfigurationEndpoint,
		"address":               mc.Address,
		"nodeAddresses":         mc.NodeAddresses,
		"port":                  mc.Port,
		"securityGroupId":       mc.SecurityGroupID,
		"clusterId":             mc.ClusterID,
	}); err != nil {
		return nil, err
	}
	return mc, nil
}
