package tests

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/workloads/apps/contract"
)

// appContainer is what the wiring test reads of a container definition.
type appContainer struct {
	Name, Image  string
	Command      []string
	PortMappings []struct{ ContainerPort int }
	Environment  []struct{ Name, Value string }
	Secrets      []struct{ Name, ValueFrom string }
}

// TestTaskDefinitionsGiveTheProgramsWhatTheyRead checks every stack's task
// definitions of the sample services against workloads/apps/contract, the list the
// programs read their configuration by: the image the stack file names, the architecture, the
// port, the health path, every required variable, no variable the program
// does not read, and exactly its secrets.
func TestTaskDefinitionsGiveTheProgramsWhatTheyRead(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			cfg := stackConfig(t, stackName)
			images := map[string]string{}
			for _, s := range cfg.Platform.Services {
				images[s.Name] = platformpart.ImageURL(&cfg.Config, s.Image)
			}
			for _, svc := range []contract.Service{contract.Frontend, contract.Backend} {
				comp := p.Require(t, "refarch:ecscluster:FargateService", stackName+"-"+svc.Name)
				var task, group *offline.Resource
				for _, r := range p.Descendants(comp) {
					switch {
					case r.Type == taskDefType && r.Name == stackName+"-"+svc.Name:
						task = r
					case r.Type == "aws:lb/targetGroup:TargetGroup":
						group = r
					}
				}
				require.NotNil(t, task, svc.Name)
				require.NotNil(t, group, svc.Name)
				assert.Equal(t, contract.Architecture, task.String("runtimePlatform.cpuArchitecture"), "%s: the images are built for it", svc.Name)
				assert.Equal(t, svc.HealthPath, group.String("healthCheck.path"), "%s: the program's liveness path", svc.Name)
				assert.Equal(t, svc.Port, group.Int("port"), svc.Name)

				c := checkReads(t, task, svc, images[svc.Name])
				require.Len(t, c.PortMappings, 1)
				assert.Equal(t, svc.Port, c.PortMappings[0].ContainerPort, svc.Name)
				assert.Empty(t, c.Command, "%s runs the image's entrypoint (serve)", svc.Name)
				if svc.Name == contract.Backend.Name {
					// The migration: the same image, `migrate`, the master
					// user's secret and nothing of the service's.
					job := p.Require(t, taskDefType, stackName+"-"+contract.Migrate.Name)
					jc := checkReads(t, job, contract.Migrate, images[contract.Backend.Name])
					assert.Equal(t, []string{"migrate"}, jc.Command)
					assert.Equal(t, c.Image, jc.Image)
					assert.Equal(t, contract.Architecture, job.String("runtimePlatform.cpuArchitecture"))
				}
			}
		})
	}
}

// checkReads checks a task definition's one container against what its
// program reads: image, the one the stack file names for it, every
// required variable, no variable the program ignores, exactly its secrets.
func checkReads(t *testing.T, task *offline.Resource, svc contract.Service, image string) appContainer {
	t.Helper()
	var defs []appContainer
	require.NoError(t, json.Unmarshal([]byte(task.String("containerDefinitions")), &defs))
	require.Len(t, defs, 1)
	c := defs[0]
	require.NotEmpty(t, image, "%s: the stack file names its image", svc.Name)
	assert.Equal(t, image, c.Image, "%s runs the image the stack file names for it", svc.Name)
	var env, secrets []string
	for _, e := range c.Environment {
		env = append(env, e.Name)
	}
	for _, s := range c.Secrets {
		secrets = append(secrets, s.Name)
	}
	for _, want := range svc.Env {
		assert.Contains(t, env, want, "%s requires %s", svc.Name, want)
	}
	for _, got := range env {
		assert.True(t, slices.Contains(svc.Env, got) || slices.Contains(svc.OptionalEnv, got),
			"%s: %s is set but the program does not read it", svc.Name, got)
	}
	assert.ElementsMatch(t, svc.Secrets, secrets, "%s: exactly the secrets the program reads", svc.Name)
	return c
}

// TestTheBackendLogsInAsTheAppRoleOnly checks the IAM database login: the
// backend's task role may request a token for the role contract.AppRole on
// the writer and each replica, and nothing else.
func TestTheBackendLogsInAsTheAppRoleOnly(t *testing.T) {
	for _, stackName := range platformStacks() {
		t.Run(stackName, func(t *testing.T) {
			p := stackPlan(t, stackName)
			var want []string
			for _, db := range p.ByType("aws:rds/instance:Instance") {
				want = append(want, "arn:aws:rds-db:us-west-2:"+stackConfig(t, stackName).AccountID+":dbuser:"+db.Output("resourceId").(string)+"/"+contract.AppRole)
			}
			require.NotEmpty(t, want)
			stmts := p.Require(t, "aws:iam/rolePolicy:RolePolicy", stackName+"-backend-task").Statements(t, "policy")
			require.Len(t, stmts, 1)
			login := stmts["DatabaseLogin"]
			assert.Equal(t, []string{"rds-db:connect"}, offline.Strings(login["Action"]))
			assert.ElementsMatch(t, want, offline.Strings(login["Resource"]))
			assert.Nil(t, p.Find("aws:iam/rolePolicy:RolePolicy", stackName+"-frontend-task"), "the frontend touches no AWS API")
		})
	}
}
