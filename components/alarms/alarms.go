// Package alarms provides Alarms, the CloudWatch alarms of everything that
// serves or stores: a typed, documented default set per kind of target
// (specs.go), each alarm overridable, each notifying one topic on ALARM
// and on OK.
package alarms

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// MaxNameLength leaves room in an alarm's name (255 characters) for the
// target's name and the longest alarm kind.
const MaxNameLength = 64

// Alarms creates, for every target of its arguments, the alarms of its
// kind's default set (LoadBalancerSpecs, ServiceSpecs, CacheSpecs,
// HostSpecs, DistributionSpecs, FunctionSpecs, ProbeSpecs, NatGatewaySpecs) with Args.Overrides applied, each notifying Args.TopicARN on
// ALARM and on OK and treating missing data as its spec says, and one
// dashboard (named like
// the component) with the golden signals of the same targets, so a new
// service appears in both.
type Alarms struct {
	pulumi.ResourceState

	// AlarmNames are the names of the alarms created, in order.
	AlarmNames pulumi.StringArrayOutput `pulumi:"alarmNames"`
}

// NewAlarms creates the alarms. It validates args before registering
// anything.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	if args == nil {
		args = &AlarmsArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("alarms arguments", name, validate.CheckName(name, MaxNameLength), &a); err != nil {
		return nil, fmt.Errorf("alarms %q: %w", name, err)
	}
	c := &Alarms{}
	if err := ctx.RegisterComponentResource("refarch:alarms:Alarms", name, c, opts...); err != nil {
		return nil, fmt.Errorf("alarms %q: registering the component: %w", name, err)
	}
	b := &builder{ctx: ctx, a: a, child: pulumi.Parent(c)}
	for _, lb := range a.LoadBalancers {
		dims := pulumi.StringMap{"LoadBalancer": lb.ARNSuffix}
		for _, s := range LoadBalancerSpecs {
			if err := b.alarm(name+"-"+lb.Name, "loadBalancer", s, dims); err != nil {
				return nil, err
			}
		}
	}
	for _, svc := range a.Services {
		dims := pulumi.StringMap{"ClusterName": svc.ClusterName, "ServiceName": svc.ServiceName}
		for _, s := range ServiceSpecs {
			if s.Kind == "running-tasks" {
				s.Threshold = float64(svc.MinTasks)
			}
			if err := b.alarm(name+"-"+svc.Name, "service", s, dims); err != nil {
				return nil, err
			}
		}
	}
	for _, cache := range a.Caches {
		for node := 1; node <= cache.Nodes; node++ {
			id := fmt.Sprintf("%04d", node)
			dims := pulumi.StringMap{"CacheClusterId": cache.ClusterID, "CacheNodeId": pulumi.String(id)}
			for _, s := range CacheSpecs {
				if s.Kind == "connections" {
					s.Threshold = 0.8 * float64(cache.MaxConnections)
				}
				if err := b.alarm(fmt.Sprintf("%s-%s-%s", name, cache.Name, id), "cache", s, dims); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, h := range a.Hosts {
		dims := pulumi.StringMap{"AutoScalingGroupName": h.AutoScalingGroupName}
		for _, s := range HostSpecs {
			if err := b.alarm(name+"-"+h.Name, "host", s, dims); err != nil {
				return nil, err
			}
		}
	}
	for _, d := range a.Distributions {
		dims := pulumi.StringMap{"DistributionId": d.DistributionID, "Region": pulumi.String("Global")}
		for _, s := range DistributionSpecs {
			if err := b.alarm(name+"-"+d.Name, "distribution", s, dims); err != nil {
				return nil, err
			}
		}
	}
	for _, f := range a.Functions {
		fdims := pulumi.StringMap{"FunctionName": f.FunctionName}
		qdims := pulumi.StringMap{"QueueName": f.DeadLetterQueueName}
		for _, s := range FunctionSpecs {
			dims := fdims
			switch s.Kind {
			case "duration":
				s.Threshold = 0.8 * float64(f.TimeoutSeconds) * 1000 // milliseconds
			case "dead-letters":
				dims = qdims
			}
			if err := b.alarm(name+"-"+f.Name, "function", s, dims); err != nil {
				return nil, err
			}
		}
	}
	for _, pr := range a.Probes {
		dims := pulumi.StringMap{"Endpoint": pr.Endpoint}
		for _, s := range ProbeSpecs {
			s.Namespace = pr.Namespace
			if err := b.alarm(name+"-"+pr.Name, "probe", s, dims); err != nil {
				return nil, err
			}
		}
	}
	for _, n := range a.NatGateways {
		dims := pulumi.StringMap{"NatGatewayId": n.ID}
		for _, s := range NatGatewaySpecs {
			if err := b.alarm(name+"-"+n.Name, "natGateway", s, dims); err != nil {
				return nil, err
			}
		}
	}
	if err := b.dashboard(name); err != nil {
		return nil, fmt.Errorf("alarms %q: dashboard: %w", name, err)
	}
	c.AlarmNames = b.names.ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"alarmNames": c.AlarmNames})
}

type builder struct {
	ctx   *pulumi.Context
	a     AlarmsArgs
	child pulumi.ResourceOrInvokeOption
	names pulumi.StringArray
}

// alarm creates one alarm of spec s for a target (prefix names it).
func (b *builder) alarm(prefix, target string, s Spec, dims pulumi.StringMap) error {
	o, overridden := b.a.Overrides[target+"/"+s.Kind]
	if overridden {
		if o.Disabled {
			return nil
		}
		if o.Threshold != nil {
			s.Threshold = *o.Threshold
		}
		if o.PeriodSeconds != 0 {
			s.PeriodSeconds = o.PeriodSeconds
		}
		if o.EvaluationPeriods != 0 {
			s.EvaluationPeriods = o.EvaluationPeriods
		}
	}
	name := prefix + "-" + s.Kind
	topic := pulumi.Array{b.a.TopicARN}
	args := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(name),
		AlarmDescription:   pulumi.String(prefix + ": " + s.Description),
		ComparisonOperator: pulumi.String(s.Comparison),
		Threshold:          pulumi.Float64(s.Threshold),
		EvaluationPeriods:  pulumi.Int(s.EvaluationPeriods),
		TreatMissingData:   pulumi.String(s.MissingData),
		AlarmActions:       topic,
		OkActions:          topic,
	}
	if s.Numerator != "" {
		metric := func(id, metricName string) cloudwatch.MetricAlarmMetricQueryInput {
			return &cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String(id),
				Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
					Namespace: pulumi.String(s.Namespace), MetricName: pulumi.String(metricName),
					Dimensions: dims, Stat: pulumi.String("Sum"), Period: pulumi.Int(s.PeriodSeconds),
				},
			}
		}
		// A percentage; no requests gives no data point (not a division
		// by zero), which MissingData then treats.
		args.MetricQueries = cloudwatch.MetricAlarmMetricQueryArray{
			metric("errors", s.Numerator),
			metric("requests", s.Denominator),
			&cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String("rate"), Expression: pulumi.String("100 * errors / requests"),
				Label: pulumi.String(s.Numerator + " (% of requests)"), ReturnData: pulumi.Bool(true),
			},
		}
	} else {
		args.Namespace = pulumi.String(s.Namespace)
		args.MetricName = pulumi.String(s.Metric)
		args.Dimensions = dims
		args.Period = pulumi.Int(s.PeriodSeconds)
		if len(s.Statistic) > 1 && s.Statistic[0] == 'p' {
			args.ExtendedStatistic = pulumi.String(s.Statistic)
		} else {
			args.Statistic = pulumi.String(s.Statistic)
		}
	}
	if _, err := cloudwatch.NewMetricAlarm(b.ctx, name, args, b.child); err != nil {
		return fmt.Errorf("alarm %s: %w", name, err)
	}
	b.names = append(b.names, pulumi.String(name))
	return nil
}
