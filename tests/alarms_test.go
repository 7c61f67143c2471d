package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

// alarmsOf indexes a stack's alarms by name.
func alarmsOf(p *offline.Plan) map[string]*offline.Resource {
	out := map[string]*offline.Resource{}
	for _, a := range p.ByType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		out[a.String("name")] = a
	}
	return out
}

// TestEveryServingAndStoringResourceHasItsAlarms derives the expected
// alarms from the plan itself: every load balancer, ECS service and cache
// node the stack creates has its alarms, with dimensions naming exactly
// that resource, notifying the stack's alert topic on ALARM and on OK.
func TestEveryServingAndStoringResourceHasItsAlarms(t *testing.T) {
	for _, name := range []string{"dev", "stage", "prod"} {
		t.Run(name, func(t *testing.T) {
			p := plan(t, name)
			mon := p.Find("refarch:alerttopic:AlertTopic", "refarch-"+name+"-alerts")
			require.NotNil(t, mon)
			var topic any
			for _, r := range p.Descendants(mon) {
				if r.Type == "aws:sns/topic:Topic" {
					topic = r.Output("arn")
				}
			}
			require.NotNil(t, topic)
			byName := alarmsOf(p)
			expect := func(alarm string, dims map[string]any) *offline.Resource {
				a, ok := byName[alarm]
				require.True(t, ok, "alarm %s", alarm)
				assert.Equal(t, []any{topic}, a.List("alarmActions"), alarm)
				assert.Equal(t, []any{topic}, a.List("okActions"), alarm)
				if a.Has("metricQueries") {
					d, _ := offline.Lookup(a.List("metricQueries")[0], "metric.dimensions")
					assert.Equal(t, dims, d, alarm)
				} else {
					assert.Equal(t, dims, a.Get("dimensions"), alarm)
				}
				return a
			}

			lbs := p.ByType("aws:lb/loadBalancer:LoadBalancer")
			require.Len(t, lbs, 2)
			for _, lb := range lbs {
				label := map[string]string{name + "-public": "public", name + "-internal": "internal"}[lb.Name]
				require.NotEmpty(t, label, lb.Name)
				for _, kind := range []string{"target-5xx-rate", "elb-5xx-rate", "target-p99", "rejected-connections"} {
					expect(fmt.Sprintf("refarch-%s-%s-%s", name, label, kind), map[string]any{"LoadBalancer": lb.Output("arnSuffix")})
				}
			}
			p99 := byName[fmt.Sprintf("refarch-%s-public-target-p99", name)]
			assert.Equal(t, map[string]float64{"dev": 5, "stage": 2, "prod": 2}[name], p99.Get("threshold"), "dev's override")

			clusters := p.ByType("aws:ecs/cluster:Cluster")
			require.Len(t, clusters, 1)
			services := p.ByType("aws:ecs/service:Service")
			require.NotEmpty(t, services)
			for _, svc := range services {
				short, _ := svc.Output("name").(string)
				require.NotEmpty(t, short, svc.Name)
				var found int
				for alarmName, a := range byName {
					if a.Get("dimensions") != nil && a.String("dimensions.ServiceName") == short {
						found++
						assert.Equal(t, clusters[0].Output("name"), a.Get("dimensions.ClusterName"), alarmName)
					}
				}
				assert.Equal(t, 3, found, "cpu, memory and running tasks of %s", short)
				// The running-tasks floor is the service's autoscaling minimum.
				var floor any
				for _, target := range p.ByType("aws:appautoscaling/target:Target") {
					if strings.HasSuffix(target.String("resourceId"), "/"+short) {
						floor = float64(target.Int("minCapacity"))
					}
				}
				require.NotNil(t, floor, "%s scales", short)
				for _, a := range byName {
					if a.String("metricName") == "RunningTaskCount" && a.String("dimensions.ServiceName") == short {
						assert.Equal(t, floor, a.Get("threshold"), "%s: alarm below its minimum", short)
					}
				}
			}

			// The dashboard shows every ECS service by its real name.
			dashboard := p.Find("aws:cloudwatch/dashboard:Dashboard", "refarch-"+name)
			require.NotNil(t, dashboard)
			body := dashboard.String("dashboardBody")
			for _, svc := range services {
				short, _ := svc.Output("name").(string)
				assert.Contains(t, body, `"ServiceName","`+short+`"`, "the dashboard shows %s", short)
			}

			// The CDN's alarm lives in us-east-1, where CloudFront's metrics
			// are, and notifies a topic there.
			dist := p.ByType("aws:cloudfront/distribution:Distribution")
			require.Len(t, dist, 1)
			cdn := byName[fmt.Sprintf("refarch-%s-edge-cdn-5xx-rate", name)]
			require.NotNil(t, cdn)
			assert.Equal(t, map[string]any{"DistributionId": dist[0].ID, "Region": "Global"}, cdn.Get("dimensions"))
			assert.Equal(t, "us-east-1", p.ProviderOf(cdn).String("region"))
			edgeTopic := p.Find("aws:sns/topic:Topic", "refarch-"+name+"-edge-alerts")
			require.NotNil(t, edgeTopic)
			assert.Equal(t, "us-east-1", p.ProviderOf(edgeTopic).String("region"))
			assert.Equal(t, []any{edgeTopic.Output("arn")}, cdn.List("alarmActions"))

			caches := p.ByType("aws:elasticache/cluster:Cluster")
			require.Len(t, caches, 1)
			nodes := caches[0].Int("numCacheNodes")
			require.Positive(t, nodes)
			for node := 1; node <= nodes; node++ {
				id := fmt.Sprintf("%04d", node)
				for _, kind := range []string{"cpu", "evictions", "swap", "connections"} {
					expect(fmt.Sprintf("refarch-%s-cache-%s-%s", name, id, kind), map[string]any{"CacheClusterId": caches[0].Output("clusterId"), "CacheNodeId": id})
				}
			}
		})
	}
}

func TestAlarmConfigRejectsBadValues(t *testing.T) {
	cases := []struct {
		name      string
		value     string
		key, rule string
	}{
		{"negative threshold", `{"service/cpu":{"threshold":-5}}`, "refarch:alarmOverrides.service/cpu.threshold", "negative"},
		{"period not a minute multiple", `{"cache/cpu":{"periodSeconds":90}}`, "refarch:alarmOverrides.cache/cpu.periodSeconds", "multiple of 60"},
		{"unknown alarm", `{"service/disk":{"threshold":1}}`, "refarch:alarmOverrides.service/disk", "not an alarm"},
		// CloudWatch evaluates at most one day with a period under an hour:
		// 30 minutes x 49 would be refused at pulumi up.
		{"evaluation window over a day", `{"service/cpu":{"periodSeconds":1800,"evaluationPeriods":49}}`, "refarch:alarmOverrides.service/cpu",
			"https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"},
		{"misspelt field", `{"service/cpu":{"treshold":1}}`, "refarch:alarmOverrides.service/cpu.treshold", "did you mean threshold"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, "prod", map[string]string{"refarch:alarmOverrides": tc.value}, tc.key, tc.rule)
		})
	}
}

// TestEveryLogGroupIsEncryptedAndExpires checks every log group of every
// stack: a retention CloudWatch Logs accepts, from configuration, and a
// customer-managed key.
func TestEveryLogGroupIsEncryptedAndExpires(t *testing.T) {
	for _, name := range []string{"security", "shared-services", "dev", "stage", "prod"} {
		p := plan(t, name)
		groups := p.ByType("aws:cloudwatch/logGroup:LogGroup")
		require.NotEmpty(t, groups, name)
		keys := map[any]bool{}
		for _, k := range p.ByType("aws:kms/key:Key") {
			keys[k.Output("arn")] = true
		}
		for _, g := range groups {
			days := g.Int("retentionInDays")
			assert.Empty(t, validate.CheckLogRetention(days), "%s %s: retention %d", name, g.Name, days)
			assert.True(t, keys[g.Get("kmsKeyId")], "%s %s is encrypted with a key of the stack", name, g.Name)
		}
	}
}
