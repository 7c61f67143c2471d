package main

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/stretchr/testify/require"
)

// The fixture module: testdata/fixture is the program (package main, with
// a kodata/ directory), testdata/greet its dependency. The tests copy them
// into a temporary module root laid out like this repository:
//
//	go.mod           module example.com/fixture, greet replaced by ./greet
//	workloads/apps/fixture/    testdata/fixture
//	greet/           testdata/greet, with its go.mod
//
// (testdata has no go.mod files: with them it would hold modules of their
// own inside this one.) go 1.21, so that any toolchain able to build this
// repository builds it.
const (
	fixtureGoMod = "module example.com/fixture\n\ngo 1.21\n\nrequire example.com/greet v0.0.0\n\nreplace example.com/greet => ./greet\n"
	greetGoMod   = "module example.com/greet\n\ngo 1.21\n"
)

// testGOCACHE is one build cache for the package's tests (removed by
// TestMain), so that the fixture's dependencies (the runtime for
// linux/arm64) compile once, not in every test.
var testGOCACHE string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "build-images-test-gocache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testGOCACHE = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// isolatedEnv keeps the fixture builds independent of the developer's
// settings: no workspace, no toolchain or module download, no GOFLAGS.
func isolatedEnv(gocache string) []string {
	return []string{"GOCACHE=" + gocache, "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS="}
}

// setIsolatedEnv sets isolatedEnv on the process, for tests of run, whose
// go build inherits it.
func setIsolatedEnv(t *testing.T, gocache string) {
	t.Helper()
	for _, kv := range isolatedEnv(gocache) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// writeFixture lays the fixture module out in root (see fixtureGoMod), with
// the program at workloads/apps/<name>.
func writeFixture(t *testing.T, root string, names ...string) {
	t.Helper()
	writeFile(t, filepath.Join(root, "go.mod"), fixtureGoMod)
	writeFile(t, filepath.Join(root, "greet", "go.mod"), greetGoMod)
	copyTree(t, filepath.Join("testdata", "greet"), filepath.Join(root, "greet"))
	for _, name := range names {
		copyTree(t, filepath.Join("testdata", "fixture"), filepath.Join(root, "workloads", "apps", name))
	}
}

// fixtureApp is the build of workloads/apps/fixture in root as .ko.yaml would give it.
func fixtureApp(root string) app {
	return app{
		Name: "fixture", Dir: root, Main: "./workloads/apps/fixture",
		Env: []string{"CGO_ENABLED=0"}, Flags: []string{"-trimpath"}, Ldflags: []string{"-s", "-w"},
	}
}

var arm64 = v1.Platform{OS: "linux", Architecture: "arm64"}

// epochOptions are the options of a run without SOURCE_DATE_EPOCH, with
// the tests' build cache.
func epochOptions() buildOptions {
	epoch := time.Unix(0, 0).UTC()
	return buildOptions{Created: epoch, KodataCreated: epoch, ExtraEnv: isolatedEnv(testGOCACHE)}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err)
}

// readLayout reads the OCI layout at dir back, as a consumer would: its
// index.json, and each image it lists, with the descriptor's platform.
func readLayout(t *testing.T, dir string) ([]v1.Descriptor, []v1.Image) {
	t.Helper()
	p, err := layout.FromPath(dir)
	require.NoError(t, err)
	idx, err := p.ImageIndex()
	require.NoError(t, err)
	im, err := idx.IndexManifest()
	require.NoError(t, err)
	var imgs []v1.Image
	for _, d := range im.Manifests {
		img, err := idx.Image(d.Digest)
		require.NoError(t, err)
		imgs = append(imgs, img)
	}
	return im.Manifests, imgs
}

// tarEntry is one entry of a layer.
type tarEntry struct {
	Header *tar.Header
	Data   []byte
}

// layerEntries reads the uncompressed tar of a layer: the names as written,
// in archive order, and the entries by name without a leading or trailing
// slash.
func layerEntries(t *testing.T, l v1.Layer) ([]string, map[string]tarEntry) {
	t.Helper()
	rc, err := l.Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	entries := map[string]tarEntry{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		name := strings.Trim(h.Name, "/")
		require.NotContains(t, entries, name, "duplicate entry")
		names = append(names, h.Name)
		entries[name] = tarEntry{Header: h, Data: data}
	}
	return names, entries
}
