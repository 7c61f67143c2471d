package tests

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

// TestEveryKeyIsDeclaredDocumentedAndRead proves the three lists of keys are
// one: the keys the program reads (over the real stack files), the
// catalogue docs/configuration.md is generated from (stacks.Keys), and the
// keys Pulumi.yaml declares, each with a type and a description.
func TestEveryKeyIsDeclaredDocumentedAndRead(t *testing.T) {
	root := projectDir(t)
	project, err := workspace.LoadProject(root + "/Pulumi.yaml")
	require.NoError(t, err)
	var declared []string
	for key, decl := range project.Config {
		if strings.Contains(key, ":") {
			continue // another namespace's key: pulumi:disable-default-providers
		}
		declared = append(declared, key)
		assert.NotEmpty(t, decl.Type, "Pulumi.yaml: %s has no type", key)
		assert.NotEmpty(t, decl.Description, "Pulumi.yaml: %s has no description", key)
	}
	sort.Strings(declared)

	read := map[string]bool{}
	for _, name := range stack.Names() {
		cfg := stackConfig(t, name)
		for _, k := range cfg.KeysRead {
			read[k] = true
		}
	}
	var readKeys, catalogue []string
	for k := range read {
		readKeys = append(readKeys, k)
	}
	sort.Strings(readKeys)
	for _, k := range stacks.Keys() {
		catalogue = append(catalogue, k.Name)
		assert.NotEmpty(t, k.Feeds, "%s: what does it feed?", k.Name)
		assert.NotEmpty(t, k.Rule, "%s: which rule validates it?", k.Name)
		assert.Regexp(t, `^stacks/(stack|[a-z]+part)$`, k.Part, k.Name)
	}
	assert.Len(t, catalogue, len(slices.Compact(slices.Sorted(slices.Values(catalogue)))), "a key is catalogued twice")
	sort.Strings(catalogue)
	assert.Equal(t, declared, readKeys, "every key Pulumi.yaml declares is read by some stack, and every key read is declared")
	assert.Equal(t, declared, catalogue, "every declared key is catalogued (stacks.Keys), and nothing else")
}

// TestUnknownKeysAreRefused runs the program (under the offline engine, so
// through the program's own view of its configuration) with the mistakes a
// YAML author makes: a misspelt key, a misspelt field of a nested object,
// and the aws: keys the explicit providers ignore.
func TestUnknownKeysAreRefused(t *testing.T) {
	cases := []struct {
		name  string
		stack string
		set   map[string]string
		key   string
		rule  string
	}{
		{"misspelt key", "prod", map[string]string{"refarch:dbMultiAZ": "false"}, "refarch:dbMultiAZ", "did you mean dbMultiAz?"},
		{"misspelt key in security", "security", map[string]string{"refarch:auditLockDay": "30"}, "refarch:auditLockDay", "did you mean auditLockDays?"},
		{"key nothing resembles", "dev", map[string]string{"refarch:colour": "blue"}, "refarch:colour", "is not a key this program reads (docs/configuration.md"},
		{"aws:region", "stage", map[string]string{"aws:region": "us-east-1"}, "aws:region", "set refarch:region instead"},
		{"aws:profile", "dev", map[string]string{"aws:profile": "prod-admin"}, "aws:profile", "AWS_PROFILE"},
		{"service field", "dev", map[string]string{"refarch:services": `[{"name":"web","image":"frontend:1.0.0","port":8443,"public":true,"paths":["/*"],"helthCheck":{"path":"/healthz"}}]`},
			"refarch:services[0].helthCheck", "did you mean healthCheck?"},
		{"nested service field", "dev", map[string]string{"refarch:services": `[{"name":"web","image":"frontend:1.0.0","port":8443,"public":true,"paths":["/*"],"healthCheck":{"pth":"/healthz"}}]`},
			"refarch:services[0].healthCheck.pth", "did you mean path?"},
		{"user field", "security", map[string]string{"refarch:users": `[{"name":"ada","email":"ada@example.com","group":["developers"]}]`},
			"refarch:users[0].group", "did you mean groups?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, tc.set, tc.key, tc.rule)
		})
	}
}

// TestUnknownSecretKeyIsNotPrinted: a misspelt secret is refused without
// its value in the error.
func TestUnknownSecretKeyIsNotPrinted(t *testing.T) {
	root := projectDir(t)
	cfg, err := offline.LoadStackConfig(root, "prod")
	require.NoError(t, err)
	// As `pulumi config set --secret refarch:dbPasword …` would leave it.
	cfg.Values["refarch:dbPasword"] = "hunter2-very-secret"
	cfg.Secret = append(cfg.Secret, "refarch:dbPasword")
	p, err := offline.Run(stacks.Run, cfg, offline.Options{StackOutputs: stackrefs.New(root)})
	offline.RequireProblem(t, err, "refarch:dbPasword", "is not a key this program reads")
	assert.NotContains(t, err.Error(), "hunter2-very-secret")
	assert.Contains(t, err.Error(), `refarch:dbPasword = "[secret]"`)
	assert.Empty(t, p.Resources)
}

func TestNearestKeys(t *testing.T) {
	keys := []string{"dbMultiAz", "dbReplicas", "cacheNodes", "cacheNodeType", "azCount"}
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"dbMultiAZ", []string{"dbMultiAz"}},
		{"dbReplica", []string{"dbReplicas"}},
		{"cacheNode", []string{"cacheNodes", "cacheNodeType"}},
		{"region", nil},
	} {
		assert.Equal(t, tc.want, stack.Nearest(tc.name, keys), tc.name)
	}
}
