package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/stack"
)

// TestOpsMayRunTheFailoverDrillInApplicationAccountsOnly proves the ops
// role of each application account holds exactly the calls of
// cmd/failover-drill (docs/runbook.md, section 6.6), the reboot on that
// stack's writer alone and the roles passed to ECS tasks alone, and that no
// other account's role gets them.
func TestOpsMayRunTheFailoverDrillInApplicationAccountsOnly(t *testing.T) {
	region := "us-west-2"
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			role, err := stack.RoleOf(stackName)
			require.NoError(t, err)
			p := plan(t, stackName)
			ops := baselinepart.PersonaRoleName(baselinepart.PersonaOps)
			var drill []*offline.Resource
			for _, r := range p.ByType("aws:iam/rolePolicy:RolePolicy") {
				if r.String("name") == baselinepart.FailoverDrillPolicyName {
					drill = append(drill, r)
				}
			}
			if role != stack.RoleApp {
				assert.Empty(t, drill, "no database, no drill")
				return
			}
			require.Len(t, drill, 1, "the ops role's, nobody else's")
			assert.Equal(t, ops, drill[0].String("role"))
			_, inside := baselineOf(t, p)
			opsRole := blFind(t, inside, "aws:iam/role:Role", "-"+ops)
			assert.Contains(t, drill[0].DependsOn, opsRole.URN, "it waits for the ops role")
			st := blStatements(t, drill[0], "policy")
			account := accountOf(t)[stackName]
			assert.ElementsMatch(t, []string{"ReadTheWriterAndTheProbe", "RebootTheWriterWithFailover", "RunAndStopTheProbe",
				"TagTheProbeAsItStarts", "PassTheTaskRolesToECSTasksOnly", "ReadTheProbesLogs"}, keys(st))
			assert.Equal(t, []string{"arn:aws:rds:" + region + ":" + account + ":db:refarch-" + stackName + "-db"}, blStrs(st["RebootTheWriterWithFailover"]["Resource"]),
				"the stack's writer, nothing else")
			assert.Equal(t, []string{"rds:RebootDBInstance"}, blStrs(st["RebootTheWriterWithFailover"]["Action"]))
			assert.Equal(t, []string{"ecs:RunTask", "ecs:StopTask"}, blStrs(st["RunAndStopTheProbe"]["Action"]))
			assert.Equal(t, []string{"iam:PassRole"}, blStrs(st["PassTheTaskRolesToECSTasksOnly"]["Action"]))
			assert.Equal(t, []string{"ecs-tasks.amazonaws.com"}, blCond(st["PassTheTaskRolesToECSTasksOnly"], "StringEquals", "iam:PassedToService"))
			assert.Equal(t, []string{"arn:aws:iam::" + account + ":role/*"}, blStrs(st["PassTheTaskRolesToECSTasksOnly"]["Resource"]))
			assert.Equal(t, []string{"RunTask"}, blCond(st["TagTheProbeAsItStarts"], "StringEquals", "ecs:CreateAction"))
			assert.Equal(t, []string{"logs:GetLogEvents"}, blStrs(st["ReadTheProbesLogs"]["Action"]))
			for sid, s := range st {
				assert.Equal(t, "Allow", s["Effect"], sid)
				for _, a := range blStrs(s["Action"]) {
					assert.NotContains(t, a, "*", "%s: named actions only", sid)
				}
			}
		})
	}
}

// keys returns a map's keys.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
