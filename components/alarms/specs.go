package alarms

// Spec is one alarm of the default set: what it measures, when it fires,
// how missing data counts and what the person paged looks at first.
type Spec struct {
	// Kind names the alarm in Overrides and in the alarm's name.
	Kind string
	// Namespace, Metric and Statistic select the metric (Statistic may be
	// a percentile such as "p99"). Ratio specs set Numerator instead.
	Namespace, Metric, Statistic string
	// Numerator and Denominator, when set, make the alarm a metric-math
	// percentage 100 * Numerator / Denominator (sums over the period).
	Numerator, Denominator string
	// Comparison is the CloudWatch comparison operator.
	Comparison string
	// Threshold, PeriodSeconds and EvaluationPeriods say when it fires.
	Threshold         float64
	PeriodSeconds     int
	EvaluationPeriods int
	// MissingData is how a period without data counts: "notBreaching",
	// "breaching", "missing" or "ignore".
	MissingData string
	// Description tells the person paged what to look at first.
	Description string
}

// The default sets, one per kind of target. Thresholds follow AWS's
// recommended alarms where AWS publishes one.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html
var (
	// LoadBalancerSpecs watch an Application Load Balancer. Missing data
	// is not breaching: an idle load balancer reports no requests, hence
	// no errors.
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
	LoadBalancerSpecs = []Spec{
		{Kind: "target-5xx-rate", Namespace: "AWS/ApplicationELB", Numerator: "HTTPCode_Target_5XX_Count", Denominator: "RequestCount",
			Comparison: "GreaterThanThreshold", Threshold: 5, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "more than 5% of requests failed in the services (5xx from targets): read the failing service's logs and its last deployment"},
		{Kind: "elb-5xx-rate", Namespace: "AWS/ApplicationELB", Numerator: "HTTPCode_ELB_5XX_Count", Denominator: "RequestCount",
			Comparison: "GreaterThanThreshold", Threshold: 5, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "more than 5% of requests failed at the load balancer itself (no healthy target, timeouts): check the target groups' health and the tasks' TLS"},
		{Kind: "target-p99", Namespace: "AWS/ApplicationELB", Metric: "TargetResponseTime", Statistic: "p99",
			Comparison: "GreaterThanThreshold", Threshold: 2, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "notBreaching",
			Description: "the slowest 1% of responses took over 2 s for 15 minutes: look at the services' CPU and the database's latency"},
		{Kind: "rejected-connections", Namespace: "AWS/ApplicationELB", Metric: "RejectedConnectionCount", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 0, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "the load balancer refused connections (its connection limit): check for a traffic surge or a client opening connections in a loop"},
	}
	// ServiceSpecs watch an ECS service. CPU and memory count missing data
	// as missing (a service being replaced reports nothing for a moment);
	// too few running tasks counts it as breaching: a service reporting no
	// tasks runs none.
	// Sources: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html,
	// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html
	ServiceSpecs = []Spec{
		{Kind: "cpu", Namespace: "AWS/ECS", Metric: "CPUUtilization", Statistic: "Average",
			Comparison: "GreaterThanThreshold", Threshold: 80, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "missing",
			Description: "the service's tasks used over 80% of their CPU for 15 minutes: autoscaling may be at its maximum; check the task count and the code path that got hot"},
		{Kind: "memory", Namespace: "AWS/ECS", Metric: "MemoryUtilization", Statistic: "Average",
			Comparison: "GreaterThanThreshold", Threshold: 80, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "missing",
			Description: "the service's tasks used over 80% of their memory for 15 minutes: a leak or a too-small task; the next step is an out-of-memory kill"},
		{Kind: "running-tasks", Namespace: "ECS/ContainerInsights", Metric: "RunningTaskCount", Statistic: "Minimum",
			Comparison: "LessThanThreshold", PeriodSeconds: 60, EvaluationPeriods: 3, MissingData: "breaching",
			Description: "fewer tasks run than the service's floor: read the service's events (failed health checks, image pulls, capacity)"},
	}
	// HostSpecs watch the instances of an Auto Scaling group (the VPN
	// server). A failed status check makes the group replace the instance
	// (its EC2 health check); the alarm tells whoever is on call that it
	// happened. Missing data is breaching: a group whose instances report
	// nothing has none running.
	// Source: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/viewing_metrics_with_cloudwatch.html
	HostSpecs = []Spec{
		{Kind: "status-check", Namespace: "AWS/EC2", Metric: "StatusCheckFailed", Statistic: "Maximum",
			Comparison: "GreaterThanThreshold", Threshold: 0, PeriodSeconds: 60, EvaluationPeriods: 2, MissingData: "breaching",
			Description: "an instance failed its status checks: the Auto Scaling group replaces it; if this repeats, read the instance's console output and boot log"},
		{Kind: "cpu", Namespace: "AWS/EC2", Metric: "CPUUtilization", Statistic: "Average",
			Comparison: "GreaterThanThreshold", Threshold: 80, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "breaching",
			Description: "the host's CPU is over 80% for 15 minutes: too many clients for the instance type, or a runaway process (open a Session Manager session)"},
		{Kind: "network-out", Namespace: "AWS/EC2", Metric: "NetworkOut", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 10 * 1024 * 1024 * 1024, PeriodSeconds: 3600, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "the host sent over 10 GiB in an hour: far beyond operators' use; check the connected clients in the OpenVPN status log"},
	}
	// DistributionSpecs watch a CloudFront distribution. Its metrics exist
	// in us-east-1 only (dimension Region=Global), so the alarms and the
	// topic they notify must be there too. Missing data is not breaching:
	// no requests, no errors.
	// Source: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html
	DistributionSpecs = []Spec{
		{Kind: "5xx-rate", Namespace: "AWS/CloudFront", Metric: "5xxErrorRate", Statistic: "Average",
			Comparison: "GreaterThanThreshold", Threshold: 5, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "over 5% of the CDN's responses are 5xx: check the origins (the public load balancer's alarms, the assets bucket) before CloudFront itself"},
	}
	// CacheSpecs watch each node of a Memcached cluster. Missing data is
	// breaching: a node that reports nothing is down.
	// Source: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Memcached.html
	CacheSpecs = []Spec{
		{Kind: "cpu", Namespace: "AWS/ElastiCache", Metric: "CPUUtilization", Statistic: "Average",
			Comparison: "GreaterThanThreshold", Threshold: 75, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "breaching",
			Description: "the cache node's CPU is over 75%: add nodes or a larger node type before latency grows"},
		{Kind: "evictions", Namespace: "AWS/ElastiCache", Metric: "Evictions", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 1000, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "breaching",
			Description: "the cache evicts live items (over 1000 per 5 minutes): it is too small for the working set; the database takes the misses"},
		{Kind: "swap", Namespace: "AWS/ElastiCache", Metric: "SwapUsage", Statistic: "Maximum",
			Comparison: "GreaterThanThreshold", Threshold: 50 * 1024 * 1024, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "breaching",
			Description: "the cache node swaps over 50 MiB: its memory is overcommitted; lower max memory or use a larger node"},
		{Kind: "connections", Namespace: "AWS/ElastiCache", Metric: "CurrConnections", Statistic: "Maximum",
			Comparison: "GreaterThanThreshold", PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "breaching",
			Description: "the cache node holds over 80% of its connection limit: a client leaks connections"},
	}
	// FunctionSpecs watch a Lambda function and its dead-letter queue.
	// Missing data is not breaching: a function nobody invoked has no
	// errors; duration's threshold is 80% of the function's timeout.
	// Sources: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html,
	// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
	FunctionSpecs = []Spec{
		{Kind: "errors", Namespace: "AWS/Lambda", Metric: "Errors", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 0, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "the function returned errors: read its log group (/aws/lambda/<name>) and its X-Ray traces for the failing call"},
		{Kind: "throttles", Namespace: "AWS/Lambda", Metric: "Throttles", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 0, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "invocations were throttled: the reserved concurrency or the account's limit is reached; asynchronous events are retried, then dead-lettered"},
		{Kind: "duration", Namespace: "AWS/Lambda", Metric: "Duration", Statistic: "Maximum",
			Comparison: "GreaterThanThreshold", PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "an invocation ran over 80% of the function's timeout: a dependency is slow (the traces show which); the next step is timeouts"},
		{Kind: "dead-letters", Namespace: "AWS/SQS", Metric: "ApproximateNumberOfMessagesVisible", Statistic: "Maximum",
			Comparison: "GreaterThanThreshold", Threshold: 0, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "events failed every retry and wait in the function's dead-letter queue (<name>-dlq, kept 14 days): fix the cause, then redrive them"},
	}
	// ProbeSpecs watch an endpoint from outside (edge-probe's custom
	// metrics, one minute apart). Failure treats missing data as breaching:
	// a probe that reports nothing proves nothing is up.
	ProbeSpecs = []Spec{
		{Kind: "failing", Metric: "Success", Statistic: "Average",
			Comparison: "LessThanThreshold", Threshold: 1, PeriodSeconds: 60, EvaluationPeriods: 3, MissingData: "breaching",
			Description: "the endpoint failed the outside-in probe for 3 minutes (or the probe stopped reporting): users see it too; check the CDN, then the load balancer's alarms"},
		{Kind: "latency", Metric: "Latency", Statistic: "Average",
			Comparison: "GreaterThanThreshold", Threshold: 2000, PeriodSeconds: 60, EvaluationPeriods: 5, MissingData: "notBreaching",
			Description: "the endpoint took over 2 s to answer the probe for 5 minutes: look at the origin's latency alarms"},
	}
	// NatGatewaySpecs watch a NAT gateway. Missing data is not breaching:
	// a gateway without traffic reports no errors.
	// Source: https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway-cloudwatch.html
	NatGatewaySpecs = []Spec{
		{Kind: "port-allocation-errors", Namespace: "AWS/NATGateway", Metric: "ErrorPortAllocation", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 0, PeriodSeconds: 300, EvaluationPeriods: 1, MissingData: "notBreaching",
			Description: "the NAT gateway could not allocate a source port: too many concurrent connections to one destination; look for a client opening connections in a loop"},
		{Kind: "packets-dropped", Namespace: "AWS/NATGateway", Metric: "PacketsDropCount", Statistic: "Sum",
			Comparison: "GreaterThanThreshold", Threshold: 100, PeriodSeconds: 300, EvaluationPeriods: 3, MissingData: "notBreaching",
			Description: "the NAT gateway dropped packets for 15 minutes: check the AWS Health Dashboard for the zone, then the gateway's bandwidth"},
	}
)
