package observability

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/alarms"
	"github.com/refarch/refarch/components/validate"
)

// OverviewAlarm is one cross-account alarm of each environment: a Metrics
// Insights query over every resource of a kind in the environment's
// account (no dimension values are needed, so resources created after the
// alarm are watched too), aggregated to one series.
type OverviewAlarm struct {
	// Kind names the alarm (<name>-<environment>-<kind>). Required.
	Kind string
	// Namespace is the metric's CloudWatch namespace (AWS/ECS). Required.
	Namespace string
	// Dimensions are the schema's dimensions: SELECT Function(Metric)
	// FROM SCHEMA("Namespace", Dimensions…). Required.
	Dimensions []string
	// Function aggregates the metric: AVG, COUNT, MAX, MIN or SUM.
	// Required.
	Function string
	// Metric is the metric's name. Required.
	Metric string
	// Comparison is the alarm's comparison operator
	// (GreaterThanThreshold). Required.
	Comparison string
	// Threshold is the value compared with. Required.
	Threshold float64
	// PeriodSeconds is the query's period, in seconds. Required.
	PeriodSeconds int
	// EvaluationPeriods is how many periods the alarm evaluates.
	// Required.
	EvaluationPeriods int
	// Description tells the person paged what to look at first.
	// Required.
	Description string
}

// DefaultOverviewAlarms are what an operator needs to know of an
// environment without signing in to it: its users get errors, it got
// slow, its services or its database run out of CPU or memory, its
// database runs out of storage. Each environment's own alarms (with the
// resources' exact dimensions) stay in its account; these are the
// summary, one place for all. Missing data is not breaching: an idle
// environment reports no errors.
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-alarms.html
var DefaultOverviewAlarms = []OverviewAlarm{
	{Kind: "alb-5xx", Namespace: "AWS/ApplicationELB", Dimensions: []string{"LoadBalancer"}, Function: "SUM", Metric: "HTTPCode_Target_5XX_Count",
		Comparison: "GreaterThanThreshold", Threshold: 50, PeriodSeconds: 300, EvaluationPeriods: 1,
		Description: "the environment's services answered over 50 requests with 5xx in 5 minutes: open its load balancers' alarms and the failing service's logs (shared here)"},
	{Kind: "alb-latency", Namespace: "AWS/ApplicationELB", Dimensions: []string{"LoadBalancer"}, Function: "AVG", Metric: "TargetResponseTime",
		Comparison: "GreaterThanThreshold", Threshold: 1, PeriodSeconds: 300, EvaluationPeriods: 3,
		Description: "the environment's average response time was over 1 s for 15 minutes: follow a slow request's trace (shared here) to the service or database"},
	{Kind: "ecs-cpu", Namespace: "AWS/ECS", Dimensions: []string{"ClusterName", "ServiceName"}, Function: "MAX", Metric: "CPUUtilization",
		Comparison: "GreaterThanThreshold", Threshold: 90, PeriodSeconds: 300, EvaluationPeriods: 3,
		Description: "a service of the environment used over 90% of its CPU for 15 minutes: the dashboard's services widget shows which"},
	{Kind: "ecs-memory", Namespace: "AWS/ECS", Dimensions: []string{"ClusterName", "ServiceName"}, Function: "MAX", Metric: "MemoryUtilization",
		Comparison: "GreaterThanThreshold", Threshold: 90, PeriodSeconds: 300, EvaluationPeriods: 3,
		Description: "a service of the environment used over 90% of its memory for 15 minutes: the next step is an out-of-memory kill"},
	{Kind: "rds-cpu", Namespace: "AWS/RDS", Dimensions: []string{"DBInstanceIdentifier"}, Function: "MAX", Metric: "CPUUtilization",
		Comparison: "GreaterThanThreshold", Threshold: 90, PeriodSeconds: 300, EvaluationPeriods: 3,
		Description: "a database instance of the environment used over 90% of its CPU for 15 minutes: look at Performance Insights' top queries"},
	{Kind: "rds-free-storage", Namespace: "AWS/RDS", Dimensions: []string{"DBInstanceIdentifier"}, Function: "MIN", Metric: "FreeStorageSpace",
		Comparison: "LessThanThreshold", Threshold: 5 * 1024 * 1024 * 1024, PeriodSeconds: 300, EvaluationPeriods: 1,
		Description: "a database instance of the environment has under 5 GiB free: storage autoscaling is at its maximum or cannot keep up"},
}

// overviewPanel is one widget of an environment's row.
type overviewPanel struct {
	title      string
	namespace  string
	dimensions []string
	function   string
	metrics    []string
}

// overviewPanels are each environment's widgets: the load balancers' 5xx
// and latency, the services' CPU and memory, the database's CPU,
// connections and free storage, one line per resource (GROUP BY).
var overviewPanels = []overviewPanel{
	{"load balancers: 5xx", "AWS/ApplicationELB", []string{"LoadBalancer"}, "SUM", []string{"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"}},
	{"load balancers: latency (average, s)", "AWS/ApplicationELB", []string{"LoadBalancer"}, "AVG", []string{"TargetResponseTime"}},
	{"services: CPU and memory (%)", "AWS/ECS", []string{"ClusterName", "ServiceName"}, "AVG", []string{"CPUUtilization", "MemoryUtilization"}},
	{"database: CPU (%)", "AWS/RDS", []string{"DBInstanceIdentifier"}, "AVG", []string{"CPUUtilization"}},
	{"database: connections", "AWS/RDS", []string{"DBInstanceIdentifier"}, "MAX", []string{"DatabaseConnections"}},
	{"database: free storage (bytes)", "AWS/RDS", []string{"DBInstanceIdentifier"}, "MIN", []string{"FreeStorageSpace"}},
}

// InsightsQuery is the Metrics Insights query of one metric over every
// resource of a schema in one account: in a monitoring account,
// AWS.AccountId scopes a query to a source account; groupBy gives one
// series per resource (a dashboard's lines), without it one aggregate (an
// alarm's).
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html
func InsightsQuery(function, metric, namespace string, dimensions []string, accountID string, groupBy bool) string {
	schema := append([]string{`"` + namespace + `"`}, dimensions...)
	q := fmt.Sprintf(`SELECT %s(%s) FROM SCHEMA(%s) WHERE AWS.AccountId = '%s'`, function, metric, strings.Join(schema, ", "), accountID)
	if groupBy {
		q += " GROUP BY " + strings.Join(dimensions, ", ")
	}
	return q
}

// Overview is the monitoring account's view of every environment: one
// dashboard (named like the component) with a row per environment
// (overviewPanels, each query scoped to the environment's account), and
// for each environment the alarms of Args.Alarms, notifying Args.TopicARN
// on ALARM and on OK. Both read the source accounts' metrics through
// their links: they show data once the environments have linked, and need
// nothing of theirs to be created (the monitoring account deploys first).
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-alarms.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
type Overview struct {
	pulumi.ResourceState

	// DashboardName is the dashboard's name.
	DashboardName pulumi.StringOutput `pulumi:"dashboardName"`
	// AlarmNames are the alarms' names, in order.
	AlarmNames pulumi.StringArrayOutput `pulumi:"alarmNames"`
}

// NewOverview creates the dashboard and the alarms. It validates args
// before registering anything.
func NewOverview(ctx *pulumi.Context, name string, args *OverviewArgs, opts ...pulumi.ResourceOption) (*Overview, error) {
	if args == nil {
		args = &OverviewArgs{}
	}
	a := args.withDefaults()
	if err := validate.Component("overview arguments", name, CheckName(name), &a); err != nil {
		return nil, fmt.Errorf("overview %q: %w", name, err)
	}
	c := &Overview{}
	if err := ctx.RegisterComponentResource("refarch:observability:Overview", name, c, opts...); err != nil {
		return nil, fmt.Errorf("overview %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	body, err := overviewBody(a)
	if err != nil {
		return nil, fmt.Errorf("overview %q: dashboard: %w", name, err)
	}
	dash, err := cloudwatch.NewDashboard(ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(name),
		DashboardBody: pulumi.String(body),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("overview %q: dashboard: %w", name, err)
	}
	topic := pulumi.Array{a.TopicARN}
	var names pulumi.StringArray
	for _, env := range a.Environments {
		for _, al := range a.Alarms {
			alarm := name + "-" + env.Name + "-" + al.Kind
			// A Metrics Insights alarm: one query, its period given.
			// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html
			if _, err := cloudwatch.NewMetricAlarm(ctx, alarm, &cloudwatch.MetricAlarmArgs{
				Name:               pulumi.String(alarm),
				AlarmDescription:   pulumi.String(env.Name + ": " + al.Description),
				ComparisonOperator: pulumi.String(al.Comparison),
				Threshold:          pulumi.Float64(al.Threshold),
				EvaluationPeriods:  pulumi.Int(al.EvaluationPeriods),
				TreatMissingData:   pulumi.String("notBreaching"),
				AlarmActions:       topic,
				OkActions:          topic,
				MetricQueries: cloudwatch.MetricAlarmMetricQueryArray{&cloudwatch.MetricAlarmMetricQueryArgs{
					Id:         pulumi.String("q1"),
					Expression: pulumi.String(InsightsQuery(al.Function, al.Metric, al.Namespace, al.Dimensions, env.AccountID, false)),
					Period:     pulumi.Int(al.PeriodSeconds),
					Label:      pulumi.String(env.Name + " " + al.Metric),
					ReturnData: pulumi.Bool(true),
				}},
			}, child); err != nil {
				return nil, fmt.Errorf("overview %q: alarm %s: %w", name, alarm, err)
			}
			names = append(names, pulumi.String(alarm))
		}
	}
	c.DashboardName = dash.DashboardName
	c.AlarmNames = names.ToStringArrayOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"dashboardName": c.DashboardName, "alarmNames": c.AlarmNames})
}

// overviewBody renders the dashboard: per environment a text header and
// its panels, each metric a Metrics Insights query scoped to its account.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
func overviewBody(a OverviewArgs) (string, error) {
	var widgets []alarms.Widget
	y := 0
	for _, env := range a.Environments {
		widgets = append(widgets, alarms.Widget{Type: "text", X: 0, Y: y, Width: 24, Height: 1,
			Properties: map[string]any{"markdown": fmt.Sprintf("## %s (account %s)", env.Name, env.AccountID)}})
		y++
		for i, p := range overviewPanels {
			var metrics [][]any
			for j, m := range p.metrics {
				metrics = append(metrics, []any{map[string]any{
					"id":         fmt.Sprintf("q%d", j+1),
					"expression": InsightsQuery(p.function, m, p.namespace, p.dimensions, env.AccountID, true),
					"label":      m,
				}})
			}
			widgets = append(widgets, alarms.Widget{Type: "metric", X: (i % 3) * 8, Y: y + (i/3)*6, Width: 8, Height: 6,
				Properties: map[string]any{"title": env.Name + " " + p.title, "region": a.Region, "period": 300, "view": "timeSeries", "metrics": metrics}})
		}
		y += ((len(overviewPanels) + 2) / 3) * 6
	}
	out, err := json.Marshal(map[string]any{"widgets": widgets})
	return string(out), err
}
