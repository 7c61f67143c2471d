package tests

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/loadbalancer"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/platformpart"
)

// Resource types of the application platform.
const (
	albType        = "aws:lb/loadBalancer:LoadBalancer"
	listenerType   = "aws:lb/listener:Listener"
	ruleType       = "aws:lb/listenerRule:ListenerRule"
	ecsServiceType = "aws:ecs/service:Service"
	taskDefType    = "aws:ecs/taskDefinition:TaskDefinition"
	sgType         = "aws:ec2/securityGroup:SecurityGroup"
	sgIngressType  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	sgEgressType   = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	scalingType    = "aws:appautoscaling/target:Target"
	fargateType    = "refarch:ecscluster:FargateService"
)

// platformOf is what each application stack file says about its platform.
var platformOf = map[string]struct {
	protect       bool
	logDays       int // refarch:logRetentionDays
	accessLogDays int
	spotWeight    int
	exec          bool
	scale         map[string][2]int // service → min, max tasks
}{
	"dev":   {false, 30, 30, 3, false, map[string][2]int{"frontend": {1, 4}, "backend": {1, 4}}},
	"stage": {true, 90, 90, 0, false, map[string][2]int{"frontend": {2, 4}, "backend": {2, 6}}},
	"prod":  {true, 365, 365, 0, false, map[string][2]int{"frontend": {3, 12}, "backend": {3, 20}}},
}

func platformStacks() []string {
	return []string{"dev", "stage", "prod"}
}

// planCache holds the plan of each real stack file: a plan is
// deterministic and never modified, and the platform tests read each
// stack's many times.
var planCache = struct {
	sync.Mutex
	plans map[string]*offline.Plan
}{plans: map[string]*offline.Plan{}}

// stackPlan is plan(t, stack), planned once per test binary.
func stackPlan(t testing.TB, stackName string) *offline.Plan {
	t.Helper()
	planCache.Lock()
	defer planCache.Unlock()
	if p, ok := planCache.plans[stackName]; ok {
		return p
	}
	p := plan(t, stackName)
	planCache.plans[stackName] = p
	return p
}

// byInput returns the resources of a type whose input at path equals value.
func byInput(p *offline.Plan, typ, path string, value any) []*offline.Resource {
	var out []*offline.Resource
	for _, r := range p.ByType(typ) {
		if r.Get(path) == value {
			out = append(out, r)
		}
	}
	return out
}

// ruleOf describes a security group rule as "source-or-destination:from-to".
func ruleOf(r *offline.Resource) string {
	peer := r.String("referencedSecurityGroupId") + r.String("cidrIpv4") + r.String("cidrIpv6")
	return fmt.Sprintf("%s:%d-%d", peer, r.Int("fromPort"), r.Int("toPort"))
}

// rulesOf lists the rules of a type attached to a group.
func rulesOf(p *offline.Plan, typ string, group *offline.Resource) []string {
	var out []string
	for _, r := range byInput(p, typ, "securityGroupId", group.ID) {
		out = append(out, ruleOf(r))
	}
	sort.Strings(out)
	return out
}

// containerOf parses the one container definition of a task definition.
type containerDef struct {
	Name, Image, User      string
	ReadonlyRootFilesystem bool
	Privileged             *bool
	Environment            []struct{ Name, Value string }
	Secrets                []struct{ Name, ValueFrom string }
	LogConfiguration       struct{ Options map[string]string }
}

func containerOf(t testing.TB, task *offline.Resource) containerDef {
	t.Helper()
	var defs []containerDef
	require.NoError(t, json.Unmarshal([]byte(task.String("containerDefinitions")), &defs))
	require.Len(t, defs, 1, task.Name)
	return defs[0]
}

// taskOf returns the task definition an ECS service runs.
func taskOf(t testing.TB, p *offline.Plan, svc *offline.Resource) *offline.Resource {
	t.Helper()
	for _, td := range p.ByType(taskDefType) {
		if td.Output("arn") == svc.Get("taskDefinition") {
			return td
		}
	}
	t.Fatalf("no task definition for %s", svc.Name)
	return nil
}

func TestPlatformLoadBalancersPerStack(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			want := platformOf[stackName]
			p := stackPlan(t, stackName)
			vpc := p.Require(t, "awsx:ec2:Vpc", stackName)
			cert := p.Require(t, "aws:acm/certificateValidation:CertificateValidation", "regional-certificate")
			require.Len(t, p.ByType(albType), 2, "one public, one internal")

			for _, kind := range []string{"public", "internal"} {
				alb := p.Require(t, albType, stackName+"-"+kind)
				public := kind == "public"
				assert.Equal(t, !public, alb.Bool("internal"))
				assert.True(t, alb.Bool("dropInvalidHeaderFields"))
				assert.Equal(t, want.protect, alb.Bool("enableDeletionProtection"), "deletion protection follows refarch:deletionProtection")
				subnets := map[bool]string{true: "publicSubnetIds", false: "privateSubnetIds"}[public]
				assert.Equal(t, vpc.Output(subnets), alb.Get("subnets"), "%s load balancer in the %s", kind, subnets)

				listeners := byInput(p, listenerType, "loadBalancerArn", alb.ID)
				protocols := map[string]*offline.Resource{}
				for _, l := range listeners {
					protocols[l.String("protocol")] = l
				}
				https := protocols["HTTPS"]
				require.NotNil(t, https)
				assert.Equal(t, loadbalancer.DefaultSSLPolicy, https.String("sslPolicy"))
				assert.True(t, strings.HasPrefix(https.String("sslPolicy"), "ELBSecurityPolicy-TLS13-1-2"), "TLS 1.2 and later only")
				assert.Equal(t, cert.Output("certificateArn"), https.Get("certificateArn"), "the environment's validated certificate")
				assert.Equal(t, "404", https.String("defaultActions[0].fixedResponse.statusCode"))
				if public {
					require.Len(t, listeners, 2)
					http := protocols["HTTP"]
					require.NotNil(t, http)
					assert.Equal(t, "HTTPS", http.String("defaultActions[0].redirect.protocol"))
					assert.Equal(t, "HTTP_301", http.String("defaultActions[0].redirect.statusCode"))
				} else {
					assert.Len(t, listeners, 1, "HTTPS only inside the VPC too")
				}

				bucket := p.Require(t, "aws:s3/bucketV2:BucketV2", stackName+"-"+kind+"-logs")
				assert.Equal(t, bucket.ID, alb.String("accessLogs.bucket"))
				assert.Equal(t, want.protect, bucket.Protect, "the access logs are protected with the stack")
				lifecycle := p.Require(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", stackName+"-"+kind+"-logs")
				assert.Equal(t, want.accessLogDays, lifecycle.Int("rules[0].expiration.days"))
			}
		})
	}
}

// openIngress lists every ingress that admits the whole internet, as
// "group:from-to", whatever resource type declares it.
func openIngress(p *offline.Plan) []string {
	open := func(cidr string) bool { return cidr == "0.0.0.0/0" || cidr == "::/0" }
	var out []string
	for _, r := range p.ByType(sgIngressType) {
		if open(r.String("cidrIpv4")) || open(r.String("cidrIpv6")) {
			out = append(out, fmt.Sprintf("%s:%d-%d", r.String("securityGroupId"), r.Int("fromPort"), r.Int("toPort")))
		}
	}
	for _, r := range p.ByType("aws:ec2/securityGroupRule:SecurityGroupRule") {
		if r.String("type") == "ingress" && (slices.ContainsFunc(r.Strings("cidrBlocks"), open) || slices.ContainsFunc(r.Strings("ipv6CidrBlocks"), open)) {
			out = append(out, fmt.Sprintf("%s:%d-%d", r.String("securityGroupId"), r.Int("fromPort"), r.Int("toPort")))
		}
	}
	for _, sg := range p.ByType(sgType) {
		for i := range sg.List("ingress") {
			in := fmt.Sprintf("ingress[%d]", i)
			if slices.ContainsFunc(sg.Strings(in+".cidrBlocks"), open) || slices.ContainsFunc(sg.Strings(in+".ipv6CidrBlocks"), open) {
				out = append(out, fmt.Sprintf("%s:%d-%d", sg.ID, sg.Int(in+".fromPort"), sg.Int(in+".toPort")))
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestOnlyThePublicLoadBalancerTakesTheInternet(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			public := p.Require(t, sgType, stackName+"-public")
			assert.Equal(t, []string{public.ID + ":443-443", public.ID + ":80-80"}, openIngress(p),
				"the internet reaches the public load balancer on 80 and 443, and nothing else anywhere")
		})
	}
}

func TestInternalLoadBalancerAdmitsOnlyTheVPCAndOperators(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			cfg := stackConfig(t, stackName)
			p := stackPlan(t, stackName)
			sg := p.Require(t, sgType, stackName+"-internal")
			assert.ElementsMatch(t, []string{cfg.VpcCIDR.String() + ":443-443", vpnGroupRef(t) + ":443-443"}, rulesOf(p, sgIngressType, sg),
				"HTTPS from the VPC and from the VPN server's group (where operators appear), not the whole management VPC")
			assert.True(t, netip.MustParsePrefix(cfg.VpcCIDR.String()).Addr().IsPrivate())
		})
	}
}

func TestServicesAdmitOnlyTheirLoadBalancer(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			for svc, kind := range map[string]string{"frontend": "public", "backend": "internal"} {
				lbGroup := p.Require(t, sgType, stackName+"-"+kind)
				group := p.Require(t, sgType, stackName+"-"+svc)
				assert.Equal(t, []string{lbGroup.ID + ":8080-8080"}, rulesOf(p, sgIngressType, group),
					"%s admits its %s load balancer on its port, nothing else", svc, kind)
				egress := byInput(p, sgEgressType, "referencedSecurityGroupId", group.ID)
				require.Len(t, egress, 1, "one group may send to %s: its load balancer's", svc)
				assert.Equal(t, lbGroup.ID, egress[0].String("securityGroupId"))
				assert.Equal(t, 8080, egress[0].Int("fromPort"))

				ecs := p.Require(t, ecsServiceType, stackName+"-"+svc)
				assert.Equal(t, group.ID, ecs.Strings("networkConfiguration.securityGroups")[0])
				assert.False(t, ecs.Bool("networkConfiguration.assignPublicIp"))
				assert.Equal(t, p.Require(t, "awsx:ec2:Vpc", stackName).Output("privateSubnetIds"), ecs.Get("networkConfiguration.subnets"),
					"tasks run in the private app subnets")
			}
			for _, kind := range []string{"public", "internal"} {
				lbGroup := p.Require(t, sgType, stackName+"-"+kind)
				for _, e := range byInput(p, sgEgressType, "securityGroupId", lbGroup.ID) {
					assert.Empty(t, e.String("cidrIpv4"), "the %s load balancer sends only to its services' groups", kind)
				}
			}
		})
	}
}

// assertAlias checks that the load balancer lb has an alias record name in
// the zone of the DNS part's zone component, and returns the load balancer.
func assertAlias(t *testing.T, p *offline.Plan, lb, name, zone string) *offline.Resource {
	t.Helper()
	alb := p.Require(t, albType, lb)
	record := p.Require(t, "aws:route53/record:Record", lb+"-"+name)
	assert.Equal(t, p.Require(t, "aws:route53/zone:Zone", zone).Output("zoneId"), record.Get("zoneId"), "%s lives in the %s", name, zone)
	assert.Equal(t, alb.Output("dnsName"), record.Get("aliases[0].name"))
	assert.Equal(t, alb.Output("zoneId"), record.Get("aliases[0].zoneId"))
	return alb
}

func TestFrontendCallsTheBackendThroughTheInternalLoadBalancer(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			internalName := "internal." + stackName + "." + domainOf(t)
			internal := assertAlias(t, p, stackName+"-internal", internalName, "private-zone")

			frontend := containerOf(t, taskOf(t, p, p.Require(t, ecsServiceType, stackName+"-frontend")))
			env := map[string]string{}
			for _, e := range frontend.Environment {
				env[e.Name] = e.Value
			}
			assert.Equal(t, "https://"+internalName, env["INTERNAL_URL"])
			group := p.Require(t, sgType, stackName+"-frontend")
			internalGroup := p.Require(t, sgType, stackName+"-internal")
			assert.Contains(t, rulesOf(p, sgEgressType, group), internalGroup.ID+":443-443", "the frontend may call the internal load balancer")

			rule := p.Require(t, ruleType, stackName+"-backend")
			https := byInput(p, listenerType, "loadBalancerArn", internal.ID)[0]
			assert.Equal(t, https.ID, rule.String("listenerArn"), "the backend registers on the internal listener")
			assert.Equal(t, []string{"/backend/*"}, rule.Strings("conditions[0].pathPattern.values"))
			assert.Equal(t, p.Require(t, "aws:lb/targetGroup:TargetGroup", stackName+"-backend").Output("arn"), rule.Get("actions[0].targetGroupArn"))
		})
	}
}

func TestOriginNamePointsAtThePublicLoadBalancer(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			origin := "origin." + stackName + "." + domainOf(t)
			public := assertAlias(t, p, stackName+"-public", origin, "public-zone")

			rule := p.Require(t, ruleType, stackName+"-frontend")
			https := byInput(p, listenerType, "loadBalancerArn", public.ID)
			assert.Contains(t, []any{https[0].ID, https[1].ID}, rule.Get("listenerArn"))
			assert.Equal(t, []string{origin}, rule.Strings("conditions[1].hostHeader.values"), "CloudFront sends the origin's own name")
			assert.Equal(t, []string{"/api/*"}, rule.Strings("conditions[0].pathPattern.values"))
		})
	}
	t.Run("CloudFront's API origin is that name", func(t *testing.T) {
		p, err := planWith(t, "dev", map[string]string{"refarch:edgeApiOrigin": "true"})
		require.NoError(t, err)
		var origins []string
		for _, d := range p.ByType("aws:cloudfront/distribution:Distribution") {
			for i := range d.List("origins") {
				origins = append(origins, d.String(fmt.Sprintf("origins[%d].domainName", i)))
			}
		}
		assert.Contains(t, origins, "origin.dev."+domainOf(t))
	})
}

// servicesJSON returns a stack's refarch:services, edited.
func servicesJSON(t testing.TB, stackName string, edit func([]map[string]any) []map[string]any) string {
	t.Helper()
	raw := rawConfig(t, stackName)
	var services []map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw.Values["refarch:services"]), &services))
	out, err := json.Marshal(edit(services))
	require.NoError(t, err)
	return string(out)
}

// priorities maps each service to its listener rule's priority, and checks
// they are unique per listener.
func priorities(t testing.TB, p *offline.Plan, stackName string) map[string]int {
	t.Helper()
	out := map[string]int{}
	perListener := map[string]map[int]string{}
	for _, r := range p.ByType(ruleType) {
		l := r.String("listenerArn")
		if perListener[l] == nil {
			perListener[l] = map[int]string{}
		}
		prio := r.Int("priority")
		assert.True(t, prio >= 1 && prio <= 50000, "%s: priority %d", r.Name, prio)
		if other, dup := perListener[l][prio]; dup {
			t.Errorf("%s and %s share priority %d on %s", r.Name, other, prio, l)
		}
		perListener[l][prio] = r.Name
		out[strings.TrimPrefix(r.Name, stackName+"-")] = prio
	}
	return out
}

func TestRulePrioritiesAreUniqueAndStableWhenAServiceIsAdded(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			before := priorities(t, stackPlan(t, stackName), stackName)
			require.Len(t, before, 3, "frontend, backend and the hello-http route")
			require.Contains(t, before, "hello")
			more := servicesJSON(t, stackName, func(s []map[string]any) []map[string]any {
				image := imageOf(t, stackName, "backend")
				orders := map[string]any{"name": "orders", "image": image, "minCount": 2}
				search := map[string]any{"name": "search", "image": image, "minCount": 2,
					"public": true, "hosts": []string{"origin." + stackName + "." + domainOf(t)}, "paths": []string{"/search/*"}}
				return append([]map[string]any{orders}, append(s, search)...)
			})
			p, err := planWith(t, stackName, map[string]string{"refarch:services": more})
			require.NoError(t, err)
			after := priorities(t, p, stackName)
			require.Len(t, after, 5)
			for name, prio := range before {
				assert.Equal(t, prio, after[name], "%s keeps its priority", name)
			}
		})
	}
}

func TestAutoscalingAndDeploymentsPerEnvironment(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			want := platformOf[stackName]
			p := stackPlan(t, stackName)
			cluster := p.Require(t, "aws:ecs/cluster:Cluster", stackName)
			for svc, bounds := range want.scale {
				ecs := p.Require(t, ecsServiceType, stackName+"-"+svc)
				target := p.Require(t, scalingType, stackName+"-"+svc)
				assert.Equal(t, bounds[0], target.Int("minCapacity"), svc)
				assert.Equal(t, bounds[1], target.Int("maxCapacity"), svc)
				assert.Equal(t, fmt.Sprintf("service/%s/%s", cluster.Output("name"), ecs.Output("name")), target.String("resourceId"))
				if stackName == "prod" {
					assert.GreaterOrEqual(t, target.Int("minCapacity"), 2, "prod runs every service in two zones at least")
				}
				assert.Equal(t, bounds[0], ecs.Int("desiredCount"))
				assert.Contains(t, ecs.IgnoreChanges, "desiredCount", "deploys never reset the autoscaler's choice")
				assert.True(t, ecs.Bool("deploymentCircuitBreaker.enable"))
				assert.True(t, ecs.Bool("deploymentCircuitBreaker.rollback"))

				metrics := map[string]bool{}
				for _, pol := range byInput(p, "aws:appautoscaling/policy:Policy", "resourceId", target.String("resourceId")) {
					metrics[pol.String("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType")] = true
				}
				assert.Equal(t, map[string]bool{"ECSServiceAverageCPUUtilization": true, "ALBRequestCountPerTarget": true}, metrics)
			}
		})
	}
}

func TestCapacityExecAndLogsPerEnvironment(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			want := platformOf[stackName]
			p := stackPlan(t, stackName)
			comp := p.Require(t, "refarch:ecscluster:EcsCluster", stackName)
			cluster := p.Require(t, "aws:ecs/cluster:Cluster", stackName)
			assert.Equal(t, "enabled", cluster.String("settings[0].value"), "Container Insights")
			assert.Equal(t, want.exec, cluster.Has("configuration.executeCommandConfiguration"))
			for _, svc := range byInput(p, ecsServiceType, "cluster", cluster.Output("arn")) {
				assert.Equal(t, want.exec, svc.Bool("enableExecuteCommand"), "ECS Exec: %s", svc.Name)
				providers := map[string]int{}
				for i := range svc.List("capacityProviderStrategies") {
					s := fmt.Sprintf("capacityProviderStrategies[%d]", i)
					providers[svc.String(s+".capacityProvider")] = svc.Int(s + ".weight")
				}
				wantProviders := map[string]int{"FARGATE": 1}
				if want.spotWeight > 0 {
					wantProviders["FARGATE_SPOT"] = want.spotWeight
				}
				assert.Equal(t, wantProviders, providers, "Spot weighs in dev only")
			}
			key := p.Require(t, "aws:kms/key:Key", stackName+"-logs")
			assert.Equal(t, want.protect, key.Protect)
			groups := 0
			for _, r := range p.Descendants(comp) {
				if r.Type == "aws:cloudwatch/logGroup:LogGroup" {
					groups++
					assert.Equal(t, want.logDays, r.Int("retentionInDays"), "%s keeps logs refarch:logRetentionDays", r.Name)
					assert.Equal(t, key.Output("arn"), r.Get("kmsKeyId"), "%s is encrypted", r.Name)
				}
			}
			assert.GreaterOrEqual(t, groups, 2)
		})
	}
}

// secretLooking are variable names that must never hold a plain value.
var secretLooking = regexp.MustCompile(`(?i)PASSWORD|SECRET|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL`)

func TestNoPlainTextSecretsInContainerDefinitions(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			cfg := stackConfig(t, stackName)
			p := stackPlan(t, stackName)
			db := p.ByType("aws:rds/instance:Instance")
			require.NotEmpty(t, db)
			// The master user's secret: RDS's own when it manages the
			// password, else the one the Postgres component keeps (RDS
			// refuses replicas of a writer whose password it manages).
			dbSecret, _ := db[0].Output("masterUserSecrets[0].secretArn").(string)
			if dbSecret == "" {
				for _, s := range p.ByType("aws:secretsmanager/secret:Secret") {
					if strings.HasSuffix(s.Name, "-db/master") {
						dbSecret, _ = s.Output("arn").(string)
					}
				}
			}
			require.NotEmpty(t, dbSecret, "the database's master user secret")
			tasks := p.ByType(taskDefType)
			require.Len(t, tasks, 3, "frontend, backend and the backend's migration")
			for _, task := range tasks {
				c := containerOf(t, task)
				assert.NotEqual(t, "", c.User)
				assert.NotContains(t, []string{"root", "0", "0:0"}, c.User, "%s never runs as root", c.Name)
				assert.True(t, c.ReadonlyRootFilesystem, c.Name)
				assert.True(t, c.Privileged == nil || !*c.Privileged, c.Name)
				for _, e := range c.Environment {
					assert.False(t, secretLooking.MatchString(e.Name), "%s: %s is a secret in plain environment", c.Name, e.Name)
					assert.NotContains(t, e.Value, "secretsmanager", "%s: %s", c.Name, e.Name)
				}
				for _, s := range c.Secrets {
					assert.Regexp(t, `^arn:aws:(secretsmanager|ssm):us-west-2:`+cfg.AccountID+`:`, s.ValueFrom, "%s: %s is a reference of this account", c.Name, s.Name)
				}
				if c.Name == "backend-migrate" {
					secrets := map[string]string{}
					for _, s := range c.Secrets {
						secrets[s.Name] = s.ValueFrom
					}
					assert.Equal(t, map[string]string{"DB_USERNAME": dbSecret + ":username::", "DB_PASSWORD": dbSecret + ":password::"}, secrets,
						"the migration alone holds the master user's secret")
				}
				if c.Name == "backend" {
					secrets := map[string]string{}
					for _, s := range c.Secrets {
						secrets[s.Name] = s.ValueFrom
					}
					signing := p.Require(t, "aws:secretsmanager/secret:Secret", stackName+"/backend/SESSION_SIGNING_KEY").Output("arn").(string)
					assert.Equal(t, map[string]string{"SESSION_SIGNING_KEY": signing}, secrets,
						"the generated key only: the service logs in with an IAM token")
					for _, s := range secrets {
						assert.NotContains(t, s, dbSecret, "the master user's secret is the migration's")
					}
				}
			}
		})
	}
}

func TestImagesComeFromTheSharedRegistry(t *testing.T) {
	shared := stackPlan(t, "shared-services")
	repos := map[string]*offline.Resource{}
	for _, r := range shared.ByType("aws:ecr/repository:Repository") {
		repos[r.String("name")] = r
	}
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			cfg := stackConfig(t, stackName)
			for _, svc := range []string{"frontend", "backend"} {
				ecs := p.Require(t, ecsServiceType, stackName+"-"+svc)
				c := containerOf(t, taskOf(t, p, ecs))
				image := imageOf(t, stackName, svc)
				repo := repos[repositoryOf(image)]
				require.NotNil(t, repo, "shared-services has the repository of %s", image)
				assert.True(t, strings.HasPrefix(c.Image, repo.Output("repositoryUrl").(string)+"@") ||
					strings.HasPrefix(c.Image, repo.Output("repositoryUrl").(string)+":"), "%s pulls from %s", c.Image, repo.Output("repositoryUrl"))
				assert.Equal(t, platformpart.ImageURL(&cfg.Config, image), c.Image, "%s runs the image its stack file names", svc)

				exec := p.Require(t, "aws:iam/rolePolicy:RolePolicy", stackName+"-"+svc+"-exec")
				var doc struct {
					Statement []struct {
						Action   []string
						Resource []string
					}
				}
				require.NoError(t, json.Unmarshal([]byte(exec.String("policy")), &doc))
				var pulls []string
				for _, s := range doc.Statement {
					if slices.Contains(s.Action, "ecr:BatchGetImage") {
						pulls = append(pulls, s.Resource...)
					}
				}
				// Its own repository, and GuardDuty's agent (every app
				// account enables Fargate agent management), which
				// GuardDuty keeps in an account of its own per region.
				// Source: https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html
				assert.Equal(t, []string{repo.Output("arn").(string), "arn:aws:ecr:us-west-2:*:repository/aws-guardduty-agent-fargate"}, pulls,
					"the execution role pulls from its own repository and GuardDuty's agent only")
			}
		})
	}
}

// TestEveryHopToTheTasksIsTLS checks, on the real stack files, that both
// load balancers reach every task, and probe its health, over HTTPS.
func TestEveryHopToTheTasksIsTLS(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			groups := stackPlan(t, stackName).ByType("aws:lb/targetGroup:TargetGroup")
			require.NotEmpty(t, groups)
			for _, tg := range groups {
				if tg.String("targetType") == "lambda" {
					// A Lambda target is invoked through the Lambda API,
					// not connected to: no protocol, no port.
					// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
					assert.False(t, tg.Has("protocol"), tg.Name)
					continue
				}
				assert.Equal(t, "HTTPS", tg.String("protocol"), tg.Name)
				assert.Equal(t, "HTTPS", tg.String("healthCheck.protocol"), tg.Name)
			}
		})
	}
}

// TestGuardDutyAgentCoversEveryTask checks, on the real stack files, what
// GuardDuty's Fargate agent needs (every application account enables
// RUNTIME_MONITORING with ECS_FARGATE_AGENT_MANAGEMENT, through the
// organization's delegated administrator): every execution role (the migration job's
// too) may pull the agent's image, and no task mounts a scratch volume its
// non-root user could not write.
// Sources: https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html,
// https://docs.aws.amazon.com/guardduty/latest/ug/gdu-assess-coverage-ecs.html,
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html
func TestGuardDutyAgentCoversEveryTask(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			// The organization enables the feature in every member: the
			// delegated administrator (security, deployed before every
			// application stack) auto-enables RUNTIME_MONITORING with
			// Fargate's agent management for ALL accounts.
			var feature *offline.Resource
			for _, f := range stackPlan(t, "security").ByType("aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature") {
				if f.String("name") == "RUNTIME_MONITORING" {
					feature = f
				}
			}
			require.NotNil(t, feature, "the organization enables GuardDuty runtime monitoring in %s", stackName)
			assert.Equal(t, "ALL", feature.String("autoEnable"))
			agents := map[string]string{}
			for _, c := range feature.List("additionalConfigurations") {
				m := c.(map[string]any)
				agents[m["name"].(string)] = m["autoEnable"].(string)
			}
			assert.Equal(t, "ALL", agents["ECS_FARGATE_AGENT_MANAGEMENT"], "GuardDuty runs its agent beside every Fargate task")
			assert.Empty(t, p.ByType("aws:guardduty/detectorFeature:DetectorFeature"), "%s configures no feature of its own", stackName)
			tasks := p.ByType(taskDefType)
			require.Len(t, tasks, 3, "frontend, backend and the migration job")
			for _, td := range tasks {
				assert.Empty(t, td.List("volumes"), "%s mounts no scratch volume", td.Name)
				role := stackName + "-" + strings.TrimPrefix(td.String("family"), stackName+"-") + "-exec"
				var doc struct {
					Statement []struct {
						Sid      string
						Action   []string
						Resource []string
					}
				}
				require.NoError(t, json.Unmarshal([]byte(p.Require(t, "aws:iam/rolePolicy:RolePolicy", role).String("policy")), &doc))
				agent := false
				for _, s := range doc.Statement {
					if s.Sid == "PullGuardDutyAgent" {
						agent = true
						assert.ElementsMatch(t, []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}, s.Action)
						assert.Equal(t, []string{"arn:aws:ecr:us-west-2:*:repository/aws-guardduty-agent-fargate"}, s.Resource)
					}
				}
				assert.True(t, agent, "%s may pull GuardDuty's agent", role)
			}
		})
	}
}
