package policies

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of the Lambda functions and what feeds them, of their
// dead-letter queues, and of CloudWatch alarms and dashboards.

const (
	typeLambdaFunction = "aws:lambda/function:Function"
	typeInvokeConfig   = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	typeSubscription   = "aws:sns/topicSubscription:TopicSubscription"
	typeDashboard      = "aws:cloudwatch/dashboard:Dashboard"
)

// roleOf returns the role record a function's role ARN names.
func (s *Stack) roleOf(fn *offline.Resource) *offline.Resource {
	arn := fn.String("role")
	for _, r := range s.ByType(typeRole) {
		if arn != "" && str(r.Output("arn")) == arn {
			return r
		}
	}
	return nil
}

// rolePolicies returns the inline policies attached to role.
func (s *Stack) rolePolicies(role *offline.Resource) []*offline.Resource {
	return s.Linked(role, typeRolePolicy, "role")
}

// policyGrants reports whether one of the Allow statements of the policy
// documents grants action on resource (IAM's wildcards in both).
func policyGrants(docs []*offline.Resource, action, resource string) bool {
	for _, d := range docs {
		sts, ok := statements(d, "policy")
		if !ok {
			continue
		}
		for _, st := range sts {
			if st.effect() != "Allow" || !st.grantsAction(action) {
				continue
			}
			for _, r := range st.resources() {
				if globMatch(r, resource) {
					return true
				}
			}
		}
	}
	return false
}

// alarmPeriods are the periods of an alarm: its own, or its metric
// queries'.
func alarmPeriods(r *offline.Resource) []int {
	if v := r.Get("period"); v != nil && known(v) {
		return []int{r.Int("period")}
	}
	var out []int
	for _, q := range r.List("metricQueries") {
		m, _ := q.(map[string]any)
		metric, _ := m["metric"].(map[string]any)
		if p, ok := metric["period"].(float64); ok {
			out = append(out, int(p))
		}
	}
	return out
}

func awsFunctionRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "lambda-dead-letter-permission-before-function",
			Title:    "A function with a dead-letter queue is created after the inline policy that lets its role send to that queue",
			Severity: Critical,
			Reason:   "Lambda checks the role's permission when the function is created and refuses it without",
			Check: func(c *Checker) {
				c.Each(func(fn *offline.Resource) string {
					target := fn.String("deadLetterConfig.targetArn")
					if target == "" || !strings.Contains(target, ":sqs:") || !known(fn.Get("role")) {
						return ""
					}
					role := c.Stack.roleOf(fn)
					if role == nil {
						return ""
					}
					for _, p := range c.Stack.rolePolicies(role) {
						if policyGrants([]*offline.Resource{p}, "sqs:SendMessage", target) && c.Stack.DependsOn(fn, p) {
							return ""
						}
					}
					return "no inline policy of its role granting sqs:SendMessage on the dead-letter queue is created before it"
				}, typeLambdaFunction)
			},
		}, Constraint{
			Dimension: DimOrder, Kind: OrderOrState,
			URL:   "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
			Quote: "To send events to a queue or topic, your function needs additional permissions. Add a policy with the required permissions to your function's execution role.",
			Error: "InvalidParameterValueException",
		}),
		awsRule(&Rule{
			ID:       "lambda-dead-letter-key-admits-role",
			Title:    "A function's role may use the key of its encrypted dead-letter queue",
			Severity: High,
			Reason:   "Lambda cannot send the failed event and deletes it: the event is lost (the DeadLetterErrors metric counts it)",
			Check: func(c *Checker) {
				queues := map[string]*offline.Resource{}
				for _, q := range c.Stack.ByType(typeQueue) {
					queues[str(q.Output("arn"))] = q
				}
				c.Each(func(fn *offline.Resource) string {
					q := queues[fn.String("deadLetterConfig.targetArn")]
					if q == nil || !set(q.Get("kmsMasterKeyId")) || !known(q.Get("kmsMasterKeyId")) {
						return ""
					}
					role := c.Stack.roleOf(fn)
					if role == nil {
						return ""
					}
					key := q.String("kmsMasterKeyId")
					pols := c.Stack.rolePolicies(role)
					for _, action := range []string{"kms:GenerateDataKey", "kms:Decrypt"} {
						if !policyGrants(pols, action, key) {
							return fmt.Sprintf("its role may not %s with the queue's key", action)
						}
					}
					return ""
				}, typeLambdaFunction)
			},
		}, Constraint{
			Dimension: DimPolicy, Kind: Static,
			URL:   "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
			Quote: "If the target queue or topic is encrypted with a customer managed key, the execution role must also be a user in the key's resource-based policy.",
		}),
		awsRule(&Rule{
			ID:       "lambda-tracing-permissions",
			Title:    "A function with active X-Ray tracing has a role that may write trace segments and telemetry",
			Severity: Medium,
			Reason:   "the traces are dropped: nobody sees where a slow invocation spent its time",
			Check: func(c *Checker) {
				c.Each(func(fn *offline.Resource) string {
					if fn.String("tracingConfig.mode") != "Active" {
						return ""
					}
					role := c.Stack.roleOf(fn)
					if role == nil {
						return ""
					}
					pols := c.Stack.rolePolicies(role)
					for _, a := range []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"} {
						if !policyGrants(pols, a, "*") {
							return fmt.Sprintf("its role may not %s", a)
						}
					}
					return ""
				}, typeLambdaFunction)
			},
		}, Constraint{
			Dimension: DimPrerequisite, Kind: Static,
			URL:   "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSXRayDaemonWriteAccess.html",
			Quote: "\"Action\" : [ \"xray:PutTraceSegments\", \"xray:PutTelemetryRecords\", \"xray:GetSamplingRules\", \"xray:GetSamplingTargets\", \"xray:GetSamplingStatisticSummaries\" ], \"Resource\" : [ \"*\" ]",
		}),
		awsRule(&Rule{
			ID:       "lambda-async-retry-ranges",
			Title:    "Asynchronous invocation settings stay in Lambda's ranges (0-2 retries, 60-21600 seconds of event age)",
			Severity: Medium,
			Reason:   "Lambda refuses the configuration",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					if v := r.Get("maximumRetryAttempts"); v != nil && known(v) {
						if n := r.Int("maximumRetryAttempts"); n < 0 || n > 2 {
							return fmt.Sprintf("maximumRetryAttempts is %d", n)
						}
					}
					if v := r.Get("maximumEventAgeInSeconds"); v != nil && known(v) {
						if n := r.Int("maximumEventAgeInSeconds"); n < 60 || n > 21600 {
							return fmt.Sprintf("maximumEventAgeInSeconds is %d", n)
						}
					}
					return ""
				}, typeInvokeConfig)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/lambda/latest/dg/API_PutFunctionEventInvokeConfig.html",
			Quote: "MaximumRetryAttempts ... The maximum number of times to retry when the function returns an error. Type: Integer Valid Range: Minimum value of 0. Maximum value of 2.",
			Error: "InvalidParameterValueException",
		}),
		awsRule(&Rule{
			ID:       "sns-lambda-subscription-in-topic-region",
			Title:    "A function's subscription to a topic is made in the topic's region, and the function lets that topic invoke it",
			Severity: High,
			Reason:   "SNS refuses a subscription made in another region; without the permission every delivery is denied and the notifications stay unread",
			Check: func(c *Checker) {
				c.Each(func(s *offline.Resource) string {
					if s.String("protocol") != "lambda" || !known(s.Get("topic")) {
						return ""
					}
					parts := strings.Split(s.String("topic"), ":")
					if len(parts) < 6 {
						return ""
					}
					if region := c.Stack.providerRegion(s); region != "" && region != parts[3] {
						return fmt.Sprintf("subscribed through a provider of %s to a topic of %s", region, parts[3])
					}
					for _, p := range c.Stack.ByType("aws:lambda/permission:Permission") {
						if p.String("principal") == "sns.amazonaws.com" && p.String("sourceArn") == s.String("topic") {
							return ""
						}
					}
					return "no Lambda permission lets the topic invoke the function"
				}, typeSubscription)
			},
		}, Constraint{
			Dimension: DimPolicy, Kind: Static,
			URL:   "https://docs.aws.amazon.com/sns/latest/dg/sns-cross-region-delivery.html",
			Quote: "Amazon SNS supports the cross-region delivery of notifications to Amazon SQS queues and to AWS Lambda functions. When one of the Regions is an opt-in Region, you must specify a different Amazon SNS service principal in the subscribed resource's policy.",
		}),
		awsRule(&Rule{
			ID:       "cloudwatch-alarm-evaluation-window",
			Title:    "Alarms use periods of 10, 20, 30 seconds or a multiple of 60, and evaluate at most a day (periods under an hour) or seven days",
			Severity: Medium,
			Reason:   "CloudWatch refuses the alarm",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					periods := r.Int("evaluationPeriods")
					for _, p := range alarmPeriods(r) {
						switch {
						case !slices.Contains([]int{10, 20, 30}, p) && p%60 != 0:
							return fmt.Sprintf("period %d is neither 10, 20, 30 nor a multiple of 60", p)
						case p < 3600 && p*periods > 86400:
							return fmt.Sprintf("evaluates %d s with a period under an hour", p*periods)
						case p*periods > 604800:
							return fmt.Sprintf("evaluates %d s", p*periods)
						}
					}
					return ""
				}, typeMetricAlarm)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
			Quote: "An alarm's total current evaluation period can be no longer than seven days, so Period multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be longer than one day (86,400 seconds).",
			Error: "ValidationError",
		}),
		awsRule(&Rule{
			ID:       "cloudwatch-dashboard-names-unique",
			Title:    "No two dashboards of an account share a name, whatever their region",
			Severity: Medium,
			Reason:   "dashboards are global: the second one silently replaces the first",
			Check: func(c *Checker) {
				seen := map[string]string{}
				c.Each(func(r *offline.Resource) string {
					name := r.String("dashboardName")
					key := c.Stack.providerAccount(r) + "/" + name
					if other, dup := seen[key]; dup && name != "" {
						return fmt.Sprintf("dashboard %q is also created as %s", name, other)
					}
					seen[key] = r.Name
					return ""
				}, typeDashboard)
			},
		}, Constraint{
			Dimension: DimArguments, Kind: Static,
			URL:   "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
			Quote: "Creates a dashboard if it does not already exist, or updates an existing dashboard. If you update a dashboard, the entire contents are replaced with what you specify here. All dashboards in your account are global, not region-specific.",
		}),
	}
}
