package alarms

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// DefaultCacheConnections is ElastiCache Memcached's default connection
// limit per node.
// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html
const DefaultCacheConnections = 65000

// MissingDataModes are CloudWatch's treatments of missing data.
var MissingDataModes = []string{"notBreaching", "breaching", "missing", "ignore"}

// AlarmsArgs configures Alarms. Zero values mean the default.
type AlarmsArgs struct {
	// TopicARN is notified on ALARM and on OK. Required.
	TopicARN pulumi.StringInput
	// LoadBalancers get LoadBalancerSpecs. Default none.
	LoadBalancers []LoadBalancer
	// Services get ServiceSpecs. Default none.
	Services []Service
	// Caches get CacheSpecs, on each node. Default none.
	Caches []Cache
	// Hosts get HostSpecs. Default none.
	Hosts []Host
	// Distributions get DistributionSpecs. Create the component with a
	// us-east-1 provider and a us-east-1 topic for them. Default none.
	Distributions []Distribution
	// Functions get FunctionSpecs. Default none.
	Functions []Function
	// Probes get ProbeSpecs. Default none.
	Probes []Probe
	// NatGateways get NatGatewaySpecs. Default none.
	NatGateways []NatGateway
	// Repositories get a dashboard panel of their pushes and pulls (ECR
	// has no metric worth paging on). Default none.
	Repositories []string
	// Overrides change a default alarm, by "<target kind>/<alarm kind>"
	// ("loadBalancer/target-5xx-rate", "service/cpu", "cache/evictions").
	// Default none.
	Overrides map[string]Override
}

// LoadBalancer is an Application Load Balancer to watch.
type LoadBalancer struct {
	// Name names its alarms. Required.
	Name string
	// ARNSuffix is the LoadBalancer dimension ("app/<name>/<id>").
	// Required.
	ARNSuffix pulumi.StringInput
}

// Service is an ECS service to watch.
type Service struct {
	// Name names its alarms. Required.
	Name string
	// ClusterName and ServiceName are its dimensions. Required.
	ClusterName, ServiceName pulumi.StringInput
	// MinTasks is the floor below which running-tasks fires. Required (at
	// least 1).
	MinTasks int
}

// Cache is a Memcached cluster to watch.
type Cache struct {
	// Name names its alarms. Required.
	Name string
	// ClusterID is the CacheClusterId dimension. Required.
	ClusterID pulumi.StringInput
	// Nodes is the number of nodes (ids 0001, 0002, …). Required (at
	// least 1).
	Nodes int
	// MaxConnections is a node's connection limit. Default
	// DefaultCacheConnections; the alarm fires at 80% of it.
	MaxConnections int
}

// Host is an Auto Scaling group of instances to watch.
type Host struct {
	// Name names its alarms. Required.
	Name string
	// AutoScalingGroupName is the AutoScalingGroupName dimension
	// (instances of a group with detailed monitoring off still report it).
	// Required.
	AutoScalingGroupName pulumi.StringInput
}

// Distribution is a CloudFront distribution to watch.
type Distribution struct {
	// Name names its alarms. Required.
	Name string
	// DistributionID is the DistributionId dimension. Required.
	DistributionID pulumi.StringInput
}

// Function is a Lambda function to watch.
type Function struct {
	// Name names its alarms. Required.
	Name string
	// FunctionName is the FunctionName dimension. Required.
	FunctionName pulumi.StringInput
	// TimeoutSeconds is the function's timeout: the duration alarm fires
	// at 80% of it. Required (1-900).
	TimeoutSeconds int
	// DeadLetterQueueName is the QueueName dimension of its dead-letter
	// queue. Required.
	DeadLetterQueueName pulumi.StringInput
}

// Probe is an endpoint an outside-in probe measures.
type Probe struct {
	// Name names its alarms. Required.
	Name string
	// Namespace is the probe's custom metric namespace. Required.
	Namespace string
	// Endpoint is the Endpoint dimension (the URL probed). Required.
	Endpoint pulumi.StringInput
}

// NatGateway is a NAT gateway to watch.
type NatGateway struct {
	// Name names its alarms. Required.
	Name string
	// ID is the NatGatewayId dimension. Required.
	ID pulumi.StringInput
}

// Override changes one default alarm. Zero values keep the default.
type Override struct {
	// Threshold replaces the threshold. Default nil: the spec's threshold.
	Threshold *float64 `json:"threshold"`
	// PeriodSeconds replaces the period: a multiple of 60 (CloudWatch's
	// rule for standard-resolution metrics), at most a day. Default 0: the
	// spec's period.
	PeriodSeconds int `json:"periodSeconds"`
	// EvaluationPeriods replaces the number of periods, 1 to 100. Default
	// 0: the spec's number.
	EvaluationPeriods int `json:"evaluationPeriods"`
	// Disabled removes the alarm. Default false.
	Disabled bool `json:"disabled"`
}

// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
const (
	maxPeriodSeconds     = 86400
	maxEvaluationPeriods = 100
)

// targetKinds are the prefixes of Overrides' keys, with their specs.
var targetKinds = map[string][]Spec{
	"loadBalancer": LoadBalancerSpecs,
	"service":      ServiceSpecs,
	"cache":        CacheSpecs,
	"host":         HostSpecs,
	"distribution": DistributionSpecs,
	"function":     FunctionSpecs,
	"probe":        ProbeSpecs,
	"natGateway":   NatGatewaySpecs,
}

// specOf returns the default spec an override key ("<kind>/<alarm>") names.
func specOf(key string) (Spec, bool) {
	kind, alarm, ok := strings.Cut(key, "/")
	if !ok {
		return Spec{}, false
	}
	for _, s := range targetKinds[kind] {
		if s.Kind == alarm {
			return s, true
		}
	}
	return Spec{}, false
}

// CheckEvaluationWindow returns the rule an alarm's period and evaluation
// periods break, or "": CloudWatch evaluates at most seven days, and at
// most one day when the period is under an hour.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
func CheckEvaluationWindow(periodSeconds, evaluationPeriods int) string {
	window := periodSeconds * evaluationPeriods
	switch {
	case periodSeconds < 3600 && window > 86400:
		return fmt.Sprintf("evaluates %d seconds: with a period under an hour CloudWatch evaluates at most one day (86,400 s), https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html", window)
	case window > 604800:
		return fmt.Sprintf("evaluates %d seconds: CloudWatch evaluates at most seven days (604,800 s), https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html", window)
	}
	return ""
}

// OverrideKeys lists every key Overrides accepts.
func OverrideKeys() []string {
	var out []string
	for kind, specs := range targetKinds {
		for _, s := range specs {
			out = append(out, kind+"/"+s.Kind)
		}
	}
	slices.Sort(out)
	return out
}

func (a AlarmsArgs) withDefaults() AlarmsArgs {
	a.LoadBalancers = slices.Clone(a.LoadBalancers)
	a.Services = slices.Clone(a.Services)
	a.Caches = slices.Clone(a.Caches)
	a.Hosts = slices.Clone(a.Hosts)
	a.Distributions = slices.Clone(a.Distributions)
	a.Functions = slices.Clone(a.Functions)
	a.Probes = slices.Clone(a.Probes)
	a.NatGateways = slices.Clone(a.NatGateways)
	a.Repositories = slices.Clone(a.Repositories)
	for i := range a.Caches {
		if a.Caches[i].MaxConnections == 0 {
			a.Caches[i].MaxConnections = DefaultCacheConnections
		}
	}
	return a
}

// Validate reports every problem of the arguments at once.
func (a *AlarmsArgs) Validate() error { return a.withDefaults().validate() }

func (a AlarmsArgs) validate() error {
	var p validate.Problems
	if a.TopicARN == nil {
		p.Add("Args.TopicARN", "", "is required: an alarm nobody hears is no alarm")
	}
	names := map[string]bool{}
	name := func(field, n string) {
		if n == "" {
			p.Add(field, "", "is required: it names the alarms")
		} else if names[n] {
			p.Add(field, n, "is used by two targets")
		}
		names[n] = true
	}
	for i, lb := range a.LoadBalancers {
		name(fmt.Sprintf("Args.LoadBalancers[%d].Name", i), lb.Name)
		if lb.ARNSuffix == nil {
			p.Add(fmt.Sprintf("Args.LoadBalancers[%d].ARNSuffix", i), "", "is required")
		}
	}
	for i, s := range a.Services {
		name(fmt.Sprintf("Args.Services[%d].Name", i), s.Name)
		if s.ClusterName == nil || s.ServiceName == nil {
			p.Add(fmt.Sprintf("Args.Services[%d]", i), s.Name, "needs ClusterName and ServiceName")
		}
		p.Check(fmt.Sprintf("Args.Services[%d].MinTasks", i), fmt.Sprint(s.MinTasks), validate.CheckRange(s.MinTasks, 1, 1000))
	}
	for i, c := range a.Caches {
		name(fmt.Sprintf("Args.Caches[%d].Name", i), c.Name)
		if c.ClusterID == nil {
			p.Add(fmt.Sprintf("Args.Caches[%d].ClusterID", i), "", "is required")
		}
		p.Check(fmt.Sprintf("Args.Caches[%d].Nodes", i), fmt.Sprint(c.Nodes), validate.CheckRange(c.Nodes, 1, 60))
		p.Check(fmt.Sprintf("Args.Caches[%d].MaxConnections", i), fmt.Sprint(c.MaxConnections), validate.CheckRange(c.MaxConnections, 1, 1<<20))
	}
	for i, h := range a.Hosts {
		name(fmt.Sprintf("Args.Hosts[%d].Name", i), h.Name)
		if h.AutoScalingGroupName == nil {
			p.Add(fmt.Sprintf("Args.Hosts[%d].AutoScalingGroupName", i), "", "is required")
		}
	}
	for i, d := range a.Distributions {
		name(fmt.Sprintf("Args.Distributions[%d].Name", i), d.Name)
		if d.DistributionID == nil {
			p.Add(fmt.Sprintf("Args.Distributions[%d].DistributionID", i), "", "is required")
		}
	}
	for i, f := range a.Functions {
		name(fmt.Sprintf("Args.Functions[%d].Name", i), f.Name)
		if f.FunctionName == nil || f.DeadLetterQueueName == nil {
			p.Add(fmt.Sprintf("Args.Functions[%d]", i), f.Name, "needs FunctionName and DeadLetterQueueName")
		}
		p.Check(fmt.Sprintf("Args.Functions[%d].TimeoutSeconds", i), fmt.Sprint(f.TimeoutSeconds), validate.CheckRange(f.TimeoutSeconds, 1, 900))
	}
	for i, pr := range a.Probes {
		name(fmt.Sprintf("Args.Probes[%d].Name", i), pr.Name)
		if pr.Namespace == "" || pr.Endpoint == nil {
			p.Add(fmt.Sprintf("Args.Probes[%d]", i), pr.Name, "needs Namespace and Endpoint")
		}
	}
	for i, n := range a.NatGateways {
		name(fmt.Sprintf("Args.NatGateways[%d].Name", i), n.Name)
		if n.ID == nil {
			p.Add(fmt.Sprintf("Args.NatGateways[%d].ID", i), "", "is required")
		}
	}
	keys := OverrideKeys()
	for _, key := range slices.Sorted(maps.Keys(a.Overrides)) {
		o := a.Overrides[key]
		field := fmt.Sprintf("Args.Overrides[%q]", key)
		if !slices.Contains(keys, key) {
			p.Addf(field, key, "is not an alarm of the default set: one of %v", keys)
			continue
		}
		if o.Threshold != nil && *o.Threshold < 0 {
			p.Add(field+".Threshold", fmt.Sprint(*o.Threshold), "must not be negative: every default alarm counts, rates or sizes something")
		}
		if o.PeriodSeconds != 0 && (o.PeriodSeconds%60 != 0 || o.PeriodSeconds < 0 || o.PeriodSeconds > maxPeriodSeconds) {
			p.Add(field+".PeriodSeconds", fmt.Sprint(o.PeriodSeconds), "must be a multiple of 60 seconds, at most 86400")
		}
		if o.EvaluationPeriods != 0 {
			p.Check(field+".EvaluationPeriods", fmt.Sprint(o.EvaluationPeriods), validate.CheckRange(o.EvaluationPeriods, 1, maxEvaluationPeriods))
		}
		if spec, ok := specOf(key); ok {
			period, periods := spec.PeriodSeconds, spec.EvaluationPeriods
			if o.PeriodSeconds > 0 {
				period = o.PeriodSeconds
			}
			if o.EvaluationPeriods > 0 {
				periods = o.EvaluationPeriods
			}
			if rule := CheckEvaluationWindow(period, periods); rule != "" {
				p.Add(field, fmt.Sprintf("%d s x %d", period, periods), rule)
			}
		}
	}
	return p.Err("alarms arguments")
}
