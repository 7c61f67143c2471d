package cost_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/cost"
	"github.com/refarch/refarch/offline"
)

// The hand-made records below are priced with testPrices, a table of round
// prices, so every expected amount is worked out by hand in the tests, with
// a month of 730 hours.

const (
	westProvider = "urn:pulumi:x::p::pulumi:providers:aws::west"
	eastProvider = "urn:pulumi:x::p::pulumi:providers:aws::east"
	westRef      = westProvider + "::11111111-0000-4000-8000-000000000000"
	eastRef      = eastProvider + "::22222222-0000-4000-8000-000000000000"
	root         = "urn:pulumi:x::p::pulumi:pulumi:Stack::p-x"
)

func testPrices() *cost.Prices {
	west := func(key, unit string, usd float64) cost.Price {
		return cost.Price{Region: "us-west-2", Key: key, Unit: unit, USD: usd, Description: key, Source: "https://aws.amazon.com/test/pricing/"}
	}
	east := func(key, unit string, usd float64) cost.Price {
		p := west(key, unit, usd)
		p.Region = "us-east-1"
		return p
	}
	return &cost.Prices{
		Date:          "2026-12-02",
		Currency:      "USD",
		Note:          "round test prices",
		HoursPerMonth: 730,
		DefaultRegion: "us-west-2",
		Prices: []cost.Price{
			west("vpc.natGateway.hour", "hour", 0.05),
			west("vpc.natGateway.gb", "GB", 0.05),
			west("vpc.publicIPv4.hour", "hour", 0.005),
			west("elb.alb.hour", "hour", 0.02),
			west("elb.alb.lcu", "LCU-hour", 0.01),
			west("fargate.linux.arm64.ondemand.vcpu", "vCPU-hour", 0.04),
			west("fargate.linux.arm64.ondemand.gb", "GB-hour", 0.004),
			west("fargate.linux.arm64.spot.vcpu", "vCPU-hour", 0.01),
			west("fargate.linux.arm64.spot.gb", "GB-hour", 0.001),
			west("fargate.linux.x86.ondemand.vcpu", "vCPU-hour", 0.05),
			west("fargate.linux.x86.ondemand.gb", "GB-hour", 0.005),
			west("rds.postgres.db.test.large", "hour", 0.10),
			west("rds.storage.gp3", "GB-month", 0.10),
			west("rds.storage.gp2", "GB-month", 0.20),
			west("elasticache.cache.test.small", "hour", 0.02),
			west("kms.key", "key-month", 1.00),
			west("kms.requests", "10,000 requests", 0.03),
			east("kms.key", "key-month", 2.00),
			east("kms.requests", "10,000 requests", 0.03),
			west("cloudwatch.alarm.standard", "alarm-metric-month", 0.10),
			west("cloudwatch.alarm.highres", "alarm-metric-month", 0.30),
			west("logs.ingest", "GB", 0.50),
			west("logs.storage", "GB-month", 0.03),
			west("lambda.requests", "million requests", 0.20),
			west("lambda.duration.arm64", "GB-second", 0.00001),
			west("scheduler.invocations", "million invocations", 1.00),
		},
		Usage: []cost.Usage{
			{Key: "nat.dataGBPerVpc", Value: 100, Unit: "GB-month per VPC", Description: "NAT data"},
			{Key: "alb.lcuPerHour", Value: 1, Unit: "LCU per ALB-hour", Description: "ALB LCUs"},
			{Key: "kms.requestsPerKey", Value: 10000, Unit: "requests a month per key", Description: "KMS requests"},
			{Key: "logs.ingestGBPerGroup", Value: 2, Unit: "GB-month per log group", Description: "log ingestion"},
			{Key: "logs.flowLogGBPerVpc", Value: 10, Unit: "GB-month per flow log destination", Description: "flow logs"},
			{Key: "logs.storedMonths", Value: 12, Unit: "months", Description: "months kept"},
			{Key: "lambda.invocationsPerFunction", Value: 1000000, Unit: "invocations a month", Description: "invocations"},
			{Key: "lambda.avgDurationMs", Value: 100, Unit: "ms", Description: "duration"},
		},
		Free: []cost.FreeType{
			{Type: "aws:iam/role:Role", Note: "IAM has no charge"},
			{Type: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", Note: "no charge"},
		},
	}
}

// res makes a record: a cloud resource for an aws type, a local component
// for a refarch type, a remote component for an awsx type.
func res(typ, name, parent string, inputs map[string]any) *offline.Resource {
	if parent == "" {
		parent = root
	}
	r := &offline.Resource{
		URN:    "urn:pulumi:x::p::" + typ + "::" + name,
		Type:   typ,
		Name:   name,
		Parent: parent,
		Inputs: inputs,
	}
	switch {
	case strings.HasPrefix(typ, "refarch:"):
		r.Providers = map[string]string{"aws": westRef}
	case strings.HasPrefix(typ, "awsx:"):
		r.Remote = true
		r.Providers = map[string]string{"aws": westRef}
	default:
		r.Custom = true
		r.Provider = westRef
	}
	return r
}

func providers() []*offline.Resource {
	return []*offline.Resource{
		{URN: westProvider, Type: "pulumi:providers:aws", Name: "west", Parent: root, Custom: true, Inputs: map[string]any{"region": "us-west-2"}},
		{URN: eastProvider, Type: "pulumi:providers:aws", Name: "east", Parent: root, Custom: true, Inputs: map[string]any{"region": "us-east-1"}},
	}
}

func planOf(resources ...*offline.Resource) *offline.Plan {
	return &offline.Plan{Project: "p", Stack: "x", Resources: append(providers(), resources...)}
}

// handPlan is one of each: a VPC with a single NAT gateway over 2 AZs, an
// internet-facing ALB in 2 subnets, a Fargate service of 2 ARM64 tasks of
// 0.5 vCPU and 1 GB, half on Spot, a Multi-AZ RDS instance of 100 GB with
// one read replica, 2 cache nodes, 3 KMS keys (one in us-east-1), 10
// alarms, and a free IAM role.
func handPlan() *offline.Plan {
	network := res("refarch:network:Network", "net", "", nil)
	lb := res("refarch:loadbalancer:LoadBalancer", "web", "", nil)
	cluster := res("refarch:ecscluster:EcsCluster", "apps", "", nil)
	svc := res("refarch:ecscluster:FargateService", "api", cluster.URN, nil)
	db := res("refarch:postgres:Postgres", "db", "", nil)
	cache := res("refarch:memcached:Memcached", "cache", "", nil)
	keys := res("refarch:keys:Keys", "keys", "", nil)
	eastKey := res("aws:kms/key:Key", "key-3", keys.URN, map[string]any{})
	eastKey.Provider = eastRef
	rs := []*offline.Resource{
		network, lb, cluster, svc, db, cache, keys,
		res("awsx:ec2:Vpc", "net", network.URN, map[string]any{
			"natGateways":           map[string]any{"strategy": "Single"},
			"availabilityZoneNames": []any{"us-west-2a", "us-west-2b"},
		}),
		res("aws:lb/loadBalancer:LoadBalancer", "web", lb.URN, map[string]any{
			"loadBalancerType": "application", "internal": false, "subnets": []any{"subnet-1", "subnet-2"},
		}),
		res("aws:ecs/cluster:Cluster", "apps", cluster.URN, map[string]any{}),
		res("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "apps", cluster.URN, map[string]any{
			"clusterName": "apps-1234567", "capacityProviders": []any{"FARGATE", "FARGATE_SPOT"},
		}),
		res("aws:ecs/service:Service", "api", svc.URN, map[string]any{
			"cluster":        "arn:aws:ecs:us-west-2:123456789012:cluster/apps-1234567",
			"taskDefinition": "arn:aws:ecs:us-west-2:123456789012:task-definition/api:1",
			"desiredCount":   2.0,
			"capacityProviderStrategies": []any{
				map[string]any{"capacityProvider": "FARGATE", "base": 0.0, "weight": 1.0},
				map[string]any{"capacityProvider": "FARGATE_SPOT", "base": 0.0, "weight": 1.0},
			},
		}),
		res("aws:ecs/taskDefinition:TaskDefinition", "api", svc.URN, map[string]any{
			"family": "api", "cpu": "512", "memory": "1024",
			"runtimePlatform": map[string]any{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
		}),
		res("aws:rds/instance:Instance", "db", db.URN, map[string]any{
			"identifier": "db", "engine": "postgres", "instanceClass": "db.test.large",
			"multiAz": true, "allocatedStorage": 100.0, "storageType": "gp3",
		}),
		res("aws:rds/instance:Instance", "db-replica", db.URN, map[string]any{
			"identifier": "db-replica", "replicateSourceDb": "db", "instanceClass": "db.test.large", "storageType": "gp3",
		}),
		res("aws:elasticache/cluster:Cluster", "cache", cache.URN, map[string]any{
			"engine": "memcached", "nodeType": "cache.test.small", "numCacheNodes": 2.0,
		}),
		res("aws:kms/key:Key", "key-1", keys.URN, map[string]any{}),
		res("aws:kms/key:Key", "key-2", keys.URN, map[string]any{}),
		eastKey,
		res("aws:iam/role:Role", "role", "", map[string]any{}),
	}
	for i := range 10 {
		rs = append(rs, res("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-"+string(rune('a'+i)), "", map[string]any{"period": 300.0}))
	}
	return planOf(rs...)
}

func urn(typ, name string) string { return "urn:pulumi:x::p::" + typ + "::" + name }

// find returns the line of a resource with a unit and unit price (unique
// in the hand-made plans), failing the test when there is none.
func find(t *testing.T, e *cost.Estimate, resource, unit string, unitPrice float64) cost.Line {
	t.Helper()
	for _, l := range e.Lines {
		if l.Resource == resource && l.Unit == unit && l.UnitPrice == unitPrice {
			return l
		}
	}
	require.Failf(t, "line not found", "%s %s × %v among %+v", resource, unit, unitPrice, e.Lines)
	return cost.Line{}
}

func TestEstimateHandMadePlan(t *testing.T) {
	e, err := cost.EstimateWith(handPlan(), testPrices())
	require.NoError(t, err)
	require.Empty(t, e.NotPriced)
	assert.Equal(t, "x", e.Stack)
	assert.Equal(t, "us-west-2", e.Region)
	assert.Equal(t, "2026-12-02", e.PriceDate)

	vpc := urn("awsx:ec2:Vpc", "net")
	alb := urn("aws:lb/loadBalancer:LoadBalancer", "web")
	api := urn("aws:ecs/service:Service", "api")
	db := urn("aws:rds/instance:Instance", "db")
	replica := urn("aws:rds/instance:Instance", "db-replica")
	cacheURN := urn("aws:elasticache/cluster:Cluster", "cache")
	tests := []struct {
		name           string
		resource, unit string
		unitPrice      float64
		quantity       float64
		monthly        float64
		component      string
	}{
		// Single strategy: 1 NAT gateway × 730 h = 730 h × 0.05 = 36.50
		{"NAT hours", vpc, "hour", 0.05, 730, 36.50, "refarch:network:Network net"},
		// assumed 100 GB × 0.05 = 5.00
		{"NAT data", vpc, "GB", 0.05, 100, 5.00, "refarch:network:Network net"},
		// the NAT gateway's Elastic IP: 1 × 730 h × 0.005 = 3.65
		{"NAT public IPv4", vpc, "hour", 0.005, 730, 3.65, "refarch:network:Network net"},
		// 730 h × 0.02 = 14.60
		{"ALB hours", alb, "hour", 0.02, 730, 14.60, "refarch:loadbalancer:LoadBalancer web"},
		// assumed 1 LCU × 730 h × 0.01 = 7.30
		{"ALB LCU", alb, "LCU-hour", 0.01, 730, 7.30, "refarch:loadbalancer:LoadBalancer web"},
		// internet-facing, 2 subnets: 2 × 730 h × 0.005 = 7.30
		{"ALB public IPv4", alb, "hour", 0.005, 1460, 7.30, "refarch:loadbalancer:LoadBalancer web"},
		// 2 tasks split 1:1: 1 task × 0.5 vCPU × 730 h = 365 vCPU-h × 0.04 = 14.60
		{"Fargate on-demand vCPU", api, "vCPU-hour", 0.04, 365, 14.60, "refarch:ecscluster:EcsCluster apps"},
		// 1 task × 1 GB × 730 h = 730 GB-h × 0.004 = 2.92
		{"Fargate on-demand GB", api, "GB-hour", 0.004, 730, 2.92, "refarch:ecscluster:EcsCluster apps"},
		// 1 Spot task × 0.5 vCPU × 730 h = 365 vCPU-h × 0.01 = 3.65
		{"Fargate Spot vCPU", api, "vCPU-hour", 0.01, 365, 3.65, "refarch:ecscluster:EcsCluster apps"},
		// 1 Spot task × 1 GB × 730 h = 730 GB-h × 0.001 = 0.73
		{"Fargate Spot GB", api, "GB-hour", 0.001, 730, 0.73, "refarch:ecscluster:EcsCluster apps"},
		// Multi-AZ: 2 × 730 h = 1460 h × 0.10 = 146.00
		{"RDS primary hours", db, "hour", 0.10, 1460, 146.00, "refarch:postgres:Postgres db"},
		// Multi-AZ: 100 GB × 2 = 200 GB-month × 0.10 = 20.00
		{"RDS primary storage", db, "GB-month", 0.10, 200, 20.00, "refarch:postgres:Postgres db"},
		// replica, Single-AZ: 730 h × 0.10 = 73.00
		{"RDS replica hours", replica, "hour", 0.10, 730, 73.00, "refarch:postgres:Postgres db"},
		// the source's 100 GB × 0.10 = 10.00
		{"RDS replica storage", replica, "GB-month", 0.10, 100, 10.00, "refarch:postgres:Postgres db"},
		// 2 nodes × 730 h = 1460 h × 0.02 = 29.20
		{"cache nodes", cacheURN, "hour", 0.02, 1460, 29.20, "refarch:memcached:Memcached cache"},
		// us-west-2 key: 1 × 1.00 = 1.00
		{"KMS key in us-west-2", urn("aws:kms/key:Key", "key-1"), "key-month", 1.00, 1, 1.00, "refarch:keys:Keys keys"},
		// us-east-1 key: 1 × 2.00 = 2.00
		{"KMS key in us-east-1", urn("aws:kms/key:Key", "key-3"), "key-month", 2.00, 1, 2.00, "refarch:keys:Keys keys"},
		// assumed 10,000 requests = 1 × 10,000 × 0.03 = 0.03
		{"KMS requests", urn("aws:kms/key:Key", "key-2"), "10,000 requests", 0.03, 1, 0.03, "refarch:keys:Keys keys"},
		// 1 alarm metric × 0.10 = 0.10
		{"alarm", urn("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm-a"), "alarm-metric-month", 0.10, 1, 0.10, cost.StackComponent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := find(t, e, tt.resource, tt.unit, tt.unitPrice)
			assert.InDelta(t, tt.quantity, l.Quantity, 1e-9)
			assert.InDelta(t, tt.monthly, l.Monthly, 1e-9)
			assert.Equal(t, tt.component, l.Component)
		})
	}
	assert.Equal(t, "us-east-1", find(t, e, urn("aws:kms/key:Key", "key-3"), "key-month", 2.00).Region)

	// 3 NAT + 3 ALB + 4 Fargate + 4 RDS + 1 cache + 3 keys + 3 KMS
	// requests + 10 alarms = 31 lines; nothing for the IAM role, the
	// capacity providers, the cluster (no Container Insights) or the
	// task definition a service runs.
	assert.Len(t, e.Lines, 31)

	// network 36.50 + 5.00 + 3.65 = 45.15; load balancer 14.60 + 7.30 +
	// 7.30 = 29.20; Fargate 14.60 + 2.92 + 3.65 + 0.73 = 21.90; RDS 146.00 +
	// 20.00 + 73.00 + 10.00 = 249.00; cache 29.20; keys 1.00 + 1.00 + 2.00 +
	// 3 × 0.03 = 4.09; alarms 10 × 0.10 = 1.00.
	// Total: 45.15 + 29.20 + 21.90 + 249.00 + 29.20 + 4.09 + 1.00 = 379.54.
	assert.InDelta(t, 379.54, e.Total, 1e-9)
	want := []cost.ComponentTotal{
		{Component: "refarch:postgres:Postgres db", Monthly: 249.00, Lines: 4},
		{Component: "refarch:network:Network net", Monthly: 45.15, Lines: 3},
		{Component: "refarch:loadbalancer:LoadBalancer web", Monthly: 29.20, Lines: 3},
		{Component: "refarch:memcached:Memcached cache", Monthly: 29.20, Lines: 1},
		{Component: "refarch:ecscluster:EcsCluster apps", Monthly: 21.90, Lines: 4},
		{Component: "refarch:keys:Keys keys", Monthly: 4.09, Lines: 6},
		{Component: cost.StackComponent, Monthly: 1.00, Lines: 10},
	}
	got := e.ByComponent()
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Component, got[i].Component, "component %d", i)
		assert.InDelta(t, want[i].Monthly, got[i].Monthly, 1e-9, want[i].Component)
		assert.Equal(t, want[i].Lines, got[i].Lines, want[i].Component)
	}
}

// fargatePlan is one service of 1 vCPU and 2 GB tasks with the given
// inputs, in cluster "apps" whose default strategy is clusterDefault.
func fargatePlan(arch string, service map[string]any, clusterDefault []any, minCapacity float64) *offline.Plan {
	svc := res("refarch:ecscluster:FargateService", "api", "", nil)
	service["cluster"] = "arn:aws:ecs:us-west-2:123456789012:cluster/apps"
	service["taskDefinition"] = "api:3"
	rs := []*offline.Resource{
		svc,
		res("aws:ecs/service:Service", "api", svc.URN, service),
		res("aws:ecs/taskDefinition:TaskDefinition", "api", svc.URN, map[string]any{
			"family": "api", "cpu": "1024", "memory": "2048",
			"runtimePlatform": map[string]any{"cpuArchitecture": arch},
		}),
		res("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "apps", "", map[string]any{
			"clusterName": "apps", "defaultCapacityProviderStrategies": clusterDefault,
		}),
	}
	if minCapacity > 0 {
		rs = append(rs, res("aws:appautoscaling/target:Target", "api", svc.URN, map[string]any{
			"serviceNamespace": "ecs", "scalableDimension": "ecs:service:DesiredCount",
			"resourceId": "service/apps/api-89abcde", "minCapacity": minCapacity, "maxCapacity": 10.0,
		}))
	}
	return planOf(rs...)
}

func strategy(entries ...any) []any {
	var out []any
	for i := 0; i+2 < len(entries); i += 3 {
		out = append(out, map[string]any{"capacityProvider": entries[i], "base": entries[i+1], "weight": entries[i+2]})
	}
	return out
}

func TestFargateTaskCountAndCapacitySplit(t *testing.T) {
	free := testPrices()
	free.Free = append(free.Free, cost.FreeType{Type: "aws:appautoscaling/target:Target", Note: "no charge"})
	api := urn("aws:ecs/service:Service", "api")
	tests := []struct {
		name           string
		arch           string
		service        map[string]any
		clusterDefault []any
		minCapacity    float64
		// vCPU-hours on-demand and on Spot: tasks × 1 vCPU × 730 h
		onDemand, spot float64
		vcpuPrice      float64
	}{
		// dev's strategy: base 1 on FARGATE, then 1:3; 1 task is the base.
		{"base only", "ARM64", map[string]any{"desiredCount": 1.0, "capacityProviderStrategies": strategy("FARGATE", 1.0, 1.0, "FARGATE_SPOT", 0.0, 3.0)}, nil, 0,
			1 * 730, 0, 0.04},
		// 5 tasks: 1 base + 4 × 1/4 = 2 on FARGATE (1460 h), 4 × 3/4 = 3 on Spot (2190 h).
		{"base then weights", "ARM64", map[string]any{"desiredCount": 5.0, "capacityProviderStrategies": strategy("FARGATE", 1.0, 1.0, "FARGATE_SPOT", 0.0, 3.0)}, nil, 0,
			2 * 730, 3 * 730, 0.04},
		// the scaling target's minCapacity 4 wins over desiredCount 2: 4 × 730 = 2920 h on Spot.
		{"minCapacity", "ARM64", map[string]any{"desiredCount": 2.0, "capacityProviderStrategies": strategy("FARGATE_SPOT", 0.0, 1.0)}, nil, 4,
			0, 4 * 730, 0.04},
		// no strategy of its own: the cluster's default, 2 tasks 1:1.
		{"cluster default strategy", "ARM64", map[string]any{"desiredCount": 2.0}, strategy("FARGATE_SPOT", 0.0, 1.0, "FARGATE", 0.0, 1.0), 0,
			1 * 730, 1 * 730, 0.04},
		// launchType FARGATE: all 3 on-demand.
		{"launch type", "ARM64", map[string]any{"desiredCount": 3.0, "launchType": "FARGATE"}, nil, 0,
			3 * 730, 0, 0.04},
		// X86_64 is priced at the x86 price, 0.05.
		{"x86", "X86_64", map[string]any{"desiredCount": 1.0, "launchType": "FARGATE"}, nil, 0,
			1 * 730, 0, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cost.EstimateWith(fargatePlan(tt.arch, tt.service, tt.clusterDefault, tt.minCapacity), free)
			require.NoError(t, err)
			require.Empty(t, e.NotPriced)
			var onDemand, spot float64
			for _, l := range e.Lines {
				if l.Resource != api || l.Unit != "vCPU-hour" {
					continue
				}
				switch l.UnitPrice {
				case tt.vcpuPrice:
					onDemand += l.Quantity
				case 0.01:
					spot += l.Quantity
				default:
					t.Errorf("unexpected vCPU price %v", l.UnitPrice)
				}
			}
			assert.InDelta(t, tt.onDemand, onDemand, 1e-9, "on-demand vCPU-hours")
			assert.InDelta(t, tt.spot, spot, 1e-9, "Spot vCPU-hours")
		})
	}
}

func TestFargateOnEC2IsNotPriced(t *testing.T) {
	e, err := cost.EstimateWith(fargatePlan("ARM64", map[string]any{"desiredCount": 1.0, "launchType": "EC2"}, nil, 0), testPrices())
	require.NoError(t, err)
	require.Len(t, e.NotPriced, 1)
	assert.Equal(t, "aws:ecs/service:Service", e.NotPriced[0].Type)
	assert.Contains(t, e.NotPriced[0].Reason, "EC2")
}

func TestNATGatewayCount(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		nats   float64
	}{
		{"single", map[string]any{"natGateways": map[string]any{"strategy": "Single"}, "availabilityZoneNames": []any{"a", "b", "c"}}, 1},
		{"one per AZ, named zones", map[string]any{"natGateways": map[string]any{"strategy": "OnePerAz"}, "availabilityZoneNames": []any{"a", "b", "c"}}, 3},
		{"one per AZ, counted zones", map[string]any{"natGateways": map[string]any{"strategy": "OnePerAz"}, "numberOfAvailabilityZones": 2.0}, 2},
		{"awsx defaults: OnePerAz over 3 zones", map[string]any{}, 3},
		{"none", map[string]any{"natGateways": map[string]any{"strategy": "None"}}, 0},
		{"no private subnets: none by default", map[string]any{"subnetSpecs": []any{map[string]any{"type": "Public"}, map[string]any{"type": "Isolated"}}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := cost.EstimateWith(planOf(res("awsx:ec2:Vpc", "v", "", tt.inputs)), testPrices())
			require.NoError(t, err)
			require.Empty(t, e.NotPriced)
			var hours float64
			for _, l := range e.Lines {
				if l.Unit == "hour" && l.UnitPrice == 0.05 {
					hours += l.Quantity
				}
			}
			// nats × 730 h
			assert.InDelta(t, tt.nats*730, hours, 1e-9)
			found := false
			for _, a := range e.Assumptions {
				if strings.Contains(a, "awsx:ec2:Vpc v") && strings.Contains(a, "remote component") {
					found = true
				}
			}
			assert.True(t, found, "the NAT count's derivation is stated: %q", e.Assumptions)
		})
	}
}

func TestLambdaScheduleAndLogGroup(t *testing.T) {
	fn := res("refarch:function:Function", "probe", "", nil)
	plan := planOf(fn,
		res("aws:lambda/function:Function", "probe", fn.URN, map[string]any{
			"name": "probe", "memorySize": 256.0, "architectures": []any{"arm64"},
		}),
		res("aws:scheduler/schedule:Schedule", "probe", fn.URN, map[string]any{
			"scheduleExpression": "rate(5 minutes)",
			"target":             map[string]any{"arn": "arn:aws:lambda:us-west-2:123456789012:function:probe"},
		}),
		res("aws:cloudwatch/logGroup:LogGroup", "probe", fn.URN, map[string]any{"name": "/aws/lambda/probe", "retentionInDays": 73.0}),
		res("aws:cloudwatch/logGroup:LogGroup", "flow", "", map[string]any{"name": "/vpc/flow"}),
		res("aws:ec2/flowLog:FlowLog", "flow", "", map[string]any{"logDestination": "arn:aws:logs:us-west-2:123456789012:log-group:/vpc/flow"}),
	)
	prices := testPrices()
	prices.Free = append(prices.Free, cost.FreeType{Type: "aws:ec2/flowLog:FlowLog", Note: "billed through its log group"})
	e, err := cost.EstimateWith(plan, prices)
	require.NoError(t, err)
	require.Empty(t, e.NotPriced)
	lambda := urn("aws:lambda/function:Function", "probe")
	// rate(5 minutes): 730 h × 60 / 5 = 8,760 invocations = 0.00876 million × 0.20
	l := find(t, e, lambda, "million requests", 0.20)
	assert.InDelta(t, 0.00876, l.Quantity, 1e-12)
	assert.Empty(t, l.Assumption, "invocations derived from the schedule are no assumption")
	// 8,760 × 100 ms / 1000 × 256 MB / 1024 = 219 GB-s × 0.00001 = 0.00219
	l = find(t, e, lambda, "GB-second", 0.00001)
	assert.InDelta(t, 219, l.Quantity, 1e-9)
	assert.InDelta(t, 0.00219, l.Monthly, 1e-12)
	// the schedule: 0.00876 million × 1.00 = 0.00876
	l = find(t, e, urn("aws:scheduler/schedule:Schedule", "probe"), "million invocations", 1.00)
	assert.InDelta(t, 0.00876, l.Monthly, 1e-12)
	// log group: 2 GB ingested × 0.50 = 1.00; kept 73 days = 73 × 24 / 730
	// = 2.4 months: 2 GB × 2.4 = 4.8 GB-month × 0.03 = 0.144
	logs := urn("aws:cloudwatch/logGroup:LogGroup", "probe")
	assert.InDelta(t, 1.00, find(t, e, logs, "GB", 0.50).Monthly, 1e-9)
	assert.InDelta(t, 0.144, find(t, e, logs, "GB-month", 0.03).Monthly, 1e-9)
	// the flow log's destination: 10 GB × 0.50 = 5.00; no retention: 12
	// months × 10 GB = 120 GB-month × 0.03 = 3.60
	flow := urn("aws:cloudwatch/logGroup:LogGroup", "flow")
	assert.InDelta(t, 5.00, find(t, e, flow, "GB", 0.50).Monthly, 1e-9)
	assert.InDelta(t, 3.60, find(t, e, flow, "GB-month", 0.03).Monthly, 1e-9)
}

func TestRDSDefaults(t *testing.T) {
	db := res("aws:rds/instance:Instance", "db", "", map[string]any{
		"engine": "postgres", "instanceClass": "db.test.large", "allocatedStorage": 50.0,
	})
	e, err := cost.EstimateWith(planOf(db), testPrices())
	require.NoError(t, err)
	require.Empty(t, e.NotPriced)
	// Single-AZ: 730 h × 0.10 = 73.00
	assert.InDelta(t, 73.00, find(t, e, db.URN, "hour", 0.10).Monthly, 1e-9)
	// storageType unset: gp2, 50 GB × 0.20 = 10.00, stated as an assumption
	l := find(t, e, db.URN, "GB-month", 0.20)
	assert.InDelta(t, 10.00, l.Monthly, 1e-9)
	assert.Contains(t, l.Assumption, "gp2")
}

func TestNotPriced(t *testing.T) {
	plan := planOf(
		res("aws:foo/bar:Baz", "mystery", "", map[string]any{}),
		res("awsx:ecs:FargateService", "remote", "", map[string]any{}),
		res("aws:rds/instance:Instance", "big", "", map[string]any{
			"engine": "postgres", "instanceClass": "db.unknown.huge", "allocatedStorage": 10.0,
		}),
		res("aws:iam/role:Role", "role", "", map[string]any{}),
	)
	e, err := cost.EstimateWith(plan, testPrices())
	require.NoError(t, err)
	reasons := map[string]string{}
	for _, n := range e.NotPriced {
		reasons[n.Type] = n.Reason
	}
	assert.Len(t, reasons, 3, "the free IAM role is not among %v", reasons)
	assert.Contains(t, reasons["aws:foo/bar:Baz"], "neither priced nor listed as free")
	assert.Contains(t, reasons["awsx:ecs:FargateService"], "remote component")
	assert.Contains(t, reasons["aws:rds/instance:Instance"], "rds.postgres.db.unknown.huge")

	var out bytes.Buffer
	require.NoError(t, e.Write(&out))
	assert.Contains(t, out.String(), "Not priced: 3 resources")
	assert.Contains(t, out.String(), "aws:foo/bar:Baz mystery")
}

func TestWriteListsEveryAssumption(t *testing.T) {
	e, err := cost.EstimateWith(handPlan(), testPrices())
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, e.Write(&out))
	report := out.String()

	require.NotEmpty(t, e.Assumptions)
	for i, a := range e.Assumptions {
		assert.Contains(t, report, a, "assumption %d", i+1)
	}
	for _, l := range e.Lines {
		var texts []string
		for _, n := range l.AssumptionRefs {
			require.True(t, n >= 1 && n <= len(e.Assumptions), "%s cites A%d", l.Item, n)
			texts = append(texts, e.Assumptions[n-1])
		}
		assert.Equal(t, strings.Join(texts, " "), l.Assumption, l.Item)
	}
	for _, want := range []string{
		"Monthly cost estimate of stack x (us-west-2): $379.54 USD",
		"refarch:postgres:Postgres db: $249.00",
		"= $146.00",
		"TOTAL",
		"Not priced: none",
		"Price table of 2026-12-02. round test prices",
		"https://aws.amazon.com/test/pricing/",
		"NAT data: 100 GB-month per VPC (usage nat.dataGBPerVpc).",
		"A month is 730 hours",
	} {
		assert.Contains(t, report, want)
	}
}

func TestEmbeddedPriceTable(t *testing.T) {
	p, err := cost.LoadPrices()
	require.NoError(t, err)
	assert.Equal(t, "2026-12-02", p.Date)
	_, err = time.Parse(time.DateOnly, p.Date)
	require.NoError(t, err)
	assert.Equal(t, "USD", p.Currency)
	assert.InDelta(t, 730, p.HoursPerMonth, 0)
	assert.Equal(t, "us-west-2", p.DefaultRegion)
	assert.Contains(t, p.Note, "https://calculator.aws/")
	require.NotEmpty(t, p.Prices)
	for _, pr := range p.Prices {
		u, err := url.Parse(pr.Source)
		require.NoError(t, err, pr.Key)
		assert.Equal(t, "https", u.Scheme, pr.Key)
		assert.Equal(t, "aws.amazon.com", u.Host, "%s: an AWS pricing page", pr.Key)
		assert.Contains(t, u.Path, "/pricing/", pr.Key)
		assert.Contains(t, []string{"us-west-2", "us-east-1", cost.GlobalRegion}, pr.Region, pr.Key)
		assert.NotEmpty(t, pr.Description, pr.Key)
	}
	priced := map[string]bool{}
	for _, typ := range cost.PricedTypes() {
		priced[typ] = true
	}
	for _, f := range p.Free {
		assert.False(t, priced[f.Type], "%s is both priced and listed as free", f.Type)
	}
	for _, key := range []string{"vpc.natGateway.hour", "fargate.linux.arm64.ondemand.vcpu", "fargate.linux.x86.spot.vcpu", "elb.alb.lcu", "kms.key", "waf.webAcl"} {
		_, ok := p.Lookup("us-west-2", key)
		assert.True(t, ok, key)
	}
	for _, key := range []string{"waf.webAcl", "kms.key", "logs.ingest", "cloudwatch.alarm.standard"} {
		pr, ok := p.Lookup("us-east-1", key)
		assert.True(t, ok, key)
		assert.Equal(t, "us-east-1", pr.Region, key)
	}
	pr, ok := p.Lookup("us-west-2", "cloudfront.dataTransfer")
	assert.True(t, ok)
	assert.Equal(t, cost.GlobalRegion, pr.Region)
}

func TestInvalidInput(t *testing.T) {
	_, err := cost.EstimateWith(nil, testPrices())
	require.Error(t, err)
	_, err = cost.EstimateWith(handPlan(), nil)
	require.Error(t, err)

	tests := []struct {
		name   string
		mutate func(p *cost.Prices)
		want   string
	}{
		{"undated", func(p *cost.Prices) { p.Date = "" }, "date"},
		{"no month", func(p *cost.Prices) { p.HoursPerMonth = 0 }, "hoursPerMonth"},
		{"no source", func(p *cost.Prices) { p.Prices[0].Source = "" }, "no source URL"},
		{"http source", func(p *cost.Prices) { p.Prices[0].Source = "http://aws.amazon.com/vpc/pricing/" }, "not an https URL"},
		{"negative price", func(p *cost.Prices) { p.Prices[0].USD = -1 }, "negative"},
		{"price twice", func(p *cost.Prices) { p.Prices = append(p.Prices, p.Prices[0]) }, "listed twice"},
		{"usage without description", func(p *cost.Prices) { p.Usage[0].Description = "" }, "description"},
		{"free type twice", func(p *cost.Prices) { p.Free = append(p.Free, p.Free[0]) }, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPrices()
			tt.mutate(p)
			_, err := cost.EstimateWith(handPlan(), p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	_, err = cost.ParsePrices([]byte(`{"date": "2026-12-02", "unknownField": 1}`))
	require.Error(t, err)
	_, err = cost.ParsePrices([]byte(`not json`))
	require.Error(t, err)
}

func TestMissingUsageIsNotPriced(t *testing.T) {
	p := testPrices()
	p.Usage = p.Usage[1:] // drop nat.dataGBPerVpc
	e, err := cost.EstimateWith(planOf(res("awsx:ec2:Vpc", "v", "", map[string]any{"natGateways": map[string]any{"strategy": "Single"}})), p)
	require.NoError(t, err)
	require.Len(t, e.NotPriced, 1)
	assert.Contains(t, e.NotPriced[0].Reason, "nat.dataGBPerVpc")
}

// TestOddInputsDoNotPanic prices every priced type with no inputs and with
// inputs of the wrong kinds: the estimate lists what it cannot price and
// never panics.
func TestOddInputsDoNotPanic(t *testing.T) {
	odd := map[string]any{
		"cpu": "lots", "memory": []any{1.0}, "desiredCount": "two", "numCacheNodes": map[string]any{},
		"natGateways": "Single", "availabilityZoneNames": "us-west-2a", "subnets": 3.0,
		"capacityProviderStrategies": []any{"FARGATE", 1.0}, "taskDefinition": 7.0,
		"allocatedStorage": "big", "replicateSourceDb": "nowhere", "metricQueries": []any{nil, 1.0},
		"rules": []any{nil, "x"}, "settings": []any{"containerInsights"}, "scheduleExpression": "rate(0 minutes)",
		"launchTemplate": "lt", "blockDeviceMappings": []any{nil, map[string]any{"ebs": "x"}},
		"eventSelectors": []any{nil}, "metricTransformation": []any{nil},
	}
	for _, typ := range cost.PricedTypes() {
		for name, inputs := range map[string]map[string]any{"nil": nil, "empty": {}, "odd": odd} {
			t.Run(typ+"/"+name, func(t *testing.T) {
				r := res(typ, "r", "", inputs)
				r.Parent = "urn:pulumi:x::p::refarch:loop:Loop::r" // a parent not in the records
				assert.NotPanics(t, func() {
					e, err := cost.EstimateWith(planOf(r, nil), testPrices())
					require.NoError(t, err)
					var out bytes.Buffer
					require.NoError(t, e.Write(&out))
				})
			})
		}
	}
}
