package memcached_test

import (
	"errors"
	"sort"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/memcached"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

const clusterType = "aws:elasticache/cluster:Cluster"

var zones = []string{"us-west-2a", "us-west-2b", "us-west-2c"}

func baseArgs() *memcached.MemcachedArgs {
	return &memcached.MemcachedArgs{
		VpcID:                  pulumi.String("vpc-0abc"),
		SubnetIDs:              pulumi.ToStringArray([]string{"subnet-0a", "subnet-0b", "subnet-0c"}),
		AvailabilityZones:      zones,
		ClientSecurityGroupIDs: []pulumi.StringInput{pulumi.String("sg-0client1")},
	}
}

type outputs struct {
	mu                      sync.Mutex
	endpoint, address, sgID string
	nodes                   []string
	port                    int
}

func run(t *testing.T, args *memcached.MemcachedArgs) (*offline.Plan, *outputs, error) {
	t.Helper()
	out := &outputs{}
	plan, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		mc, err := memcached.NewMemcached(ctx, "sessions", args, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		pulumi.All(mc.ConfigurationEndpoint, mc.Address, mc.SecurityGroupID, mc.NodeAddresses, mc.Port).ApplyT(func(v []any) error {
			out.mu.Lock()
			defer out.mu.Unlock()
			out.endpoint, out.address, out.sgID = v[0].(string), v[1].(string), v[2].(string)
			out.nodes, out.port = v[3].([]string), v[4].(int)
			return nil
		})
		return nil
	})
	return plan, out, err
}

func mustRun(t *testing.T, args *memcached.MemcachedArgs) (*offline.Plan, *outputs) {
	t.Helper()
	plan, out, err := run(t, args)
	require.NoError(t, err)
	return plan, out
}

func TestClusterIsEncryptedInTransitAndSpreadAcrossZones(t *testing.T) {
	args := baseArgs()
	args.Nodes = 4
	plan, out := mustRun(t, args)
	c := plan.Find(clusterType, "sessions")
	require.NotNil(t, c)
	assert.Equal(t, "memcached", c.String("engine"))
	assert.Equal(t, "1.6.22", c.String("engineVersion"))
	assert.True(t, c.Bool("transitEncryptionEnabled"), "TLS on")
	assert.Equal(t, 4, c.Int("numCacheNodes"))
	assert.Equal(t, "cross-az", c.String("azMode"))
	assert.Equal(t, []string{"us-west-2a", "us-west-2b", "us-west-2c", "us-west-2a"}, c.Strings("preferredAvailabilityZones"))
	assert.Equal(t, "cache.t4g.micro", c.String("nodeType"))
	assert.Equal(t, 11211, c.Int("port"))

	subnets := plan.Find("aws:elasticache/subnetGroup:SubnetGroup", "sessions")
	params := plan.Find("aws:elasticache/parameterGroup:ParameterGroup", "sessions")
	sg := plan.Find("aws:ec2/securityGroup:SecurityGroup", "sessions")
	require.NotNil(t, subnets)
	require.NotNil(t, params)
	require.NotNil(t, sg)
	assert.Equal(t, subnets.Output("name"), c.Get("subnetGroupName"))
	assert.Equal(t, []string{"subnet-0a", "subnet-0b", "subnet-0c"}, subnets.Strings("subnetIds"))
	assert.Equal(t, params.Output("name"), c.Get("parameterGroupName"))
	assert.Equal(t, "memcached1.6", params.String("family"))
	assert.Equal(t, []string{sg.ID}, c.Strings("securityGroupIds"))

	// No backups, replicas or snapshots are asked of an engine without them.
	for _, absent := range []string{"snapshotRetentionLimit", "snapshotWindow", "finalSnapshotIdentifier", "replicationGroupId"} {
		assert.False(t, c.Has(absent), absent)
	}

	assert.Equal(t, c.Output("configurationEndpoint"), out.endpoint)
	assert.Regexp(t, `^sessions-[0-9a-f]{7}\.[0-9a-f]{6}\.cfg\.usw2\.cache\.amazonaws\.com:11211$`, out.endpoint)
	assert.Equal(t, c.Output("clusterAddress"), out.address)
	assert.Len(t, out.nodes, 4)
	assert.Equal(t, 11211, out.port)
	assert.Equal(t, sg.ID, out.sgID)
}

func TestOneNodeIsSingleAZ(t *testing.T) {
	args := baseArgs()
	args.Nodes = 1
	args.AvailabilityZones = nil // not needed with one node
	plan, _ := mustRun(t, args)
	c := plan.Find(clusterType, "sessions")
	require.NotNil(t, c)
	assert.Equal(t, "single-az", c.String("azMode"))
	assert.False(t, c.Has("preferredAvailabilityZones"))
	assert.True(t, c.Bool("transitEncryptionEnabled"))
}

func TestSecurityGroupAdmitsOnlyTheNamedGroups(t *testing.T) {
	args := baseArgs()
	args.ClientSecurityGroupIDs = append(args.ClientSecurityGroupIDs, pulumi.String("sg-0client2"))
	plan, _ := mustRun(t, args)
	sg := plan.Find("aws:ec2/securityGroup:SecurityGroup", "sessions")
	require.NotNil(t, sg)
	assert.Empty(t, sg.List("ingress"))
	assert.Empty(t, sg.List("egress"))
	var sources []string
	for _, rule := range plan.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		require.Equal(t, sg.ID, rule.String("securityGroupId"))
		assert.Equal(t, "tcp", rule.String("ipProtocol"))
		assert.Equal(t, 11211, rule.Int("fromPort"))
		assert.Equal(t, 11211, rule.Int("toPort"))
		assert.False(t, rule.Has("cidrIpv4") || rule.Has("cidrIpv6") || rule.Has("prefixListId"), "never an address block")
		sources = append(sources, rule.String("referencedSecurityGroupId"))
	}
	sort.Strings(sources)
	assert.Equal(t, []string{"sg-0client1", "sg-0client2"}, sources)

	// Each client group gets its way out to the cache, and nothing more.
	var egress []string
	for _, rule := range plan.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") {
		assert.Equal(t, sg.ID, rule.String("referencedSecurityGroupId"), "clients reach the cache's group only")
		assert.Equal(t, 11211, rule.Int("fromPort"))
		assert.Equal(t, 11211, rule.Int("toPort"))
		egress = append(egress, rule.String("securityGroupId"))
	}
	sort.Strings(egress)
	assert.Equal(t, []string{"sg-0client1", "sg-0client2"}, egress)
}

func TestParametersAreSetInTheGroup(t *testing.T) {
	args := baseArgs()
	args.Parameters = map[string]string{"max_item_size": "2097152", "chunk_size_growth_factor": "1.1"}
	plan, _ := mustRun(t, args)
	params := plan.Find("aws:elasticache/parameterGroup:ParameterGroup", "sessions")
	require.NotNil(t, params)
	assert.Equal(t, []any{
		map[string]any{"name": "chunk_size_growth_factor", "value": "1.1"},
		map[string]any{"name": "max_item_size", "value": "2097152"},
	}, params.List("parameters"))
}

func TestValidateRejectsEachRule(t *testing.T) {
	cases := []struct {
		name, field string
		mutate      func(a *memcached.MemcachedArgs)
	}{
		{"no vpc", "Args.VpcID", func(a *memcached.MemcachedArgs) { a.VpcID = nil }},
		{"no subnets", "Args.SubnetIDs", func(a *memcached.MemcachedArgs) { a.SubnetIDs = nil }},
		{"no clients", "Args.ClientSecurityGroupIDs", func(a *memcached.MemcachedArgs) { a.ClientSecurityGroupIDs = nil }},
		{"nil client", "Args.ClientSecurityGroupIDs[0]", func(a *memcached.MemcachedArgs) { a.ClientSecurityGroupIDs = []pulumi.StringInput{nil} }},
		{"node type", "Args.NodeType", func(a *memcached.MemcachedArgs) { a.NodeType = "db.t4g.micro" }},
		{"too many nodes", "Args.Nodes", func(a *memcached.MemcachedArgs) { a.Nodes = 41 }},
		{"negative nodes", "Args.Nodes", func(a *memcached.MemcachedArgs) { a.Nodes = -1 }},
		{"cross-az needs zones", "Args.AvailabilityZones", func(a *memcached.MemcachedArgs) { a.AvailabilityZones = []string{"us-west-2a"} }},
		{"zone twice", "Args.AvailabilityZones", func(a *memcached.MemcachedArgs) { a.AvailabilityZones = []string{"us-west-2a", "us-west-2a"} }},
		{"no tls before 1.6.12", "Args.EngineVersion", func(a *memcached.MemcachedArgs) { a.EngineVersion = "1.6.6" }},
		{"older family", "Args.EngineVersion", func(a *memcached.MemcachedArgs) { a.EngineVersion = "1.5.16" }},
		{"partial version", "Args.EngineVersion", func(a *memcached.MemcachedArgs) { a.EngineVersion = "1.6" }},
		{"other family", "Args.EngineVersion", func(a *memcached.MemcachedArgs) { a.EngineVersion = "2.0.0" }},
		{"port", "Args.Port", func(a *memcached.MemcachedArgs) { a.Port = 80 }},
		{"window format", "Args.MaintenanceWindow", func(a *memcached.MemcachedArgs) { a.MaintenanceWindow = "sun 5am" }},
		{"window short", "Args.MaintenanceWindow", func(a *memcached.MemcachedArgs) { a.MaintenanceWindow = "sun:05:00-sun:05:30" }},
		{"empty parameter", "Args.Parameters[max_item_size]", func(a *memcached.MemcachedArgs) { a.Parameters = map[string]string{"max_item_size": ""} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(args)
			plan, _, err := run(t, args)
			var verr *validate.Error
			require.True(t, errors.As(err, &verr), "expected a validation error, got %v", err)
			assert.True(t, verr.Has(tc.field), "want a problem on %s, got:\n%v", tc.field, err)
			assert.Empty(t, plan.ByType(clusterType), "nothing is registered")
			assert.Nil(t, plan.Find("refarch:memcached:Memcached", "sessions"))
		})
	}
}

func TestWindowAcrossTheWeekEnd(t *testing.T) {
	args := baseArgs()
	args.MaintenanceWindow = "sun:23:30-mon:00:30"
	plan, _ := mustRun(t, args)
	assert.Equal(t, "sun:23:30-mon:00:30", plan.Find(clusterType, "sessions").String("maintenanceWindow"))
}

func TestNameMustFitTheClusterID(t *testing.T) {
	for name, ok := range map[string]bool{
		"sessions": true, "refarch-prod-cache": true,
		"Sessions": false, "sessions-": false, "a--b": false, "9lives": false,
		"a234567890123456789012345678901234567890":  true,
		"a2345678901234567890123456789012345678901": false,
	} {
		assert.Equal(t, ok, memcached.CheckName(name) == "", name)
	}
}

func TestNodeZones(t *testing.T) {
	assert.Equal(t, []string{"a", "b", "a"}, memcached.NodeZones([]string{"a", "b"}, 3))
	assert.Equal(t, []string{"a", "b"}, memcached.NodeZones([]string{"a", "b", "c"}, 2))
}

// TestPlacementKeepsElastiCachesZoneRules checks every node count against
// the two combinations ElastiCache refuses: cross-az with one node, and a
// preferred zone count other than the node count.
func TestPlacementKeepsElastiCachesZoneRules(t *testing.T) {
	zones := []string{"us-west-2a", "us-west-2b", "us-west-2c"}
	for n := 1; n <= memcached.MaxNodes; n++ {
		mode, preferred := memcached.Placement(zones, n)
		if n == 1 {
			assert.Equal(t, memcached.SingleAZ, mode)
			assert.Empty(t, preferred)
			continue
		}
		assert.Equal(t, memcached.CrossAZ, mode, "%d nodes", n)
		assert.Len(t, preferred, n, "one preferred zone per node")
		for _, z := range preferred {
			assert.Contains(t, zones, z, "a zone of the subnets")
		}
	}
	mode, preferred := memcached.Placement(nil, 3)
	assert.Equal(t, memcached.SingleAZ, mode, "without zones there is nothing to spread over")
	assert.Empty(t, preferred)
}

// TestRulesNameTheAWSPage checks the refusals of what ElastiCache refuses
// cite the page that says so.
func TestRulesNameTheAWSPage(t *testing.T) {
	assert.Contains(t, memcached.CheckEngineVersion("1.6.6"), "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html")
	assert.Contains(t, memcached.CheckNodes(41), "https://www.pulumi.com/registry/packages/aws/api-docs/elasticache/cluster/")
}
