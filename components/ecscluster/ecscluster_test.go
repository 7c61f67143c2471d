package ecscluster_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/guardduty"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/offline"
)

const (
	ingressType = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressType  = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	dbSecret    = "arn:aws:secretsmanager:us-west-2:123456789012:secret:db-AbCdEf"
	apiImage    = "123456789012.dkr.ecr.us-west-2.amazonaws.com/api:1.2.3"
)

// listeners are two load balancers' listeners, as the stack would pass them.
func listeners() map[string]ecscluster.Listener {
	l := func(name string) ecscluster.Listener {
		return ecscluster.Listener{
			ARN:                   pulumi.Sprintf("arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/%s/0123456789abcdef/fedcba9876543210", name),
			SecurityGroupID:       pulumi.String("sg-0" + name),
			LoadBalancerARNSuffix: pulumi.Sprintf("app/%s/0123456789abcdef", name),
		}
	}
	return map[string]ecscluster.Listener{"public": l("pub"), "internal": l("int")}
}

// services are a public catch-all web service and an internal API with
// secrets, a database client group and database egress.
func services() []ecscluster.Service {
	return []ecscluster.Service{
		{
			ServiceSpec: ecscluster.ServiceSpec{
				Name:  "web",
				Image: "123456789012.dkr.ecr.us-west-2.amazonaws.com/web@sha256:" + fmt.Sprintf("%064x", 7),
				Hosts: []string{"app.example.com"},
				Paths: []string{"/*"},
			},
			Listener: "public",
		},
		{
			ServiceSpec: ecscluster.ServiceSpec{
				Name:     "api",
				Image:    apiImage,
				CPU:      512,
				Memory:   2048,
				Port:     9000,
				MinCount: 2, MaxCount: 6,
			},
			Listener:    "internal",
			Environment: map[string]pulumi.StringInput{"LOG_LEVEL": pulumi.String("info"), "DB_HOST": pulumi.String("db.internal")},
			Secrets: map[string]pulumi.StringInput{
				"DB_PASSWORD": pulumi.String(dbSecret + ":password::"),
				"DB_USERNAME": pulumi.String(dbSecret + ":username::"),
				"API_KEY":     pulumi.String("arn:aws:ssm:us-west-2:123456789012:parameter/api/key"),
			},
			DecryptKeyARNs:   pulumi.ToStringArray([]string{"arn:aws:kms:us-west-2:123456789012:key/secrets"}),
			SecurityGroupIDs: pulumi.ToStringArray([]string{"sg-0dbclients"}),
			Egress:           []ecscluster.Egress{{Description: "postgres", Port: pulumi.Int(5432), CIDR: "10.30.0.0/16"}},
		},
	}
}

// The VPC's endpoints as a Network hands them over: its interface
// endpoints' group and S3's managed prefix list.
const (
	endpointGroup = "sg-0endpoints"
	s3PrefixList  = "pl-68a54001"
)

func baseArgs() *ecscluster.EcsClusterArgs {
	return &ecscluster.EcsClusterArgs{
		VpcID:                   pulumi.String("vpc-0123"),
		SubnetIDs:               pulumi.ToStringArray([]string{"subnet-0a", "subnet-0b"}),
		EndpointSecurityGroupID: pulumi.String(endpointGroup),
		S3PrefixListID:          pulumi.String(s3PrefixList),
		Listeners:               listeners(),
		Services:                services(),
		KeyAdministrators:       []string{deployRole},
	}
}

// deployRole administers the cluster's log key.
const deployRole = "arn:aws:iam::123456789012:role/deploy"

func build(t *testing.T, a *ecscluster.EcsClusterArgs) *offline.Plan {
	t.Helper()
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	return p
}

// policy is an IAM policy document as the tests read it.
type policy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string][]string
		Action    []string
		Resource  []string
		Condition map[string]map[string][]string
	}
}

func parse(t *testing.T, r *offline.Resource, path string) policy {
	t.Helper()
	var doc policy
	require.NoError(t, json.Unmarshal([]byte(r.String(path)), &doc), "%s %s", r.Name, path)
	return doc
}

// container is the part of a container definition the tests read.
type container struct {
	Name                   string
	Image                  string
	User                   string
	ReadonlyRootFilesystem bool
	Privileged             *bool
	PortMappings           []struct{ ContainerPort int }
	MountPoints            []struct {
		SourceVolume, ContainerPath string
		ReadOnly                    bool
	}
	LinuxParameters struct {
		InitProcessEnabled bool
		Capabilities       struct{ Drop, Add []string }
	}
	Command          []string
	Environment      []struct{ Name, Value string }
	Secrets          []struct{ Name, ValueFrom string }
	LogConfiguration struct {
		LogDriver string
		Options   map[string]string
	}
}

// secrets maps the container's secret variables to their references.
func (c container) secrets() map[string]string {
	out := map[string]string{}
	for _, s := range c.Secrets {
		out[s.Name] = s.ValueFrom
	}
	return out
}

func containers(t *testing.T, task *offline.Resource) []container {
	t.Helper()
	var out []container
	require.NoError(t, json.Unmarshal([]byte(task.String("containerDefinitions")), &out))
	return out
}

func TestClusterInsightsCapacityAndLogKey(t *testing.T) {
	p := build(t, baseArgs())
	cluster := p.Require(t, "aws:ecs/cluster:Cluster", "dev")
	assert.Equal(t, "containerInsights", cluster.String("settings[0].name"))
	assert.Equal(t, "enabled", cluster.String("settings[0].value"))
	assert.False(t, cluster.Has("configuration.executeCommandConfiguration"), "ECS Exec is off by default")

	cp := p.Require(t, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "dev")
	assert.Equal(t, []string{"FARGATE", "FARGATE_SPOT"}, cp.Strings("capacityProviders"))
	assert.Equal(t, cluster.Output("name"), cp.Get("clusterName"))

	key := p.Require(t, "aws:kms/key:Key", "dev-logs")
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.False(t, key.Protect, "unprotected by default")
	doc := parse(t, key, "policy")
	principals := map[string]bool{}
	for _, s := range doc.Statement {
		for typ, ids := range s.Principal {
			for _, id := range ids {
				principals[typ+":"+id] = true
			}
		}
		if s.Principal["Service"] != nil {
			assert.Equal(t, []string{"arn:aws:logs:us-west-2:123456789012:log-group:*"}, s.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"],
				"CloudWatch Logs may use the key for this account's log groups only")
		}
	}
	assert.Equal(t, map[string]bool{"AWS:" + deployRole: true, "Service:logs.us-west-2.amazonaws.com": true}, principals,
		"without ECS Exec the account's IAM gets no say over the key")
	for _, s := range doc.Statement {
		assert.NotContains(t, s.Action, "kms:*")
	}

	for _, lg := range p.ByType("aws:cloudwatch/logGroup:LogGroup") {
		assert.Equal(t, ecscluster.DefaultLogRetentionDays, lg.Int("retentionInDays"), "%s keeps logs a bounded time", lg.Name)
		assert.Equal(t, key.Output("arn"), lg.Get("kmsKeyId"), "%s is encrypted with the cluster's key", lg.Name)
	}
	assert.Len(t, p.ByType("aws:cloudwatch/logGroup:LogGroup"), 2, "one per service, no exec log group")
}

func TestContainerDefinitionIsHardened(t *testing.T) {
	p := build(t, baseArgs())
	task := p.Require(t, "aws:ecs/taskDefinition:TaskDefinition", "dev-api")
	assert.Equal(t, "awsvpc", task.String("networkMode"))
	assert.Equal(t, []string{"FARGATE"}, task.Strings("requiresCompatibilities"))
	assert.Equal(t, "512", task.String("cpu"))
	assert.Equal(t, "2048", task.String("memory"))
	assert.Equal(t, p.Require(t, "aws:iam/role:Role", "dev-api-exec").Output("arn"), task.Get("executionRoleArn"))
	assert.Equal(t, p.Require(t, "aws:iam/role:Role", "dev-api-task").Output("arn"), task.Get("taskRoleArn"))
	assert.Empty(t, task.List("volumes"), "no scratch volume by default: a Fargate bind mount is root's, mode 0755")

	defs := containers(t, task)
	require.Len(t, defs, 1)
	c := defs[0]
	assert.Equal(t, "api", c.Name)
	assert.Equal(t, apiImage, c.Image)
	assert.Equal(t, ecscluster.DefaultUser, c.User, "never root")
	assert.True(t, c.ReadonlyRootFilesystem)
	assert.True(t, c.Privileged == nil || !*c.Privileged)
	assert.Equal(t, []string{"ALL"}, c.LinuxParameters.Capabilities.Drop)
	assert.Empty(t, c.LinuxParameters.Capabilities.Add)
	assert.True(t, c.LinuxParameters.InitProcessEnabled)
	assert.Empty(t, c.MountPoints, "nothing the non-root user could not write is mounted")
	assert.Equal(t, 9000, c.PortMappings[0].ContainerPort)

	logGroup := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "dev-api")
	assert.Equal(t, "awslogs", c.LogConfiguration.LogDriver)
	assert.Equal(t, logGroup.Output("name"), c.LogConfiguration.Options["awslogs-group"])
	assert.Equal(t, "us-west-2", c.LogConfiguration.Options["awslogs-region"])

	env := map[string]string{}
	for _, e := range c.Environment {
		env[e.Name] = e.Value
	}
	assert.Equal(t, map[string]string{"LOG_LEVEL": "info", "DB_HOST": "db.internal"}, env)
	secrets := map[string]string{}
	for _, s := range c.Secrets {
		secrets[s.Name] = s.ValueFrom
	}
	assert.Equal(t, map[string]string{
		"DB_PASSWORD": dbSecret + ":password::",
		"DB_USERNAME": dbSecret + ":username::",
		"API_KEY":     "arn:aws:ssm:us-west-2:123456789012:parameter/api/key",
	}, secrets, "secrets travel as references")
}

func TestRolesAreLeastPrivilege(t *testing.T) {
	p := build(t, baseArgs())
	for _, role := range p.ByType("aws:iam/role:Role") {
		doc := parse(t, role, "assumeRolePolicy")
		require.Len(t, doc.Statement, 1)
		s := doc.Statement[0]
		assert.Equal(t, map[string][]string{"Service": {"ecs-tasks.amazonaws.com"}}, s.Principal, role.Name)
		assert.Equal(t, []string{"sts:AssumeRole"}, s.Action, role.Name)
		if strings.HasSuffix(role.Name, "-task") {
			assert.Equal(t, []string{"123456789012"}, s.Condition["StringEquals"]["aws:SourceAccount"], "%s: confused deputy", role.Name)
			assert.Equal(t, []string{"arn:aws:ecs:us-west-2:123456789012:*"}, s.Condition["ArnLike"]["aws:SourceArn"], role.Name)
		} else {
			assert.Empty(t, s.Condition, "%s: the agents assume the execution role without a source", role.Name)
		}
	}

	exec := parse(t, p.Require(t, "aws:iam/rolePolicy:RolePolicy", "dev-api-exec"), "policy")
	logGroup := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "dev-api")
	grants := map[string][]string{}
	for _, s := range exec.Statement {
		assert.Equal(t, "Allow", s.Effect)
		for _, a := range s.Action {
			grants[a] = s.Resource
		}
		if s.Sid == "DecryptSecrets" {
			assert.ElementsMatch(t, []string{"secretsmanager.us-west-2.amazonaws.com", "ssm.us-west-2.amazonaws.com"}, s.Condition["StringEquals"]["kms:ViaService"])
		}
	}
	assert.Equal(t, map[string][]string{
		"ecr:BatchCheckLayerAvailability": {"arn:aws:ecr:us-west-2:123456789012:repository/api"},
		"ecr:GetDownloadUrlForLayer":      {"arn:aws:ecr:us-west-2:123456789012:repository/api"},
		"ecr:BatchGetImage":               {"arn:aws:ecr:us-west-2:123456789012:repository/api"},
		"ecr:GetAuthorizationToken":       {"*"},
		"logs:CreateLogStream":            {logGroup.Output("arn").(string) + ":*"},
		"logs:PutLogEvents":               {logGroup.Output("arn").(string) + ":*"},
		"secretsmanager:GetSecretValue":   {dbSecret},
		"ssm:GetParameters":               {"arn:aws:ssm:us-west-2:123456789012:parameter/api/key"},
		"kms:Decrypt":                     {"arn:aws:kms:us-west-2:123456789012:key/secrets"},
	}, grants, "exactly its repository, its log group, its secrets")

	for _, rp := range p.ByType("aws:iam/rolePolicy:RolePolicy") {
		assert.NotContains(t, rp.Name, "-task", "the task role has no permission while ECS Exec is off")
	}
}

func TestServiceNetworkingAdmitsOnlyItsLoadBalancer(t *testing.T) {
	p := build(t, baseArgs())
	for name, lbGroup := range map[string]string{"web": "sg-0pub", "api": "sg-0int"} {
		t.Run(name, func(t *testing.T) {
			sg := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-"+name)
			svc := p.Require(t, "aws:ecs/service:Service", "dev-"+name)
			port := map[string]int{"web": ecscluster.DefaultPort, "api": 9000}[name]

			var ingress []string
			for _, r := range p.ByType(ingressType) {
				if r.String("securityGroupId") == sg.ID {
					ingress = append(ingress, fmt.Sprintf("%s:%d-%d", r.String("referencedSecurityGroupId")+r.String("cidrIpv4"), r.Int("fromPort"), r.Int("toPort")))
				}
			}
			assert.Equal(t, []string{fmt.Sprintf("%s:%d-%d", lbGroup, port, port)}, ingress, "only its load balancer, only its port")

			lbEgress := 0
			for _, r := range p.ByType(egressType) {
				if r.String("securityGroupId") == lbGroup && r.String("referencedSecurityGroupId") == sg.ID {
					lbEgress++
					assert.Equal(t, port, r.Int("fromPort"))
					assert.Equal(t, port, r.Int("toPort"))
				}
			}
			assert.Equal(t, 1, lbEgress, "the load balancer may reach the tasks on their port")

			assert.False(t, svc.Bool("networkConfiguration.assignPublicIp"))
			assert.Equal(t, []string{"subnet-0a", "subnet-0b"}, svc.Strings("networkConfiguration.subnets"))
			assert.Equal(t, sg.ID, svc.Strings("networkConfiguration.securityGroups")[0])
			assert.True(t, svc.Bool("deploymentCircuitBreaker.enable"))
			assert.True(t, svc.Bool("deploymentCircuitBreaker.rollback"), "failed deploys roll back")
			assert.Contains(t, svc.IgnoreChanges, "desiredCount", "deploys never reset the autoscaler's count")
			tg := p.Require(t, "aws:lb/targetGroup:TargetGroup", "dev-"+name)
			assert.Equal(t, tg.Output("arn"), svc.Get("loadBalancers[0].targetGroupArn"))
			assert.Equal(t, name, svc.String("loadBalancers[0].containerName"))
			assert.Equal(t, port, svc.Int("loadBalancers[0].containerPort"))
			assert.Contains(t, svc.DependsOn, p.Require(t, "aws:lb/listenerRule:ListenerRule", "dev-"+name).URN)
			assert.Equal(t, "ip", tg.String("targetType"))
			assert.Equal(t, "HTTPS", tg.String("protocol"), "the hop from the load balancer to the task is TLS by default")
			assert.Equal(t, "HTTPS", tg.String("healthCheck.protocol"), "and so is the health check")
			assert.Equal(t, "/healthz", tg.String("healthCheck.path"))
			assert.LessOrEqual(t, len(tg.Output("name").(string)), 32)
		})
	}
	api := p.Require(t, "aws:ecs/service:Service", "dev-api")
	assert.Equal(t, []string{p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-api").ID, "sg-0dbclients"},
		api.Strings("networkConfiguration.securityGroups"), "joins the extra groups")
	pg := p.Require(t, egressType, "dev-api-egress-0")
	assert.Equal(t, "10.30.0.0/16", pg.String("cidrIpv4"))
	assert.Equal(t, 5432, pg.Int("fromPort"))
}

func TestPlainHTTPTargetsOnlyWhenAsked(t *testing.T) {
	a := baseArgs()
	a.Services[1].TargetProtocol = "HTTP"
	p := build(t, a)
	api := p.Require(t, "aws:lb/targetGroup:TargetGroup", "dev-api")
	assert.Equal(t, "HTTP", api.String("protocol"))
	assert.Equal(t, "HTTP", api.String("healthCheck.protocol"))
	assert.Equal(t, "HTTPS", p.Require(t, "aws:lb/targetGroup:TargetGroup", "dev-web").String("protocol"), "the other service keeps TLS")
}

func TestListenerRulesAndAutoscaling(t *testing.T) {
	p := build(t, baseArgs())
	web := p.Require(t, "aws:lb/listenerRule:ListenerRule", "dev-web")
	api := p.Require(t, "aws:lb/listenerRule:ListenerRule", "dev-api")
	// Derived by hand from the scheme in rules.go: band*16000 + 1 + the
	// name's 32-bit FNV-1a hash mod 16000. "web" (a host catch-all, band 1):
	// FNV-1a("web") = 0x0fd9bc91, mod 16000 = 7825, so 16000+1+7825.
	// "api" (a path, band 0): FNV-1a("api") = 0x386aaa87, mod 16000 = 2567.
	assert.Equal(t, 23826, web.Int("priority"))
	assert.Equal(t, 2568, api.Int("priority"))
	assert.Greater(t, web.Int("priority"), 16000, "a host catch-all ranks after every path rule")
	assert.LessOrEqual(t, api.Int("priority"), 16000)
	assert.Contains(t, web.String("listenerArn"), "/app/pub/")
	assert.Contains(t, api.String("listenerArn"), "/app/int/")
	assert.Equal(t, []string{"/api/*"}, api.Strings("conditions[0].pathPattern.values"), "internal services live at /<name>/*")
	assert.Equal(t, []string{"app.example.com"}, web.Strings("conditions[1].hostHeader.values"))
	assert.Equal(t, p.Require(t, "aws:lb/targetGroup:TargetGroup", "dev-api").Output("arn"), api.Get("actions[0].targetGroupArn"))

	target := p.Require(t, "aws:appautoscaling/target:Target", "dev-api")
	cluster := p.Require(t, "aws:ecs/cluster:Cluster", "dev")
	svc := p.Require(t, "aws:ecs/service:Service", "dev-api")
	assert.Equal(t, 2, target.Int("minCapacity"))
	assert.Equal(t, 6, target.Int("maxCapacity"))
	assert.Equal(t, 2, svc.Int("desiredCount"), "starts at MinCount")
	assert.Equal(t, fmt.Sprintf("service/%s/%s", cluster.Output("name"), svc.Output("name")), target.String("resourceId"))
	cpu := p.Require(t, "aws:appautoscaling/policy:Policy", "dev-api-cpu")
	assert.Equal(t, "ECSServiceAverageCPUUtilization", cpu.String("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"))
	assert.InDelta(t, float64(ecscluster.DefaultCPUTarget), cpu.Get("targetTrackingScalingPolicyConfiguration.targetValue"), 0)
	req := p.Require(t, "aws:appautoscaling/policy:Policy", "dev-api-requests")
	tg := p.Require(t, "aws:lb/targetGroup:TargetGroup", "dev-api")
	assert.Equal(t, "ALBRequestCountPerTarget", req.String("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"))
	assert.Equal(t, "app/int/0123456789abcdef/"+tg.Output("arnSuffix").(string),
		req.String("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.resourceLabel"))
	assert.Equal(t, target.String("resourceId"), req.String("resourceId"))
}

func TestSpotExecAndProtection(t *testing.T) {
	a := baseArgs()
	a.SpotWeight = 3
	a.ExecuteCommand = true
	for i := range a.Services {
		a.Services[i].WritableRootFilesystem = true // what ECS Exec needs
	}
	a.Protect = true
	a.LogRetentionDays = 365
	p := build(t, a)
	svc := p.Require(t, "aws:ecs/service:Service", "dev-web")
	assert.Equal(t, "FARGATE", svc.String("capacityProviderStrategies[0].capacityProvider"))
	assert.Equal(t, 1, svc.Int("capacityProviderStrategies[0].base"), "one on-demand task survives any Spot reclaim")
	assert.Equal(t, "FARGATE_SPOT", svc.String("capacityProviderStrategies[1].capacityProvider"))
	assert.Equal(t, 3, svc.Int("capacityProviderStrategies[1].weight"))
	assert.True(t, svc.Bool("enableExecuteCommand"))

	cluster := p.Require(t, "aws:ecs/cluster:Cluster", "dev")
	key := p.Require(t, "aws:kms/key:Key", "dev-logs")
	execLogs := p.Require(t, "aws:cloudwatch/logGroup:LogGroup", "dev-exec")
	assert.Equal(t, key.Output("arn"), cluster.Get("configuration.executeCommandConfiguration.kmsKeyId"))
	assert.Equal(t, "OVERRIDE", cluster.String("configuration.executeCommandConfiguration.logging"))
	var viaIAM []string
	for _, st := range parse(t, key, "policy").Statement {
		if st.Sid == "ExecSessionsThroughIAM" {
			assert.Equal(t, []string{"arn:aws:iam::123456789012:root"}, st.Principal["AWS"])
			viaIAM = st.Action
		}
	}
	assert.Equal(t, []string{"kms:Decrypt", "kms:GenerateDataKey"}, viaIAM,
		"with ECS Exec the account's IAM decides who opens sessions, for those two actions only")
	assert.Equal(t, execLogs.Output("name"), cluster.Get("configuration.executeCommandConfiguration.logConfiguration.cloudWatchLogGroupName"))
	assert.True(t, cluster.Bool("configuration.executeCommandConfiguration.logConfiguration.cloudWatchEncryptionEnabled"))

	taskPolicy := parse(t, p.Require(t, "aws:iam/rolePolicy:RolePolicy", "dev-web-task-exec"), "policy")
	actions := map[string]bool{}
	for _, s := range taskPolicy.Statement {
		for _, a := range s.Action {
			actions[a] = true
		}
	}
	assert.True(t, actions["ssmmessages:OpenDataChannel"], "ECS Exec needs the Session Manager channels")
	task := p.Require(t, "aws:ecs/taskDefinition:TaskDefinition", "dev-web")
	assert.Contains(t, task.DependsOn, p.Require(t, "aws:iam/rolePolicy:RolePolicy", "dev-web-task-exec").URN,
		"no task starts before ECS Exec's permissions exist")
	assert.False(t, containers(t, task)[0].ReadonlyRootFilesystem, "the SSM agent writes to the container")

	assert.True(t, key.Protect)
	assert.True(t, key.RetainOnDelete)
	for _, lg := range p.ByType("aws:cloudwatch/logGroup:LogGroup") {
		assert.True(t, lg.RetainOnDelete, "%s: logs outlive the service", lg.Name)
		assert.Equal(t, 365, lg.Int("retentionInDays"))
	}
}

func TestGivenLogKeyIsUsed(t *testing.T) {
	a := baseArgs()
	a.LogKMSKeyARN = pulumi.String("arn:aws:kms:us-west-2:123456789012:key/baseline-logs")
	p := build(t, a)
	assert.Empty(t, p.ByType("aws:kms/key:Key"), "no second key when one is given")
	for _, lg := range p.ByType("aws:cloudwatch/logGroup:LogGroup") {
		assert.Equal(t, "arn:aws:kms:us-west-2:123456789012:key/baseline-logs", lg.String("kmsKeyId"))
	}
}

func TestClusterValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(a *ecscluster.EcsClusterArgs)
		field string
		rule  string
	}{
		{"fargate pair", func(a *ecscluster.EcsClusterArgs) { a.Services[1].CPU, a.Services[1].Memory = 1024, 1024 }, "Args.Services[1].Memory", "2048 to 8192"},
		{"fargate cpu", func(a *ecscluster.EcsClusterArgs) { a.Services[1].CPU = 300 }, "Args.Services[1].CPU", "Fargate task CPU"},
		{"min above max", func(a *ecscluster.EcsClusterArgs) { a.Services[1].MinCount, a.Services[1].MaxCount = 5, 3 }, "Args.Services[1].MinCount", "exceeds the maximum task count (3)"},
		{"desired outside bounds", func(a *ecscluster.EcsClusterArgs) { a.Services[1].DesiredCount = 9 }, "Args.Services[1].DesiredCount", "between the minimum (2) and maximum (6)"},
		{"interval not above timeout", func(a *ecscluster.EcsClusterArgs) {
			a.Services[0].HealthCheck = ecscluster.HealthCheck{Interval: 10, Timeout: 10}
		}, "Args.Services[0].HealthCheck.Interval", "must exceed the timeout"},
		{"health path", func(a *ecscluster.EcsClusterArgs) { a.Services[0].HealthCheck.Path = "healthz" }, "Args.Services[0].HealthCheck.Path", `start with "/"`},
		{"matcher", func(a *ecscluster.EcsClusterArgs) { a.Services[0].HealthCheck.Matcher = "ok" }, "Args.Services[0].HealthCheck.Matcher", "HTTP codes"},
		{"duplicate name", func(a *ecscluster.EcsClusterArgs) { a.Services[1].Name = "web" }, "Args.Services[1].Name", "unique"},
		{"duplicate path", func(a *ecscluster.EcsClusterArgs) {
			a.Services = append(a.Services, ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: "api2", Image: apiImage, Paths: []string{"/api/*"}}, Listener: "internal"})
		}, "Args.Services[2].Paths[0]", `overlaps /api/* of service "api"`},
		{"nested path", func(a *ecscluster.EcsClusterArgs) {
			a.Services = append(a.Services, ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: "v2", Image: apiImage, Paths: []string{"/api/v2/*"}}, Listener: "internal"})
		}, "Args.Services[2].Paths[0]", "compete"},
		{"second catch-all", func(a *ecscluster.EcsClusterArgs) {
			a.Services = append(a.Services, ecscluster.Service{ServiceSpec: ecscluster.ServiceSpec{Name: "www", Image: apiImage, Hosts: []string{"*.example.com"}, Paths: []string{"/*"}}, Listener: "public"})
		}, "Args.Services[2].Paths[0]", "compete"},
		{"name too long", func(a *ecscluster.EcsClusterArgs) { a.Services[0].Name = "a-very-long-service-name" }, "Args.Services[0].Name", "32-character target group name limit"},
		{"bad name", func(a *ecscluster.EcsClusterArgs) { a.Services[0].Name = "Web" }, "Args.Services[0].Name", "lower-case"},
		{"latest tag", func(a *ecscluster.EcsClusterArgs) {
			a.Services[1].Image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/api:latest"
		}, "Args.Services[1].Image", "pin a version"},
		{"no tag", func(a *ecscluster.EcsClusterArgs) {
			a.Services[1].Image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/api"
		}, "Args.Services[1].Image", "pin a version"},
		{"not an image", func(a *ecscluster.EcsClusterArgs) { a.Services[1].Image = "api 1.2" }, "Args.Services[1].Image", "image reference"},
		{"unknown listener", func(a *ecscluster.EcsClusterArgs) { a.Services[1].Listener = "private" }, "Args.Services[1].Listener", "cluster's listeners"},
		{"privileged port", func(a *ecscluster.EcsClusterArgs) { a.Services[1].Port = 80 }, "Args.Services[1].Port", "between 1024 and 65535"},
		{"root user", func(a *ecscluster.EcsClusterArgs) { a.Services[1].User = "0:0" }, "Args.Services[1].User", "must not be root"},
		{"unknown target protocol", func(a *ecscluster.EcsClusterArgs) { a.Services[0].TargetProtocol = "TLS" }, "Args.Services[0].TargetProtocol", "must be HTTPS or HTTP"},
		{"secret in plain env", func(a *ecscluster.EcsClusterArgs) {
			a.Services[1].Environment["DB_PASSWORD"] = pulumi.String("hunter2")
		}, "Args.Services[1].Environment[DB_PASSWORD]", "looks like a secret"},
		{"catch-all with others", func(a *ecscluster.EcsClusterArgs) { a.Services[0].Paths = []string{"/*", "/static/*"} }, "Args.Services[0].Paths[0]", "redundant"},
		{"bad path", func(a *ecscluster.EcsClusterArgs) { a.Services[1].Paths = []string{"/api"} }, "Args.Services[1].Paths[0]", "path prefix"},
		{"too many condition values", func(a *ecscluster.EcsClusterArgs) {
			a.Services[1].Paths = []string{"/a/*", "/b/*", "/c/*"}
			a.Services[1].Hosts = []string{"a.example.com", "b.example.com", "c.example.com"}
		}, "Args.Services[1].Paths", "at most 5"},
		{"egress without destination", func(a *ecscluster.EcsClusterArgs) {
			a.Services[1].Egress = []ecscluster.Egress{{Port: pulumi.Int(443)}}
		}, "Args.Services[1].Egress[0]", "exactly one"},
		{"spot weight", func(a *ecscluster.EcsClusterArgs) { a.SpotWeight = -1 }, "Args.SpotWeight", "between 0 and 1000"},
		{"log retention", func(a *ecscluster.EcsClusterArgs) { a.LogRetentionDays = 10 }, "Args.LogRetentionDays", "CloudWatch"},
		{"insights", func(a *ecscluster.EcsClusterArgs) { a.ContainerInsights = "on" }, "Args.ContainerInsights", "one of"},
		{"no vpc", func(a *ecscluster.EcsClusterArgs) { a.VpcID = nil }, "Args.VpcID", "required"},
		{"no endpoints and no internet", func(a *ecscluster.EcsClusterArgs) { a.EndpointSecurityGroupID = nil },
			"Args.Services[0].InternetEgress", "no Args.EndpointSecurityGroupID: the tasks could reach ECR and S3 (their image)"},
		{"exec with a read-only root", func(a *ecscluster.EcsClusterArgs) {
			a.ExecuteCommand = true
			a.Services[0].WritableRootFilesystem = true
		}, "Args.ExecuteCommand", `services "api" (Args.Services[1]) keep a read-only root filesystem, with which ECS Exec is not supported`},
		{"exec names AWS's page", func(a *ecscluster.EcsClusterArgs) { a.ExecuteCommand = true },
			"Args.ExecuteCommand", "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html"},
		{"scratch volume a non-root user cannot write", func(a *ecscluster.EcsClusterArgs) { a.Services[1].TmpPaths = []string{"/tmp"} },
			"Args.Services[1].TmpPaths", "cannot be written by user 1000:1000: a Fargate bind mount is owned by root with mode 0755"},
		{"scratch volume names AWS's page", func(a *ecscluster.EcsClusterArgs) { a.Services[1].TmpPaths = []string{"/tmp"} },
			"Args.Services[1].TmpPaths", "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html"},
		{"agent without the VPC block", func(a *ecscluster.EcsClusterArgs) { a.FargateAgentManagement = true },
			"Args.VpcCIDR", "required with FargateAgentManagement"},
		{"bad VPC block", func(a *ecscluster.EcsClusterArgs) { a.VpcCIDR = "10.30.0.0" }, "Args.VpcCIDR", "CIDR"},
		{"no S3 prefix list and no internet", func(a *ecscluster.EcsClusterArgs) {
			a.S3PrefixListID = nil
			a.Services[0].InternetEgress = true
		}, "Args.Services[1].InternetEgress", "no Args.S3PrefixListID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			tc.edit(a)
			p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
				_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
				return err
			})
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Len(t, p.Resources, 1, "nothing but the test's provider may be registered")
		})
	}
}

func TestLatestTagAllowedOnlyWhenAsked(t *testing.T) {
	const latest = "123456789012.dkr.ecr.us-west-2.amazonaws.com/api:latest"
	a := baseArgs()
	a.Services[1].Image = latest
	_, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	offline.RequireProblem(t, err, "Args.Services[1].Image", "latest")

	a.AllowLatestTag = true
	task := build(t, a).Require(t, "aws:ecs/taskDefinition:TaskDefinition", "dev-api")
	defs := containers(t, task)
	require.Len(t, defs, 1)
	assert.Equal(t, latest, defs[0].Image, "with AllowLatestTag the image runs as given")
}

func TestPlainSecretValueFailsTheRun(t *testing.T) {
	a := baseArgs()
	a.Services[1].Secrets["DB_PASSWORD"] = pulumi.String("hunter2")
	_, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "never as values")
}

func TestScratchVolumesOnlyWithAWritableRoot(t *testing.T) {
	a := baseArgs()
	a.Services[1].WritableRootFilesystem = true
	a.Services[1].TmpPaths = []string{"/scratch"} // an image that declares VOLUME /scratch
	task := build(t, a).Require(t, "aws:ecs/taskDefinition:TaskDefinition", "dev-api")
	assert.Equal(t, "tmp-0", task.String("volumes[0].name"))
	c := containers(t, task)[0]
	assert.False(t, c.ReadonlyRootFilesystem)
	require.Len(t, c.MountPoints, 1)
	assert.Equal(t, "/scratch", c.MountPoints[0].ContainerPath)
	assert.Equal(t, "tmp-0", c.MountPoints[0].SourceVolume)
}

func TestGuardDutyAgentGetsItsImageItsEndpointAndGoesFirst(t *testing.T) {
	const vpcCIDR = "10.40.0.0/16"
	a := baseArgs()
	a.VpcCIDR = vpcCIDR
	a.FargateAgentManagement = true
	a.Services[1].Jobs = []ecscluster.Job{{Name: "migrate", Command: []string{"migrate"}}}
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		feature, err := guardduty.NewDetectorFeature(ctx, "runtime-monitoring", &guardduty.DetectorFeatureArgs{
			DetectorId: pulumi.String("detector"), Name: pulumi.String("RUNTIME_MONITORING"), Status: pulumi.String("ENABLED"),
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		a.RuntimeMonitoring = feature
		_, err = ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	require.NoError(t, err)
	featureURN := p.Require(t, "aws:guardduty/detectorFeature:DetectorFeature", "runtime-monitoring").URN

	const agentRepo = "arn:aws:ecr:us-west-2:*:repository/aws-guardduty-agent-fargate"
	for _, name := range []string{"dev-web-exec", "dev-api-exec", "dev-api-migrate-exec"} {
		grants := map[string][]string{}
		for _, s := range parse(t, p.Require(t, "aws:iam/rolePolicy:RolePolicy", name), "policy").Statement {
			if s.Sid == "PullGuardDutyAgent" || s.Sid == "RegistryLogin" {
				for _, act := range s.Action {
					grants[act] = s.Resource
				}
			}
		}
		assert.Equal(t, map[string][]string{
			"ecr:BatchCheckLayerAvailability": {agentRepo},
			"ecr:GetDownloadUrlForLayer":      {agentRepo},
			"ecr:BatchGetImage":               {agentRepo},
			"ecr:GetAuthorizationToken":       {"*"},
		}, grants, "%s may pull GuardDuty's agent, whatever account of the region holds it", name)
	}

	for _, name := range []string{"web", "api"} {
		sg := p.Require(t, "aws:ec2/securityGroup:SecurityGroup", "dev-"+name)
		toVPC := 0
		for _, r := range p.ByType(egressType) {
			if r.String("securityGroupId") == sg.ID && r.String("cidrIpv4") == vpcCIDR {
				toVPC++
				assert.Equal(t, "tcp", r.String("ipProtocol"))
				assert.Equal(t, 443, r.Int("fromPort"))
				assert.Equal(t, 443, r.Int("toPort"))
			}
			assert.NotEqual(t, "0.0.0.0/0", r.String("cidrIpv4"), "%s: still nothing to the internet", r.Name)
		}
		assert.Equal(t, 1, toVPC, "%s: the agent reaches GuardDuty's endpoint in the VPC", name)
		svc := p.Require(t, "aws:ecs/service:Service", "dev-"+name)
		assert.Contains(t, svc.DependsOn, featureURN, "%s starts its first tasks after runtime monitoring", name)
	}
}

func TestWithoutGuardDutyAgentNothingChanges(t *testing.T) {
	p := build(t, baseArgs())
	for _, rp := range p.ByType("aws:iam/rolePolicy:RolePolicy") {
		for _, s := range parse(t, rp, "policy").Statement {
			assert.NotEqual(t, "PullGuardDutyAgent", s.Sid, rp.Name)
		}
	}
	for _, r := range p.ByType(egressType) {
		assert.NotContains(t, r.Name, "-to-guardduty")
	}
}
