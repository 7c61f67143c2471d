// Package tests runs the whole program, stack by stack, under the mock
// harness with the real Pulumi.<stack>.yaml files, and checks the properties
// that matter before anything touches AWS.
//
// The tests hold for any valid configuration, not only the committed
// sample: they read the values they need (account ids, domain, addresses,
// images) from the stack files. REFARCH_PROJECT_DIR points them at another
// project's files; TestAnotherOrganizationsConfigurationPasses (fork_test.go)
// runs them against a copy of the project's files with every such value
// replaced.
package tests

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// projectEnv names the folder holding the Pulumi.yaml and stack files the
// tests plan; unset, they plan this repository's own.
const projectEnv = "REFARCH_PROJECT_DIR"

// projectDir is the folder of the project the tests plan: $REFARCH_PROJECT_DIR
// when set, else the nearest parent holding Pulumi.yaml.
func projectDir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv(projectEnv); dir != "" {
		abs, err := filepath.Abs(dir)
		require.NoError(tb, err)
		require.FileExists(tb, filepath.Join(abs, "Pulumi.yaml"), "%s must name a folder holding Pulumi.yaml", projectEnv)
		return abs
	}
	dir, err := offline.FindProjectDir(".")
	require.NoError(tb, err)
	return dir
}

// options are the run options of the project's stacks, with configuration
// overrides (set, unset) applied after the stack file is loaded.
func options(tb testing.TB, set map[string]string, unset ...string) offline.Options {
	tb.Helper()
	dir := projectDir(tb)
	return offline.Options{Dir: dir, Set: set, Unset: unset, StackOutputs: stackrefs.New(dir)}
}

// plan runs a stack with its real stack file and fails the test on error.
func plan(t testing.TB, stackName string) *offline.Plan {
	t.Helper()
	p, err := offline.RunStack(stacks.Run, stackName, options(t, nil))
	require.NoError(t, err, "stack %s", stackName)
	return p
}

// planWith runs a stack with configuration overrides and returns the error.
func planWith(t testing.TB, stackName string, set map[string]string, unset ...string) (*offline.Plan, error) {
	t.Helper()
	return offline.RunStack(stacks.Run, stackName, options(t, set, unset...))
}

// rawConfig is a stack's configuration as the CLI hands it to the program.
func rawConfig(tb testing.TB, stackName string) *offline.StackConfig {
	tb.Helper()
	raw, err := offline.LoadStackConfig(projectDir(tb), stackName)
	require.NoError(tb, err, "stack %s", stackName)
	return raw
}

// stackConfig is a stack's typed configuration: the values the tests
// expect to find in the plan (account ids, domain, addresses, images).
func stackConfig(tb testing.TB, stackName string) *stacks.Config {
	tb.Helper()
	cfg, err := stacks.Load(stackName, stack.MapSource(rawConfig(tb, stackName).Values))
	require.NoError(tb, err, "stack %s", stackName)
	return cfg
}

// accountOf maps each stack to the id of its account, from the project's
// account directory (refarch:accounts).
func accountOf(tb testing.TB) map[string]string {
	tb.Helper()
	dir := projectDir(tb)
	if ids, ok := accountIDs.Load(dir); ok {
		return maps.Clone(ids.(map[string]string))
	}
	ids := map[string]string{}
	for name, acct := range stackConfig(tb, "security").Accounts {
		ids[name] = acct.ID
	}
	require.Len(tb, ids, len(stack.Names()), "refarch:accounts names every stack")
	accountIDs.Store(dir, ids)
	return maps.Clone(ids)
}

// accountIDs caches accountOf by project folder: tests ask for an id per
// resource.
var accountIDs sync.Map

// sampleDir holds a copy of the sample's Pulumi.yaml and stack files as
// committed, for the tests that check values are read as written: the
// project's own files may hold any valid values.
const sampleDir = "testdata/sample"

// sampleConfig is a stack's typed configuration from the copy of the
// sample in sampleDir.
func sampleConfig(tb testing.TB, stackName string) *stacks.Config {
	tb.Helper()
	const refresh = "tests/%s holds a copy of the sample's Pulumi*.yaml: when the keys change, copy them again"
	raw, err := offline.LoadStackConfig(sampleDir, stackName)
	require.NoError(tb, err, refresh, sampleDir)
	cfg, err := stacks.Load(stackName, stack.MapSource(raw.Values))
	require.NoError(tb, err, refresh, sampleDir)
	return cfg
}

// baselineStacks are the stacks whose accounts carry the security
// baseline: every stack but management, which holds the organization only.
func baselineStacks() []string {
	var out []string
	for _, name := range stack.Names() {
		if role, _ := stack.RoleOf(name); role != stack.RoleManagement {
			out = append(out, name)
		}
	}
	return out
}

// configError extracts the validation error of a failed run.
func configError(t testing.TB, err error) *validate.Error {
	t.Helper()
	require.Error(t, err)
	var verr *validate.Error
	require.True(t, errors.As(err, &verr), "expected a configuration error, got: %v", err)
	return verr
}

// rejects runs stack with the values of set (and without the keys of
// unset) and requires the run to fail on its configuration, before
// registering anything, with a problem naming key whose rule contains rule.
func rejects(t *testing.T, stackName string, set map[string]string, key, rule string, unset ...string) {
	t.Helper()
	p, err := planWith(t, stackName, set, unset...)
	verr := configError(t, err)
	require.True(t, verr.Has(key), "error must name %s:\n%v", key, verr)
	offline.RequireProblem(t, err, key, rule)
	assert.Empty(t, p.Resources, "nothing may be registered when the configuration is invalid")
}

// repositoryOf is the repository an image reference names
// ("backend" of backend:1.4.2 and of backend@sha256:…).
func repositoryOf(image string) string {
	if i := strings.IndexAny(image, ":@"); i >= 0 {
		return image[:i]
	}
	return image
}

// domainOf is the organization's root domain (refarch:domain), which
// shared-services hosts.
func domainOf(tb testing.TB) string {
	tb.Helper()
	return stackConfig(tb, "shared-services").Domain
}
