package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/cmd/internal/modroot"
)

// writeFiles creates the files (slash paths relative to root) with content.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
}

func discoveryTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"go.mod":                                  "module example.com/m\n",
		"workloads/functions/b/main.go":           "package main\n",
		"workloads/functions/a/main.go":           "package main\n",
		"workloads/functions/a/handler.go":        "package main\n",
		"workloads/functions/notafunction/README": "not a function\n",
		"workloads/functions/dist/a.zip":          "an archive, not a function\n",
		"workloads/functions/main.go":             "a file, not a directory\n",
		"workloads/functions/.hidden/main.go":     "package main\n",
		"workloads/functions/_draft/main.go":      "package main\n",
	})
	// A directory named main.go is not a main.go.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "workloads", "functions", "odd", "main.go"), 0o755))
	return root
}

func TestDiscoverFindsFunctionsSorted(t *testing.T) {
	names, err := discover(discoveryTree(t), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names)
}

func TestDiscoverRestrictsToNamedFunctions(t *testing.T) {
	root := discoveryTree(t)

	names, err := discover(root, []string{"b"})
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, names)

	names, err = discover(root, []string{"b", "a", "b"})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, names, "sorted, each once")
}

func TestDiscoverRefusesUnknownName(t *testing.T) {
	root := discoveryTree(t)
	for _, name := range []string{"c", "notafunction", "dist", ".hidden", "_draft", "odd"} {
		_, err := discover(root, []string{"a", name})
		assert.EqualError(t, err, `unknown function "`+name+`" (known: a, b)`)
	}
}

func TestDiscoverWithoutFunctions(t *testing.T) {
	root := t.TempDir()
	_, err := discover(root, nil)
	assert.ErrorContains(t, err, "finding the functions")

	require.NoError(t, os.MkdirAll(filepath.Join(root, "workloads", "functions", "empty"), 0o755))
	_, err = discover(root, nil)
	assert.ErrorContains(t, err, "no functions in")
}

func TestRunRefusesUnknownName(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-root", discoveryTree(t), "zzz"}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Empty(t, out.String())
	assert.Equal(t, "package-functions: unknown function \"zzz\" (known: a, b)\n", errOut.String())
}

func TestModuleRootWalksUpToGoMod(t *testing.T) {
	root := discoveryTree(t)
	t.Chdir(filepath.Join(root, "workloads", "functions", "a"))
	got, err := modroot.Find("")
	require.NoError(t, err)
	want, err := filepath.EvalSymlinks(root)
	require.NoError(t, err)
	gotReal, err := filepath.EvalSymlinks(got)
	require.NoError(t, err)
	assert.Equal(t, want, gotReal)

	got, err = modroot.Find(root)
	require.NoError(t, err)
	assert.Equal(t, root, got)

	_, err = modroot.Find(filepath.Join(root, "workloads", "functions"))
	assert.ErrorContains(t, err, "not a module root (no go.mod)")
}
