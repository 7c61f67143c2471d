// Package tests runs the whole program, stack by stack, under the mock
// harness with the real Pulumi.<stack>.yaml files, and checks the properties
// that matter before anything touches AWS.
package tests

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
)

// plan runs a stack with its real stack file and fails the test on error.
func plan(t testing.TB, stackName string) *offline.Plan {
	t.Helper()
	p, err := offline.RunStack(stacks.Run, stackName, offline.Options{StackOutputs: stackrefs.New("")})
	require.NoError(t, err, "stack %s", stackName)
	return p
}

// planWith runs a stack with configuration overrides and returns the error.
func planWith(t testing.TB, stackName string, set map[string]string, unset ...string) (*offline.Plan, error) {
	t.Helper()
	return offline.RunStack(stacks.Run, stackName, offline.Options{Set: set, Unset: unset, StackOutputs: stackrefs.New("")})
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
