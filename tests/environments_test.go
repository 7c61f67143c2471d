package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// withEnvironments copies the project's Pulumi.yaml and stack files into a
// temporary folder and adds application environments as an organization
// adds one: one entry in refarch:accounts (its account id, VPC block and
// root address) and one stack file (stage's, with the environment's own
// account and VPC block). It returns the folder.
func withEnvironments(tb testing.TB, envs []string) string {
	tb.Helper()
	src := projectDir(tb)
	dir := tb.TempDir()
	files, err := filepath.Glob(filepath.Join(src, "Pulumi*.yaml"))
	require.NoError(tb, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(tb, err)
		require.NoError(tb, os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600))
	}
	project, err := os.ReadFile(filepath.Join(dir, "Pulumi.yaml"))
	require.NoError(tb, err)
	stage, err := os.ReadFile(filepath.Join(dir, "Pulumi.stage.yaml"))
	require.NoError(tb, err)
	stageCfg := stackConfig(tb, "stage")

	// The directory's entries sit under "    default:" of accounts, four
	// spaces in; a new entry goes right after that line.
	anchor := regexp.MustCompile(`(?m)^  accounts:\n(?:    .*\n)*?    default:\n`)
	loc := anchor.FindIndex(project)
	require.NotNil(tb, loc, "Pulumi.yaml declares refarch:accounts with a default directory")
	var entries strings.Builder
	for i, env := range envs {
		id := fmt.Sprintf("7%011d", i+1)
		cidr := fmt.Sprintf("10.%d.0.0/16", 100+i)
		fmt.Fprintf(&entries, "      %s:\n        id: \"%s\"\n        vpcCidr: %s\n        email: aws-%s@example.com\n", env, id, cidr, env)
		file := strings.Replace(string(stage), `refarch:accountId: "`+stageCfg.AccountID+`"`, `refarch:accountId: "`+id+`"`, 1)
		file = strings.Replace(file, "refarch:vpcCidr: "+stageCfg.VpcCIDR.String(), "refarch:vpcCidr: "+cidr, 1)
		file = strings.ReplaceAll(file, ".stage.", "."+env+".")
		require.NotEqual(tb, string(stage), file)
		require.NoError(tb, os.WriteFile(filepath.Join(dir, "Pulumi."+env+".yaml"), []byte(file), 0o600))
	}
	project = append(project[:loc[1]:loc[1]], append([]byte(entries.String()), project[loc[1]:]...)...)
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o600))
	return dir
}

// planAllIn plans every stack of the project in dir, in deployment order.
func planAllIn(tb testing.TB, dir string) map[string]*offline.Plan {
	tb.Helper()
	names, err := offline.ProjectStacks(dir)
	require.NoError(tb, err)
	out := map[string]*offline.Plan{}
	for _, name := range names {
		p, err := offline.RunStack(stacks.Run, name, offline.Options{Dir: dir, StackOutputs: stackrefs.New(dir)})
		require.NoError(tb, err, "stack %s", name)
		out[name] = p
	}
	return out
}

// TestAddingAnEnvironment adds a fourth application environment (qa) the
// way the runbook says: one directory entry and one stack file. Every stack
// plans; the new account lands in the SDLC unit under the guardrails;
// security aggregates it, shared-services peers with it and lets it pull
// images, and its own stack deploys a full application environment.
func TestAddingAnEnvironment(t *testing.T) {
	dir := withEnvironments(t, []string{"qa"})
	names, err := offline.ProjectStacks(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{"management", "security", "shared-services", "dev", "qa", "stage", "prod"}, names,
		"prod stays last; the others in alphabetical order")
	plans := planAllIn(t, dir)
	const qaID = "700000000001"

	// management: the account, in the SDLC unit.
	mgmt := plans["management"]
	acct := mgmt.Require(t, "aws:organizations/account:Account", "refarch-organization-qa")
	assert.Equal(t, "aws-qa@example.com", acct.String("email"))
	sdlc := mgmt.Require(t, "aws:organizations/organizationalUnit:OrganizationalUnit", "refarch-organization-sdlc")
	assert.Equal(t, sdlc.ID, acct.String("parentId"), "qa is an environment of the software development life cycle")
	var onSDLC, onWorkloads int
	for _, at := range mgmt.ByType("aws:organizations/policyAttachment:PolicyAttachment") {
		switch at.String("targetId") {
		case sdlc.ID:
			onSDLC++
		case mgmt.Require(t, "aws:organizations/organizationalUnit:OrganizationalUnit", "refarch-organization-workloads").ID:
			onWorkloads++
		}
	}
	assert.Positive(t, onSDLC+onWorkloads, "guardrails reach the unit qa sits in")

	// security: qa's people get persona roles to assume; its trail and
	// recorder may deliver to the archive.
	sec := plans["security"]
	var trailPolicy string
	for _, bp := range sec.ByType("aws:s3/bucketPolicy:BucketPolicy") {
		if strings.Contains(bp.String("policy"), "CloudTrailWrite"+qaID) {
			trailPolicy = bp.String("policy")
		}
	}
	assert.NotEmpty(t, trailPolicy, "the archive admits qa's trail")

	// shared-services: peering delegate, image pulls, VPN routes.
	shared := plans["shared-services"]
	shared.Require(t, "aws:iam/role:Role", "delegate-qa")
	var vpnRoutes bool
	for _, r := range shared.Resources {
		if strings.Contains(fmt.Sprint(r.Inputs), "10.100.0.0/16") {
			vpnRoutes = true
		}
	}
	assert.True(t, vpnRoutes, "shared-services reaches qa's VPC block")

	// qa itself: a whole application environment in its own account.
	qa := plans["qa"]
	assert.Equal(t, len(plans["stage"].Resources), len(qa.Resources), "qa is stage's shape")
	for _, prov := range qa.Providers() {
		if ids := prov.Strings("allowedAccountIds"); len(ids) == 1 && prov.Name == "aws-qa" {
			assert.Equal(t, qaID, ids[0])
		}
	}
}

// TestAnEnvironmentMustBeInTheDirectory: a stack file without its
// directory entry is refused, naming the key.
func TestAnEnvironmentMustBeInTheDirectory(t *testing.T) {
	dir := withEnvironments(t, []string{"qa"})
	b, err := os.ReadFile(filepath.Join(dir, "Pulumi.qa.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.uat.yaml"), b, 0o600))
	_, err = offline.RunStack(stacks.Run, "uat", offline.Options{Dir: dir, StackOutputs: stackrefs.New(dir)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), stack.Key("accounts")+".uat")
}

// BenchmarkOrganization plans an organization of twenty application
// environments: every stack of it (docs/performance.md).
func BenchmarkOrganization(b *testing.B) {
	envs := make([]string, 17)
	for i := range envs {
		envs[i] = fmt.Sprintf("env%02d", i+1)
	}
	dir := withEnvironments(b, envs) // with dev, stage and prod: twenty
	names, err := offline.ProjectStacks(dir)
	require.NoError(b, err)
	require.Len(b, names, 23)
	b.ResetTimer()
	for range b.N {
		planAllIn(b, dir)
	}
}
