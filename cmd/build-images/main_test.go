package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// fixtureKoYAML is a .ko.yaml of the fixture module: the fixture, and a
// copy of it named backend, for the CA bundle's warning.
const fixtureKoYAML = "defaultBaseImage: " + goodBase + "\n" +
	"defaultPlatforms: [linux/arm64]\n" +
	"builds:\n" +
	"  - id: fixture\n    main: ./workloads/apps/fixture\n    env: [CGO_ENABLED=0]\n    flags: [-trimpath]\n    ldflags: [-s, -w]\n" +
	"  - id: backend\n    main: ./workloads/apps/backend\n    env: [CGO_ENABLED=0]\n    flags: [-trimpath]\n    ldflags: [-s, -w]\n"

// TestRun runs the command on a module like this repository's: it reads
// .ko.yaml, writes a layout and an SBOM per build under -out (relative to
// the root), prints one line per image whose digest is the layout's, and
// warns that the backend image lacks the CA bundle, until it is in
// workloads/apps/backend/kodata/.
func TestRun(t *testing.T) {
	setIsolatedEnv(t, testGOCACHE)
	root := t.TempDir()
	writeFixture(t, root, "fixture", "backend")
	require.NoError(t, os.RemoveAll(filepath.Join(root, "workloads", "apps", "backend", "kodata")))
	writeFile(t, filepath.Join(root, configName), fixtureKoYAML)

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-root", root, "-out", filepath.Join("dist", "images")}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 2, stdout.String())
	line := regexp.MustCompile(`^(\S+) linux/arm64 dist/images/(\S+) (sha256:[0-9a-f]{64}) [0-9]+ bytes \(binary [0-9]+ bytes\)$`)
	for i, name := range []string{"fixture", "backend"} {
		m := line.FindStringSubmatch(lines[i])
		require.NotNil(t, m, lines[i])
		assert.Equal(t, name, m[1])
		assert.Equal(t, name, m[2])
		descs, _ := readLayout(t, filepath.Join(root, "dist", "images", name))
		require.Len(t, descs, 1)
		assert.Equal(t, m[3], descs[0].Digest.String())
		assert.FileExists(t, filepath.Join(root, "dist", "images", name+"-linux-arm64.spdx.json"))
	}
	assert.Contains(t, stderr.String(), "warning: the backend image has no "+contract.CABundlePath)
	assert.NotContains(t, stderr.String(), "fixture image")

	// With the bundle in kodata/, as the pipeline downloads it: no warning,
	// and the image has it at the contract's path.
	writeFile(t, filepath.Join(root, "workloads", "apps", "backend", "kodata", filepath.Base(contract.CABundlePath)), "bundle")
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), []string{"-root", root, "-out", filepath.Join("dist", "images"), "backend"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.Empty(t, stderr.String())
	assert.Equal(t, 1, strings.Count(stdout.String(), "\n"))
	_, imgs := readLayout(t, filepath.Join(root, "dist", "images", "backend"))
	layers, err := imgs[0].Layers()
	require.NoError(t, err)
	_, kodata := layerEntries(t, layers[0])
	assert.Equal(t, "bundle", string(kodata[strings.TrimPrefix(contract.CABundlePath, "/")].Data))
}

func TestRunFails(t *testing.T) {
	setIsolatedEnv(t, testGOCACHE)
	root := t.TempDir()
	writeFixture(t, root, "fixture", "backend")
	writeFile(t, filepath.Join(root, configName), fixtureKoYAML)
	runIn := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"-root", root}, args...), &stdout, &stderr)
		return code, stderr.String()
	}

	code, msg := runIn("-bogus")
	assert.Equal(t, 2, code, msg)

	code, msg = runIn("frontend")
	assert.Equal(t, 1, code)
	assert.Contains(t, msg, `"frontend"`)

	// A build that does not compile fails the run, names the program and
	// shows the compiler's message; the other one is still built.
	writeFile(t, filepath.Join(root, "workloads", "apps", "backend", "broken.go"), "package main\n\nfunc broken() { undefined() }\n")
	code, msg = runIn()
	assert.Equal(t, 1, code)
	assert.Contains(t, msg, "backend linux/arm64: go build ./workloads/apps/backend")
	assert.Contains(t, msg, "undefined")
	assert.DirExists(t, filepath.Join(root, "dist", "images", "fixture"))
	assert.NoDirExists(t, filepath.Join(root, "dist", "images", "backend"))

	require.NoError(t, os.Remove(filepath.Join(root, configName)))
	code, msg = runIn()
	assert.Equal(t, 1, code)
	assert.Contains(t, msg, configName)

	code, msg = runIn("-root", t.TempDir())
	assert.Equal(t, 1, code)
	assert.Contains(t, msg, "no go.mod")
}
