package ecscluster_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/offline"
)

const taskDefType = "aws:ecs/taskDefinition:TaskDefinition"

const helloGroup = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/hello/0123456789abcdef"

func helloRoute() ecscluster.Route {
	return ecscluster.Route{Name: "hello", Listener: "public", Paths: []string{"/hello/*"}, Hosts: []string{"app.example.com"}, TargetGroupARN: pulumi.String(helloGroup)}
}

func TestRouteForwardsItsPathBeforeTheCatchAll(t *testing.T) {
	a := baseArgs()
	a.Routes = []ecscluster.Route{helloRoute()}
	plan := build(t, a)
	rule := plan.Require(t, "aws:lb/listenerRule:ListenerRule", "dev-hello")
	assert.Equal(t, "forward", rule.String("actions[0].type"))
	assert.Equal(t, helloGroup, rule.String("actions[0].targetGroupArn"))
	assert.Equal(t, []string{"/hello/*"}, rule.Strings("conditions[0].pathPattern.values"))
	assert.Equal(t, []string{"app.example.com"}, rule.Strings("conditions[1].hostHeader.values"))
	assert.Contains(t, rule.String("listenerArn"), "/app/pub/", "the public listener")

	// The path rule sits in the first band (1-16000), ahead of the web
	// service's catch-all for the same host (16001-32000), and the web
	// service keeps the priority it had without the route.
	web := plan.Require(t, "aws:lb/listenerRule:ListenerRule", "dev-web")
	assert.LessOrEqual(t, rule.Int("priority"), 16000)
	assert.Greater(t, web.Int("priority"), 16000)
	before := build(t, baseArgs()).Require(t, "aws:lb/listenerRule:ListenerRule", "dev-web")
	assert.Equal(t, before.Int("priority"), web.Int("priority"))
}

func TestRoutesAreRefusedWhenTheyCompete(t *testing.T) {
	cases := []struct {
		name        string
		route       func() ecscluster.Route
		field, rule string
	}{
		{"the name of a service", func() ecscluster.Route { r := helloRoute(); r.Name = "web"; return r }, "Args.Routes[0].Name", "unique"},
		{"an unknown listener", func() ecscluster.Route { r := helloRoute(); r.Listener = "edge"; return r }, "Args.Routes[0].Listener", "one of Args.Listeners"},
		{"a path the catch-all band already has", func() ecscluster.Route {
			r := helloRoute()
			r.Paths = []string{"/*"}
			return r
		}, "Args.Routes[0].Paths[0]", "overlaps /* of service \"web\""},
		{"no path", func() ecscluster.Route { r := helloRoute(); r.Paths = nil; return r }, "Args.Routes[0].Paths", "required"},
		{"not a prefix", func() ecscluster.Route { r := helloRoute(); r.Paths = []string{"/hello"}; return r }, "Args.Routes[0].Paths[0]", "path prefix"},
		{"no target group", func() ecscluster.Route { r := helloRoute(); r.TargetGroupARN = nil; return r }, "Args.Routes[0].TargetGroupARN", "required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := baseArgs()
			a.Routes = []ecscluster.Route{tc.route()}
			p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
				_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
				return err
			})
			require.Error(t, err)
			offline.RequireRefused(t, p, err, "refarch:ecscluster:EcsCluster", tc.field, tc.rule)
		})
	}
}

func TestTaskPermissionsAreTheTaskRolesOnlyPolicy(t *testing.T) {
	a := baseArgs()
	a.Services[1].TaskPermissions = []ecscluster.TaskPermission{{
		Sid: "DatabaseLogin", Actions: []string{"rds-db:connect"},
		Resources: []pulumi.StringInput{pulumi.String("arn:aws:rds-db:us-west-2:123456789012:dbuser:db-ABC/app")},
	}}
	plan := build(t, a)
	policy := plan.Require(t, "aws:iam/rolePolicy:RolePolicy", "dev-api-task")
	role := plan.Require(t, "aws:iam/role:Role", "dev-api-task")
	assert.Equal(t, role.ID, policy.String("role"))
	stmt := policy.Statements(t, "policy")["DatabaseLogin"]
	assert.Equal(t, []string{"rds-db:connect"}, offline.Strings(stmt["Action"]))
	assert.Equal(t, []string{"arn:aws:rds-db:us-west-2:123456789012:dbuser:db-ABC/app"}, offline.Strings(stmt["Resource"]))
	assert.Nil(t, plan.Find("aws:iam/rolePolicy:RolePolicy", "dev-web-task"), "a service without permissions has no task policy")

	a = baseArgs()
	a.Services[1].TaskPermissions = []ecscluster.TaskPermission{{Sid: "All", Actions: []string{"rds-db:*"}, Resources: []pulumi.StringInput{pulumi.String("*")}}}
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	offline.RequireRefused(t, p, err, "refarch:ecscluster:EcsCluster", "Args.Services[1].TaskPermissions[0].Actions[0]", "wildcard")
}

func TestAJobRunsTheServicesImageWithItsOwnCommandAndSecretsOnly(t *testing.T) {
	const master = "arn:aws:secretsmanager:us-west-2:123456789012:secret:rds-master-AbCdEf"
	a := baseArgs()
	a.Services[1].Jobs = []ecscluster.Job{{
		Name:        "migrate",
		Command:     []string{"migrate"},
		Environment: map[string]pulumi.StringInput{"DB_HOST": pulumi.String("db.internal")},
		Secrets:     map[string]pulumi.StringInput{"DB_PASSWORD": pulumi.String(master + ":password::")},
	}}
	plan := build(t, a)
	job := plan.Require(t, taskDefType, "dev-api-migrate")
	svc := plan.Require(t, taskDefType, "dev-api")
	assert.Equal(t, "dev-api-migrate", job.String("family"))
	assert.Equal(t, svc.String("cpu"), job.String("cpu"))
	assert.Equal(t, svc.String("runtimePlatform.cpuArchitecture"), job.String("runtimePlatform.cpuArchitecture"))
	jc, sc := containers(t, job)[0], containers(t, svc)[0]
	assert.Equal(t, sc.Image, jc.Image, "the service's image")
	assert.Equal(t, []string{"migrate"}, jc.Command)
	assert.Empty(t, sc.Command, "the service runs the image's own command")
	assert.Equal(t, map[string]string{"DB_PASSWORD": master + ":password::"}, jc.secrets(), "the job's secrets only")
	for _, ref := range sc.secrets() {
		assert.NotContains(t, ref, master, "the service never holds the job's secret")
	}

	exec := plan.Require(t, "aws:iam/role:Role", "dev-api-migrate-exec")
	assert.Equal(t, exec.Output("arn"), job.Get("executionRoleArn"), "a role of its own")
	assert.NotEqual(t, svc.Get("executionRoleArn"), job.Get("executionRoleArn"))
	policy := parse(t, plan.Require(t, "aws:iam/rolePolicy:RolePolicy", "dev-api-migrate-exec"), "policy")
	var secretResources []string
	for _, st := range policy.Statement {
		for _, act := range st.Action {
			if act == "secretsmanager:GetSecretValue" {
				secretResources = append(secretResources, st.Resource...)
			}
		}
	}
	assert.Equal(t, []string{master}, secretResources, "it may read the master secret and nothing else")

	a = baseArgs()
	a.Services[1].Jobs = []ecscluster.Job{{Name: "Migrate-Now"}}
	p, err := offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := ecscluster.NewEcsCluster(ctx, "dev", a, pulumi.Provider(provider))
		return err
	})
	offline.RequireRefused(t, p, err, "refarch:ecscluster:EcsCluster", "Args.Services[1].Jobs[0].Name", "lower-case letters and digits")
	offline.RequireProblem(t, err, "Args.Services[1].Jobs[0].Command", "required")
}
