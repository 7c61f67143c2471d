package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/platformpart"
)

// editService returns a services edit that changes service i.
func editService(i int, edit func(map[string]any)) func([]map[string]any) []map[string]any {
	return func(s []map[string]any) []map[string]any {
		edit(s[i])
		return s
	}
}

// addService returns a services edit that appends a service.
func addService(svc map[string]any) func([]map[string]any) []map[string]any {
	return func(s []map[string]any) []map[string]any { return append(s, svc) }
}

// imageOf is the image the stack file names for one of its services.
func imageOf(t testing.TB, stackName, service string) string {
	t.Helper()
	for _, s := range stackConfig(t, stackName).Platform.Services {
		if s.Name == service {
			return s.Image
		}
	}
	t.Fatalf("stack %s has no service %q", stackName, service)
	return ""
}

// TestReleaseImagesReplaceTheServicesImages proves what CI's update jobs
// rely on: the digests set in refarch:releaseImages are what every service
// of the repository runs, in its task definition and its job's.
func TestReleaseImagesReplaceTheServicesImages(t *testing.T) {
	cfg := stackConfig(t, "prod")
	repo := repositoryOf(imageOf(t, "prod", "backend"))
	release := repo + "@sha256:" + strings.Repeat("b", 64)
	p, err := planWith(t, "prod", map[string]string{"refarch:releaseImages": `{"` + repo + `":"` + release + `"}`})
	require.NoError(t, err)
	images := map[string]string{}
	for _, td := range p.ByType("aws:ecs/taskDefinition:TaskDefinition") {
		defs, err := td.JSON("containerDefinitions")
		require.NoError(t, err)
		image, _ := offline.Lookup(defs.([]any)[0], "image")
		images[td.String("family")] = image.(string)
	}
	want := map[string]string{}
	for _, svc := range cfg.Platform.Services {
		image := svc.Image
		if repositoryOf(image) == repo {
			image = release
		}
		want["prod-"+svc.Name] = platformpart.ImageURL(&cfg.Config, image)
		if svc.DataAccess {
			want["prod-"+svc.Name+"-"+platformpart.MigrateJob] = want["prod-"+svc.Name]
		}
	}
	require.Contains(t, want, "prod-backend-migrate")
	assert.NotEqual(t, want["prod-frontend"], want["prod-backend"])
	assert.Equal(t, want, images, "the release's backend everywhere; the frontend as configured")
}

func TestPlatformConfigRejectsBadValues(t *testing.T) {
	d := domainOf(t)
	repo := func(stackName, service string) string { return repositoryOf(imageOf(t, stackName, service)) }
	hexes := strings.Repeat("a", 64)
	type edit = func([]map[string]any) []map[string]any
	cases := []struct {
		name     string
		stack    string
		services edit              // applied to the stack's refarch:services
		set      map[string]string // other keys
		key      string
		rule     string
	}{
		{"fargate pair", "dev", editService(1, func(s map[string]any) { s["memory"] = 3000 }), nil,
			"refarch:services[1].memory", "not offered with 512 CPU units"},
		{"fargate cpu", "stage", editService(0, func(s map[string]any) { s["cpu"] = 300 }), nil,
			"refarch:services[0].cpu", "Fargate task CPU value"},
		{"min above max", "stage", editService(1, func(s map[string]any) { s["minCount"], s["maxCount"] = 7, 6 }), nil,
			"refarch:services[1].minCount", "exceeds the maximum task count (6)"},
		{"prod min below two", "prod", editService(0, func(s map[string]any) { s["minCount"] = 1 }), nil,
			"refarch:services[0].minCount", "at least 2 in prod"},
		{"prod min left at the default", "prod", editService(1, func(s map[string]any) { delete(s, "minCount") }), nil,
			"refarch:services[1].minCount", "at least 2 in prod"},
		{"prod desired below two", "prod", editService(0, func(s map[string]any) { s["desiredCount"] = 1 }), nil,
			"refarch:services[0].desiredCount", "at least 2 in prod"},
		{"health check interval not above timeout", "dev", editService(0, func(s map[string]any) {
			s["healthCheck"] = map[string]any{"interval": 5, "timeout": 5}
		}), nil, "refarch:services[0].healthCheck.interval", "must exceed the timeout"},
		{"duplicate name", "dev", editService(1, func(s map[string]any) { s["name"] = "frontend" }), nil,
			"refarch:services[1].name", "unique"},
		{"duplicate path", "dev", addService(map[string]any{"name": "orders", "image": imageOf(t, "dev", "backend"), "paths": []string{"/backend/*"}}), nil,
			"refarch:services[2].paths[0]", `overlaps /backend/* of service "backend"`},
		{"second public catch-all", "stage", addService(map[string]any{"name": "site", "image": imageOf(t, "stage", "frontend"), "public": true,
			"hosts": []string{"origin.stage." + d}, "paths": []string{"/api/v1/*"}, "minCount": 2}), nil,
			"refarch:services[2].paths[0]", "compete"},
		{"name too long for a target group", "stage", editService(1, func(s map[string]any) { s["name"] = "backend-reporting-v2" }), nil,
			"refarch:services[1].name", "32-character target group name limit"},
		{"latest in stage", "stage", editService(1, func(s map[string]any) { s["image"] = repo("stage", "backend") + ":latest" }), nil,
			"refarch:services[1].image", "pin a version"},
		{"no tag in prod", "prod", editService(0, func(s map[string]any) { s["image"] = repo("prod", "frontend") }), nil,
			"refarch:services[0].image", "pin a version"},
		{"tag in prod", "prod", editService(1, func(s map[string]any) { s["image"] = repo("prod", "backend") + ":1.4.2" }), nil,
			"refarch:services[1].image", "pinned by digest in prod"},
		{"release image by tag", "stage", nil, map[string]string{"refarch:releaseImages": `{"` + repo("stage", "backend") + `":"` + repo("stage", "backend") + `:1.4.3"}`},
			"refarch:releaseImages." + repo("stage", "backend"), repo("stage", "backend") + "@sha256:<64 hex digits>"},
		{"release image of another repository", "stage", nil, map[string]string{"refarch:releaseImages": `{"` + repo("stage", "backend") + `":"` + repo("stage", "frontend") + `@sha256:` + hexes + `"}`},
			"refarch:releaseImages." + repo("stage", "backend"), "in its own repository"},
		{"release image of an unknown repository", "dev", nil, map[string]string{"refarch:releaseImages": `{"payments":"payments@sha256:` + hexes + `"}`},
			"refarch:releaseImages.payments", "names no repository"},
		{"unknown repository", "dev", editService(1, func(s map[string]any) { s["image"] = "payments:1.0.0" }), nil,
			"refarch:services[1].image", "refarch:ecrRepositories"},
		{"host outside the environment", "stage", editService(0, func(s map[string]any) { s["hosts"] = []string{"origin.prod." + d} }), nil,
			"refarch:services[0].hosts[0]", "stage." + d + " or one label below it"},
		{"host two labels down", "dev", editService(0, func(s map[string]any) { s["hosts"] = []string{"a.b.dev." + d} }), nil,
			"refarch:services[0].hosts[0]", "certificate covers"},
		{"hosts on an internal service", "dev", editService(1, func(s map[string]any) { s["hosts"] = []string{"api.dev." + d} }), nil,
			"refarch:services[1].hosts[0]", "public services only"},
		{"plain secret", "dev", editService(1, func(s map[string]any) { s["secrets"] = map[string]string{"API_TOKEN": "hunter2"} }), nil,
			"refarch:services[1].secrets.API_TOKEN", "by reference"},
		{"secret of another account", "prod", editService(1, func(s map[string]any) {
			s["secrets"] = map[string]string{"STRIPE_KEY": "arn:aws:secretsmanager:us-west-2:" + accountOf(t)["dev"] + ":secret:stripe-AbCdEf"}
		}), nil, "refarch:services[1].secrets.STRIPE_KEY", "this stack's account"},
		{"secret in plain environment", "dev", editService(0, func(s map[string]any) { s["environment"] = map[string]string{"API_TOKEN": "abc"} }), nil,
			"refarch:services[0].environment.API_TOKEN", "looks like a secret"},
		{"variable the platform sets", "dev", editService(1, func(s map[string]any) { s["environment"] = map[string]string{"DB_HOST": "localhost"} }), nil,
			"refarch:services[1].environment.DB_HOST", "set by the platform"},
		// Every variable wireData sets is refused, not silently overwritten.
		{"database login role the platform sets", "dev", editService(1, func(s map[string]any) { s["environment"] = map[string]string{"DB_USER": "postgres"} }), nil,
			"refarch:services[1].environment.DB_USER", "set by the platform"},
		{"CA bundle the platform sets", "dev", editService(1, func(s map[string]any) { s["environment"] = map[string]string{"DB_CA_BUNDLE": "/tmp/ca.pem"} }), nil,
			"refarch:services[1].environment.DB_CA_BUNDLE", "set by the platform"},
		{"reader hosts the platform sets", "dev", editService(1, func(s map[string]any) { s["environment"] = map[string]string{"DB_READER_HOSTS": "localhost"} }), nil,
			"refarch:services[1].environment.DB_READER_HOSTS", "set by the platform"},
		{"privileged port", "dev", editService(0, func(s map[string]any) { s["port"] = 80 }), nil,
			"refarch:services[0].port", "between 1024 and 65535"},
		{"root user", "stage", editService(0, func(s map[string]any) { s["user"] = "root" }), nil,
			"refarch:services[0].user", "must not be root"},
		{"plain HTTP to the tasks in prod", "prod", editService(1, func(s map[string]any) { s["targetProtocol"] = "HTTP" }), nil,
			"refarch:services[1].targetProtocol", "must be HTTPS in prod"},
		{"unknown target protocol", "dev", editService(0, func(s map[string]any) { s["targetProtocol"] = "TCP" }), nil,
			"refarch:services[0].targetProtocol", "must be HTTPS or HTTP"},
		{"misspelt field", "dev", editService(0, func(s map[string]any) { s["cpus"] = 256 }), nil,
			"refarch:services[0].cpus", "did you mean cpu?"},
		{"too many services", "dev", func(s []map[string]any) []map[string]any {
			for i := len(s); i <= 50; i++ {
				s = append(s, map[string]any{"name": fmt.Sprintf("svc%02d", i), "image": imageOf(t, "dev", "backend")})
			}
			return s
		}, nil, "refarch:services", "more than 50"},
		{"ECS Exec with read-only root filesystems", "dev", nil, map[string]string{"refarch:ecsExec": "true"},
			"refarch:ecsExec", `services "frontend" (Args.Services[0]), "backend" (Args.Services[1]) keep a read-only root filesystem, with which ECS Exec is not supported`},
		{"ECS Exec names AWS's page", "stage", editService(0, func(s map[string]any) { s["writableRootFilesystem"] = true }),
			map[string]string{"refarch:ecsExec": "true"},
			"refarch:ecsExec", `"backend" (Args.Services[1]) keep a read-only root filesystem, with which ECS Exec is not supported: its SSM agent must create directories and files in the container (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html)`},
		{"spot in prod", "prod", nil, map[string]string{"refarch:fargateSpotWeight": "2"},
			"refarch:fargateSpotWeight", "must be 0 in prod"},
		{"legacy TLS policy", "dev", nil, map[string]string{"refarch:albSslPolicy": "ELBSecurityPolicy-2016-08"},
			"refarch:albSslPolicy", "before 1.2"},
		{"short access logs in prod", "prod", nil, map[string]string{"refarch:albAccessLogDays": "30"},
			"refarch:albAccessLogDays", "at least 90 in prod"},
		{"private zone the certificate misses", "stage", nil, map[string]string{"refarch:dnsPrivateZonePrefix": "svc.internal"},
			"refarch:dnsPrivateZonePrefix", "single label"},
		{"repository name", "shared-services", nil, map[string]string{"refarch:ecrRepositories": `["Frontend"]`},
			"refarch:ecrRepositories[0]", "ECR repository name"},
		{"repository twice", "dev", nil, map[string]string{"refarch:ecrRepositories": `["` + repo("dev", "frontend") + `","` + repo("dev", "backend") + `","` + repo("dev", "frontend") + `"]`},
			"refarch:ecrRepositories[2]", "twice"},
		{"lifecycle keeps nothing", "shared-services", nil, map[string]string{"refarch:ecrKeepImages": "0"},
			"refarch:ecrKeepImages", "between 1 and 10000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]string{}
			for k, v := range tc.set {
				set[k] = v
			}
			if tc.services != nil {
				set["refarch:services"] = servicesJSON(t, tc.stack, tc.services)
			}
			rejects(t, tc.stack, set, tc.key, tc.rule)
		})
	}
}

func TestPlatformConfigAllowsWhatDevNeeds(t *testing.T) {
	t.Run("latest in dev", func(t *testing.T) {
		p, err := planWith(t, "dev", map[string]string{"refarch:services": servicesJSON(t, "dev", editService(1, func(s map[string]any) {
			s["image"] = repositoryOf(imageOf(t, "dev", "backend")) + ":latest"
		}))})
		require.NoError(t, err)
		c := containerOf(t, taskOf(t, p, p.Require(t, ecsServiceType, "dev-backend")))
		assert.Equal(t, platformpart.ImageURL(&stackConfig(t, "dev").Config, repositoryOf(imageOf(t, "dev", "backend"))+":latest"), c.Image)
	})
	t.Run("plain HTTP to one task outside prod", func(t *testing.T) {
		p, err := planWith(t, "stage", map[string]string{"refarch:services": servicesJSON(t, "stage", editService(1, func(s map[string]any) {
			s["targetProtocol"] = "HTTP"
		}))})
		require.NoError(t, err)
		assert.Equal(t, "HTTP", p.Require(t, "aws:lb/targetGroup:TargetGroup", "stage-backend").String("protocol"))
		assert.Equal(t, "HTTPS", p.Require(t, "aws:lb/targetGroup:TargetGroup", "stage-frontend").String("protocol"), "the others keep the default")
	})
	t.Run("ECS Exec once every root filesystem is writable", func(t *testing.T) {
		services := servicesJSON(t, "dev", func(s []map[string]any) []map[string]any {
			for _, svc := range s {
				svc["writableRootFilesystem"] = true
			}
			return s
		})
		p, err := planWith(t, "dev", map[string]string{"refarch:ecsExec": "true", "refarch:services": services})
		require.NoError(t, err)
		for _, name := range []string{"frontend", "backend"} {
			svc := p.Require(t, ecsServiceType, "dev-"+name)
			assert.True(t, svc.Bool("enableExecuteCommand"), name)
			assert.False(t, containerOf(t, taskOf(t, p, svc)).ReadonlyRootFilesystem, "%s: the SSM agent may write", name)
			assert.NotNil(t, p.Find("aws:iam/rolePolicy:RolePolicy", "dev-"+name+"-task-exec"), "%s: the task role opens the session channels", name)
		}
	})
	t.Run("a secret of the stack's account", func(t *testing.T) {
		arn := "arn:aws:secretsmanager:us-west-2:" + accountOf(t)["dev"] + ":secret:dev/stripe-AbCdEf:api_key::"
		p, err := planWith(t, "dev", map[string]string{"refarch:services": servicesJSON(t, "dev", editService(1, func(s map[string]any) {
			s["secrets"] = map[string]string{"STRIPE_KEY": arn}
		}))})
		require.NoError(t, err)
		c := containerOf(t, taskOf(t, p, p.Require(t, ecsServiceType, "dev-backend")))
		var refs []string
		for _, s := range c.Secrets {
			refs = append(refs, s.Name+"="+s.ValueFrom)
		}
		assert.Contains(t, refs, "STRIPE_KEY="+arn)
	})
}
