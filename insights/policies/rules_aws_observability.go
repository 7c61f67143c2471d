package policies

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of CloudWatch cross-account observability: a source account's
// link, the monitoring account's sink and the sink's policy.

const (
	typeOAMSink       = "aws:oam/sink:Sink"
	typeOAMSinkPolicy = "aws:oam/sinkPolicy:SinkPolicy"
	typeOAMLink       = "aws:oam/link:Link"
)

// oamSinkOf finds the sink a link names among the stacks deployed before
// the link's, with that sink's stack; nil when none holds it.
func oamSinkOf(s *Stack, link *offline.Resource) (*Stack, *offline.Resource) {
	arn := link.String("sinkIdentifier")
	for _, peer := range s.Peers() {
		if peer == s || !s.Before(peer.Name, s.Name) {
			continue
		}
		for _, sink := range peer.ByType(typeOAMSink) {
			if arn != "" && str(sink.Output("arn")) == arn {
				return peer, sink
			}
		}
	}
	return nil, nil
}

// oamLabelVariable is a variable of a link's label template.
var oamLabelVariable = regexp.MustCompile(`\$[A-Za-z]+`)

func awsObservabilityRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "oam-link-after-its-sink",
			Title:    "A link names a sink that a stack deployed before it creates",
			Severity: High,
			Reason:   "AWS creates a link only to an existing sink: a link to a sink not created yet (or in no stack) is refused, and the account shares nothing",
			Check: func(c *Checker) {
				for _, link := range c.Stack.ByType(typeOAMLink) {
					if !known(link.Get("sinkIdentifier")) || len(c.Stack.Peers()) == 0 {
						c.Judge(link, "")
						continue
					}
					_, sink := oamSinkOf(c.Stack, link)
					c.Judge(link, unless(sink != nil, fmt.Sprintf("sinkIdentifier %q is the sink of no stack deployed before %s: deploy the monitoring account's stack first", link.String("sinkIdentifier"), c.Stack.Name)))
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html",
			Quote:     "Before you create a link, you must create a sink in the monitoring account and create a sink policy in that account.",
			Error:     "ResourceNotFoundException",
		}),
		awsRule(&Rule{
			ID:       "oam-sink-policy-admits-link",
			Title:    "The sink's policy lets the link's account create it, with every resource type the link shares",
			Severity: High,
			Reason:   "a link whose account or resource types the sink policy does not allow is refused: nothing is shared",
			Check: func(c *Checker) {
				for _, link := range c.Stack.ByType(typeOAMLink) {
					peer, sink := oamSinkOf(c.Stack, link)
					if peer == nil || !known(link.Get("resourceTypes")) {
						c.Judge(link, "")
						continue
					}
					account := c.Stack.providerAccount(link)
					types := link.Strings("resourceTypes")
					msg := fmt.Sprintf("the policy of %s's sink does not let account %s link", peer.Name, account)
					for _, pol := range peer.Linked(sink, typeOAMSinkPolicy, "sinkIdentifier") {
						sts, ok := statements(pol, "policy")
						if !ok {
							msg = ""
							break
						}
						for _, st := range sts {
							admits := slices.ContainsFunc(st.principals(), func(p string) bool { return isAccount(p, account) })
							if st.effect() != "Allow" || !st.grantsAction("oam:CreateLink") || !admits {
								continue
							}
							allowed := st.condition("ForAllValues:StringEquals", "oam:ResourceTypes")
							msg = ""
							if st.hasCondition() && len(allowed) > 0 {
								for _, t := range types {
									if !slices.Contains(allowed, t) {
										msg = fmt.Sprintf("shares %s, which the policy of %s's sink does not allow (%s)", t, peer.Name, strings.Join(allowed, ", "))
										break
									}
								}
							}
							break
						}
					}
					c.Judge(link, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/OAM/latest/APIReference/API_PutSinkPolicy.html",
			Quote:     "You can also use a sink policy to limit the types of data that is shared.",
			Error:     "AccessDeniedException",
		}),
		awsRule(&Rule{
			ID:       "oam-link-label-template",
			Title:    "A link's label template has 1-64 characters and only AWS's variables",
			Severity: Medium,
			Reason:   "CreateLink refuses a longer template; an unknown variable is not resolved and labels the account with its text",
			Check: func(c *Checker) {
				for _, link := range c.Stack.ByType(typeOAMLink) {
					tmpl := link.String("labelTemplate")
					msg := ""
					if n := len(tmpl); n < 1 || n > 64 {
						msg = fmt.Sprintf("labelTemplate has %d characters, not 1-64", n)
					}
					for _, v := range oamLabelVariable.FindAllString(tmpl, -1) {
						if !slices.Contains([]string{"$AccountName", "$AccountEmail", "$AccountEmailNoDomain"}, v) {
							msg = fmt.Sprintf("labelTemplate uses %s, not $AccountName, $AccountEmail or $AccountEmailNoDomain", v)
						}
					}
					c.Judge(link, msg)
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html",
			Quote:     "Length Constraints: Minimum length of 1. Maximum length of 64.",
			Error:     "InvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "oam-one-sink-per-account-region",
			Title:    "An account has at most one sink in a region",
			Severity: High,
			Reason:   "CreateSink refuses a second sink of an account in a region: the update fails where it creates it",
			Check: func(c *Checker) {
				seen := map[string]bool{}
				for _, sink := range c.Stack.ByType(typeOAMSink) {
					where := c.Stack.providerAccount(sink) + "/" + c.Stack.providerRegion(sink)
					c.Judge(sink, unless(!seen[where], fmt.Sprintf("a second sink in account/region %s", where)))
					seen[where] = true
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateSink.html",
			Quote:     "Each account can contain one sink per Region. If you delete a sink, you can then create a new one in that Region.",
			Error:     "ServiceQuotaExceededException",
		}),
		awsRule(&Rule{
			ID:       "cloudwatch-metrics-insights-functions",
			Title:    "A Metrics Insights query of an alarm aggregates with AVG, COUNT, MAX, MIN or SUM",
			Severity: Medium,
			Reason:   "Metrics Insights has no other function (no percentile): the alarm is refused",
			Check: func(c *Checker) {
				for _, alarm := range c.Stack.ByType(typeMetricAlarm) {
					msg, examined := "", false
					for _, q := range alarm.List("metricQueries") {
						m, _ := q.(map[string]any)
						expr, _ := m["expression"].(string)
						fn, ok := metricsInsightsFunction(expr)
						if !ok {
							continue
						}
						examined = true
						if !slices.Contains([]string{"AVG", "COUNT", "MAX", "MIN", "SUM"}, fn) {
							msg = fmt.Sprintf("query %q aggregates with %s", expr, fn)
						}
					}
					if examined {
						c.Judge(alarm, msg)
					}
				}
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html",
			Quote:     "The valid values for FUNCTION are AVG, COUNT, MAX, MIN, and SUM.",
			Error:     "InvalidParameterValue",
		}),
	}
}

// metricsInsightsSelect is a Metrics Insights query's SELECT function.
var metricsInsightsSelect = regexp.MustCompile(`(?i)^\s*SELECT\s+([A-Za-z0-9_.]+)\s*\(`)

// metricsInsightsFunction returns the function of a Metrics Insights
// query (upper-cased), and whether expr is one.
func metricsInsightsFunction(expr string) (string, bool) {
	m := metricsInsightsSelect.FindStringSubmatch(expr)
	if m == nil {
		return "", false
	}
	return strings.ToUpper(m[1]), true
}
