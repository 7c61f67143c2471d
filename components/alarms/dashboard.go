package alarms

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
)

// panel is one dashboard widget: the golden signals of one target, from
// the same target list the alarms use, so a new service appears in both.
type panel struct {
	title     string
	namespace string
	stat      string
	metrics   []string
	dims      []dimension
}

type dimension struct {
	name  string
	value pulumi.StringInput
}

// panels lists the widgets of every target of a.
func panels(a AlarmsArgs) []panel {
	var out []panel
	for _, lb := range a.LoadBalancers {
		dims := []dimension{{"LoadBalancer", lb.ARNSuffix}}
		out = append(out,
			panel{"load balancer " + lb.Name + ": traffic and errors", "AWS/ApplicationELB", "Sum", []string{"RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"}, dims},
			panel{"load balancer " + lb.Name + ": latency p99", "AWS/ApplicationELB", "p99", []string{"TargetResponseTime"}, dims})
	}
	for _, s := range a.Services {
		out = append(out, panel{"service " + s.Name + ": saturation", "AWS/ECS", "Average", []string{"CPUUtilization", "MemoryUtilization"},
			[]dimension{{"ClusterName", s.ClusterName}, {"ServiceName", s.ServiceName}}})
	}
	for _, c := range a.Caches {
		for node := 1; node <= c.Nodes; node++ {
			out = append(out, panel{fmt.Sprintf("cache %s node %04d", c.Name, node), "AWS/ElastiCache", "Average", []string{"CPUUtilization", "CurrConnections", "Evictions"},
				[]dimension{{"CacheClusterId", c.ClusterID}, {"CacheNodeId", pulumi.String(fmt.Sprintf("%04d", node))}}})
		}
	}
	for _, d := range a.Distributions {
		out = append(out, panel{"CDN " + d.Name, "AWS/CloudFront", "Average", []string{"Requests", "4xxErrorRate", "5xxErrorRate"},
			[]dimension{{"DistributionId", d.DistributionID}, {"Region", pulumi.String("Global")}}})
	}
	for _, h := range a.Hosts {
		out = append(out, panel{"host " + h.Name, "AWS/EC2", "Average", []string{"CPUUtilization", "NetworkIn", "NetworkOut"},
			[]dimension{{"AutoScalingGroupName", h.AutoScalingGroupName}}})
	}
	for _, f := range a.Functions {
		out = append(out, panel{"function " + f.Name, "AWS/Lambda", "Sum", []string{"Invocations", "Errors", "Throttles"},
			[]dimension{{"FunctionName", f.FunctionName}}})
	}
	for _, p := range a.Probes {
		out = append(out, panel{"probe " + p.Name, p.Namespace, "Average", []string{"Success", "Latency"},
			[]dimension{{"Endpoint", p.Endpoint}}})
	}
	for _, n := range a.NatGateways {
		out = append(out, panel{"NAT gateway " + n.Name, "AWS/NATGateway", "Sum", []string{"ActiveConnectionCount", "ErrorPortAllocation", "PacketsDropCount"},
			[]dimension{{"NatGatewayId", n.ID}}})
	}
	if len(a.Repositories) > 0 {
		// ECR publishes API usage, not per-repository traffic: pushes
		// (PutImage) and pulls (BatchGetImage) of the registry.
		// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/monitoring-usage.html
		out = append(out,
			panel{"registry: pushes", "AWS/Usage", "Sum", []string{"CallCount"},
				[]dimension{{"Service", pulumi.String("ECR")}, {"Type", pulumi.String("API")}, {"Resource", pulumi.String("PutImage")}, {"Class", pulumi.String("None")}}},
			panel{"registry: pulls", "AWS/Usage", "Sum", []string{"CallCount"},
				[]dimension{{"Service", pulumi.String("ECR")}, {"Type", pulumi.String("API")}, {"Resource", pulumi.String("BatchGetImage")}, {"Class", pulumi.String("None")}}})
	}
	return out
}

// dashboard creates one CloudWatch dashboard named like the component with
// a widget per panel.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
func (b *builder) dashboard(name string) error {
	ps := panels(b.a)
	if len(ps) == 0 {
		return nil
	}
	env, err := awsenv.Lookup(b.ctx, b.child)
	if err != nil {
		return err
	}
	var inputs []any
	for _, p := range ps {
		for _, d := range p.dims {
			inputs = append(inputs, d.value)
		}
	}
	body := pulumi.All(inputs...).ApplyT(func(values []any) (string, error) {
		return dashboardBody(ps, values, env.Region)
	}).(pulumi.StringOutput)
	_, err = cloudwatch.NewDashboard(b.ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(name),
		DashboardBody: body,
	}, b.child)
	return err
}

// Widget is one widget of a CloudWatch dashboard's body: its type
// (metric, text), its place and size on the 24-column grid, and its
// properties.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
type Widget struct {
	Type       string         `json:"type"`
	X          int            `json:"x"`
	Y          int            `json:"y"`
	Width      int            `json:"width"`
	Height     int            `json:"height"`
	Properties map[string]any `json:"properties"`
}

// dashboardBody renders the panels, values being their dimensions' values
// in order.
func dashboardBody(ps []panel, values []any, region string) (string, error) {
	var widgets []Widget
	i := 0
	for n, p := range ps {
		var dims []any
		for _, d := range p.dims {
			dims = append(dims, d.name, fmt.Sprint(values[i]))
			i++
		}
		var metrics [][]any
		for _, m := range p.metrics {
			metrics = append(metrics, append([]any{p.namespace, m}, dims...))
		}
		widgets = append(widgets, Widget{
			Type: "metric", X: (n % 2) * 12, Y: (n / 2) * 6, Width: 12, Height: 6,
			Properties: map[string]any{"title": p.title, "region": region, "stat": p.stat, "period": 300, "view": "timeSeries", "metrics": metrics},
		})
	}
	out, err := json.Marshal(map[string]any{"widgets": widgets})
	return string(out), err
}
