package alarms_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/alarms"
	"github.com/refarch/refarch/offline"
)

const (
	topic     = "arn:aws:sns:us-west-2:" + offline.UnitAccount + ":alerts"
	alarmType = "aws:cloudwatch/metricAlarm:MetricAlarm"
)

func alarmArgs() *alarms.AlarmsArgs {
	return &alarms.AlarmsArgs{
		TopicARN:      pulumi.String(topic),
		LoadBalancers: []alarms.LoadBalancer{{Name: "public", ARNSuffix: pulumi.String("app/prod-public/0123")}},
		Services:      []alarms.Service{{Name: "backend", ClusterName: pulumi.String("prod"), ServiceName: pulumi.String("backend-svc"), MinTasks: 2}},
		Caches:        []alarms.Cache{{Name: "cache", ClusterID: pulumi.String("prod-cache"), Nodes: 2}},
	}
}

func run(t *testing.T, args *alarms.AlarmsArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := alarms.NewAlarms(ctx, "prod", args, pulumi.Provider(p))
		return err
	})
}

func mustRun(t *testing.T, args *alarms.AlarmsArgs) *offline.Plan {
	t.Helper()
	p, err := run(t, args)
	require.NoError(t, err)
	return p
}

func TestEveryTargetGetsItsSetAndEveryAlarmNotifiesOnAlarmAndOK(t *testing.T) {
	p := mustRun(t, alarmArgs())
	all := p.ByType(alarmType)
	// 4 for the load balancer, 3 for the service, 4 for each of 2 nodes.
	require.Len(t, all, 4+3+4*2)
	for _, a := range all {
		assert.Equal(t, []string{topic}, a.Strings("alarmActions"), a.Name)
		assert.Equal(t, []string{topic}, a.Strings("okActions"), a.Name)
		assert.Contains(t, alarms.MissingDataModes, a.String("treatMissingData"), a.Name)
		assert.NotEmpty(t, a.String("alarmDescription"), a.Name)
	}

	rate := p.Require(t, alarmType, "prod-public-target-5xx-rate")
	queries := rate.List("metricQueries")
	require.Len(t, queries, 3, "errors, requests and their percentage")
	expr, _ := offline.Lookup(queries[2], "expression")
	assert.Equal(t, "100 * errors / requests", expr)
	dims, _ := offline.Lookup(queries[0], "metric.dimensions")
	assert.Equal(t, map[string]any{"LoadBalancer": "app/prod-public/0123"}, dims)
	num, _ := offline.Lookup(queries[0], "metric.metricName")
	assert.Equal(t, "HTTPCode_Target_5XX_Count", num)
	assert.Equal(t, float64(5), rate.Get("threshold"))
	assert.Equal(t, "notBreaching", rate.String("treatMissingData"), "an idle load balancer has no errors")

	p99 := p.Require(t, alarmType, "prod-public-target-p99")
	assert.Equal(t, "p99", p99.String("extendedStatistic"))
	assert.False(t, p99.Has("statistic"))

	tasks := p.Require(t, alarmType, "prod-backend-running-tasks")
	assert.Equal(t, "ECS/ContainerInsights", tasks.String("namespace"))
	assert.Equal(t, map[string]any{"ClusterName": "prod", "ServiceName": "backend-svc"}, tasks.Get("dimensions"))
	assert.Equal(t, float64(2), tasks.Get("threshold"), "the service's own floor")
	assert.Equal(t, "LessThanThreshold", tasks.String("comparisonOperator"))
	assert.Equal(t, "breaching", tasks.String("treatMissingData"), "a service reporting no tasks runs none")

	for _, node := range []string{"0001", "0002"} {
		conns := p.Require(t, alarmType, "prod-cache-"+node+"-connections")
		assert.Equal(t, map[string]any{"CacheClusterId": "prod-cache", "CacheNodeId": node}, conns.Get("dimensions"))
		assert.Equal(t, float64(52000), conns.Get("threshold"), "80% of 65000")
	}
}

func TestOverridesChangeOrRemoveOneAlarm(t *testing.T) {
	args := alarmArgs()
	ten := 10.0
	args.Overrides = map[string]alarms.Override{
		"service/cpu":                       {Threshold: &ten, PeriodSeconds: 120, EvaluationPeriods: 5},
		"loadBalancer/rejected-connections": {Disabled: true},
	}
	p := mustRun(t, args)
	cpu := p.Require(t, alarmType, "prod-backend-cpu")
	assert.Equal(t, float64(10), cpu.Get("threshold"))
	assert.Equal(t, 120, cpu.Int("period"))
	assert.Equal(t, 5, cpu.Int("evaluationPeriods"))
	assert.Nil(t, p.Find(alarmType, "prod-public-rejected-connections"))
	assert.Equal(t, float64(80), p.Require(t, alarmType, "prod-backend-memory").Get("threshold"), "other alarms keep their defaults")
}

func TestSpecsAreLegalCloudWatchAlarms(t *testing.T) {
	for _, specs := range [][]alarms.Spec{alarms.LoadBalancerSpecs, alarms.ServiceSpecs, alarms.CacheSpecs, alarms.HostSpecs, alarms.DistributionSpecs, alarms.FunctionSpecs, alarms.ProbeSpecs, alarms.NatGatewaySpecs} {
		for _, s := range specs {
			assert.Zero(t, s.PeriodSeconds%60, "%s: a multiple of 60", s.Kind)
			assert.Contains(t, alarms.MissingDataModes, s.MissingData, s.Kind)
			assert.GreaterOrEqual(t, s.Threshold, 0.0, s.Kind)
			assert.True(t, (s.Metric == "") != (s.Numerator == ""), "%s: a metric or a ratio", s.Kind)
		}
	}
}

func TestBadArgsRegisterNothing(t *testing.T) {
	neg := -1.0
	cases := []struct {
		name        string
		edit        func(a *alarms.AlarmsArgs)
		field, rule string
	}{
		{"no topic", func(a *alarms.AlarmsArgs) { a.TopicARN = nil }, "Args.TopicARN", "required"},
		{"negative threshold", func(a *alarms.AlarmsArgs) { a.Overrides = map[string]alarms.Override{"service/cpu": {Threshold: &neg}} }, `Args.Overrides["service/cpu"].Threshold`, "negative"},
		{"period not a minute multiple", func(a *alarms.AlarmsArgs) {
			a.Overrides = map[string]alarms.Override{"cache/cpu": {PeriodSeconds: 90}}
		}, `Args.Overrides["cache/cpu"].PeriodSeconds`, "multiple of 60"},
		{"unknown alarm", func(a *alarms.AlarmsArgs) { a.Overrides = map[string]alarms.Override{"service/disk": {}} }, `Args.Overrides["service/disk"]`, "not an alarm"},
		{"no floor", func(a *alarms.AlarmsArgs) { a.Services[0].MinTasks = 0 }, "Args.Services[0].MinTasks", "between 1"},
		{"two targets one name", func(a *alarms.AlarmsArgs) { a.Caches[0].Name = "public" }, "Args.Caches[0].Name", "two targets"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := alarmArgs()
			tc.edit(args)
			p, err := run(t, args)
			offline.RequireRefused(t, p, err, "refarch:alarms:Alarms", tc.field, tc.rule)
		})
	}
}

func TestHostsGetStatusCPUAndNetworkAlarms(t *testing.T) {
	args := &alarms.AlarmsArgs{TopicARN: pulumi.String(topic), Hosts: []alarms.Host{{Name: "vpn", AutoScalingGroupName: pulumi.String("vpn-asg")}}}
	p := mustRun(t, args)
	require.Len(t, p.ByType(alarmType), 3)
	status := p.Require(t, alarmType, "prod-vpn-status-check")
	assert.Equal(t, "AWS/EC2", status.String("namespace"))
	assert.Equal(t, map[string]any{"AutoScalingGroupName": "vpn-asg"}, status.Get("dimensions"))
	assert.Equal(t, "StatusCheckFailed", status.String("metricName"))
	assert.Equal(t, "breaching", status.String("treatMissingData"), "a group reporting nothing runs no instance")
	assert.Equal(t, float64(10*1024*1024*1024), p.Require(t, alarmType, "prod-vpn-network-out").Get("threshold"), "10 GiB an hour")
}

func TestDashboardShowsEveryTargetFromTheSameList(t *testing.T) {
	p := mustRun(t, alarmArgs())
	dash := p.Require(t, "aws:cloudwatch/dashboard:Dashboard", "prod")
	assert.Equal(t, "prod", dash.String("dashboardName"))
	body, err := dash.JSON("dashboardBody")
	require.NoError(t, err)
	widgets, _ := offline.Lookup(body, "widgets")
	var titles []string
	for _, w := range widgets.([]any) {
		title, _ := offline.Lookup(w, "properties.title")
		titles = append(titles, title.(string))
		region, _ := offline.Lookup(w, "properties.region")
		assert.Equal(t, "us-west-2", region)
	}
	assert.Equal(t, []string{
		"load balancer public: traffic and errors", "load balancer public: latency p99",
		"service backend: saturation", "cache cache node 0001", "cache cache node 0002",
	}, titles)
	saturation, _ := offline.Lookup(widgets.([]any)[2], "properties.metrics")
	assert.Equal(t, []any{"AWS/ECS", "CPUUtilization", "ClusterName", "prod", "ServiceName", "backend-svc"}, saturation.([]any)[0])
}

func TestDistributionsAreWatchedWithTheGlobalRegionDimension(t *testing.T) {
	args := &alarms.AlarmsArgs{TopicARN: pulumi.String(topic), Distributions: []alarms.Distribution{{Name: "cdn", DistributionID: pulumi.String("E123")}}}
	p := mustRun(t, args)
	rate := p.Require(t, alarmType, "prod-cdn-5xx-rate")
	assert.Equal(t, "AWS/CloudFront", rate.String("namespace"))
	assert.Equal(t, map[string]any{"DistributionId": "E123", "Region": "Global"}, rate.Get("dimensions"))
	assert.Equal(t, float64(5), rate.Get("threshold"))
}

func TestFunctionsProbesAndNatGatewaysGetTheirSets(t *testing.T) {
	args := &alarms.AlarmsArgs{
		TopicARN:     pulumi.String(topic),
		Functions:    []alarms.Function{{Name: "notifier", FunctionName: pulumi.String("prod-notifier"), TimeoutSeconds: 30, DeadLetterQueueName: pulumi.String("prod-notifier-dlq")}},
		Probes:       []alarms.Probe{{Name: "probe-site", Namespace: "refarch/EdgeProbe", Endpoint: pulumi.String("https://www.example.com/")}},
		NatGateways:  []alarms.NatGateway{{Name: "nat-1", ID: pulumi.String("nat-0abc")}},
		Repositories: []string{"backend"},
	}
	p := mustRun(t, args)
	require.Len(t, p.ByType(alarmType), 4+2+2)

	errs := p.Require(t, alarmType, "prod-notifier-errors")
	assert.Equal(t, "AWS/Lambda", errs.String("namespace"))
	assert.Equal(t, map[string]any{"FunctionName": "prod-notifier"}, errs.Get("dimensions"))
	assert.Equal(t, "notBreaching", errs.String("treatMissingData"), "an idle function has no errors")
	duration := p.Require(t, alarmType, "prod-notifier-duration")
	assert.Equal(t, "Duration", duration.String("metricName"))
	assert.Equal(t, float64(24000), duration.Get("threshold"), "80% of 30 s, in milliseconds")
	dlq := p.Require(t, alarmType, "prod-notifier-dead-letters")
	assert.Equal(t, "AWS/SQS", dlq.String("namespace"))
	assert.Equal(t, map[string]any{"QueueName": "prod-notifier-dlq"}, dlq.Get("dimensions"))
	assert.Equal(t, "Throttles", p.Require(t, alarmType, "prod-notifier-throttles").String("metricName"))

	failing := p.Require(t, alarmType, "prod-probe-site-failing")
	assert.Equal(t, "refarch/EdgeProbe", failing.String("namespace"))
	assert.Equal(t, map[string]any{"Endpoint": "https://www.example.com/"}, failing.Get("dimensions"))
	assert.Equal(t, "breaching", failing.String("treatMissingData"), "a silent probe proves nothing")
	assert.Equal(t, "LessThanThreshold", failing.String("comparisonOperator"))

	nat := p.Require(t, alarmType, "prod-nat-1-port-allocation-errors")
	assert.Equal(t, "AWS/NATGateway", nat.String("namespace"))
	assert.Equal(t, "ErrorPortAllocation", nat.String("metricName"))
	assert.Equal(t, map[string]any{"NatGatewayId": "nat-0abc"}, nat.Get("dimensions"))
	assert.Equal(t, "PacketsDropCount", p.Require(t, alarmType, "prod-nat-1-packets-dropped").String("metricName"))

	body, err := p.Require(t, "aws:cloudwatch/dashboard:Dashboard", "prod").JSON("dashboardBody")
	require.NoError(t, err)
	widgets, _ := offline.Lookup(body, "widgets")
	var titles []string
	for _, w := range widgets.([]any) {
		title, _ := offline.Lookup(w, "properties.title")
		titles = append(titles, title.(string))
	}
	assert.Equal(t, []string{"function notifier", "probe probe-site", "NAT gateway nat-1", "registry: pushes", "registry: pulls"}, titles)
	pulls, _ := offline.Lookup(widgets.([]any)[4], "properties.metrics")
	assert.Equal(t, []any{"AWS/Usage", "CallCount", "Service", "ECR", "Type", "API", "Resource", "BatchGetImage", "Class", "None"}, pulls.([]any)[0])
}

// TestOverridesKeepCloudWatchsEvaluationWindow: an override may not make an
// alarm evaluate more than CloudWatch allows (a day under an hour's
// period, seven days otherwise); AWS would refuse it at pulumi up.
func TestOverridesKeepCloudWatchsEvaluationWindow(t *testing.T) {
	for _, tc := range []struct {
		period, periods int
		refused         bool
	}{
		{60, 1440, false},  // exactly one day
		{60, 1441, true},   // a day and a minute, period under an hour
		{1800, 48, false},  // one day
		{1800, 49, true},   // over a day
		{3600, 168, false}, // seven days
		{3600, 169, true},
		{86400, 7, false},
		{86400, 8, true},
	} {
		rule := alarms.CheckEvaluationWindow(tc.period, tc.periods)
		assert.Equal(t, tc.refused, rule != "", "%d s x %d: %q", tc.period, tc.periods, rule)
	}
}
