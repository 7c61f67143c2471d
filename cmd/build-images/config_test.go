package main

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// repoRoot is the module root, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// TestRepositoryKoYAML checks the repository's .ko.yaml, the file ko builds
// the images from in CI: a minimal non-root base pinned by digest, the
// task definitions' architecture only, and a build of each service with the
// settings of a static, stripped, reproducible executable.
func TestRepositoryKoYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, configName))
	require.NoError(t, err)

	// Plain YAML first (what ko's viper reads), then this command's strict
	// reading.
	var raw map[string]any
	require.NoError(t, yaml.Unmarshal(data, &raw))
	assert.ElementsMatch(t, []string{"defaultBaseImage", "defaultPlatforms", "builds"}, keys(raw))

	cfg, err := loadConfig(repoRoot)
	require.NoError(t, err)

	// distroless static nonroot (or Chainguard static), by digest: 64 hex.
	assert.Regexp(t, `^(gcr\.io/distroless/static-debian1[0-9]:nonroot|cgr\.dev/chainguard/static:latest)@sha256:[0-9a-f]{64}$`, cfg.DefaultBaseImage)
	assert.Regexp(t, `@sha256:[0-9a-f]{64}$`, raw["defaultBaseImage"])

	assert.Equal(t, []string{"linux/arm64"}, cfg.DefaultPlatforms)
	// The architecture the task definitions declare.
	assert.Equal(t, []string{"linux/" + strings.ToLower(contract.Architecture)}, cfg.DefaultPlatforms)

	mains := map[string]koBuild{}
	for _, b := range cfg.Builds {
		mains[b.Main] = b
	}
	assert.ElementsMatch(t, []string{"./workloads/apps/frontend", "./workloads/apps/backend"}, keys(mains))
	for main, b := range mains {
		assert.Contains(t, b.Env, "CGO_ENABLED=0", main)
		assert.Contains(t, b.Flags, "-trimpath", main)
		assert.Equal(t, stringList{"-s", "-w"}, b.Ldflags, main)
		info, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(main)))
		if assert.NoError(t, err, main) {
			assert.True(t, info.IsDir(), main)
		}
	}

	// The executables, and so the entrypoints, are the services' names.
	apps, err := cfg.apps(repoRoot, nil)
	require.NoError(t, err)
	var names []string
	for _, a := range apps {
		names = append(names, a.Name)
	}
	assert.ElementsMatch(t, []string{contract.Frontend.Name, contract.Backend.Name}, names)

	// The backend's CA bundle is where ko puts kodata/, so a file
	// workloads/apps/backend/kodata/<base name> lands at contract.CABundlePath.
	assert.Equal(t, kodataRoot, path.Dir(contract.CABundlePath))
	assert.Contains(t, requiredFiles[contract.Backend.Name], contract.CABundlePath)
	assert.Contains(t, string(data), "workloads/apps/backend/kodata/"+path.Base(contract.CABundlePath), "the comment tells where the pipeline puts the bundle")
}

func keys[M ~map[string]V, V any](m M) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

const goodBase = "gcr.io/distroless/static-debian12:nonroot@sha256:aef9602f8710ec12bde19d593fed1f76c708531bb7aba205110f1029786ead7b"

// TestParseConfigRejects: each .ko.yaml would make ko build something this
// command does not, or is not what the images need.
func TestParseConfigRejects(t *testing.T) {
	build := "builds:\n  - main: ./workloads/apps/x\n"
	good := "defaultBaseImage: " + goodBase + "\ndefaultPlatforms: [linux/arm64]\n"
	for name, tc := range map[string]struct{ yaml, want string }{
		"unknown key":        {good + "builds:\n  - main: ./workloads/apps/x\n    linux_capabilities: [net_bind_service]\n", "linux_capabilities"},
		"unknown top key":    {good + build + "defaultLabels: {a: b}\n", "defaultLabels"},
		"tag only":           {"defaultBaseImage: gcr.io/distroless/static-debian12:nonroot\ndefaultPlatforms: [linux/arm64]\n" + build, "not pinned"},
		"short digest":       {"defaultBaseImage: gcr.io/distroless/static-debian12@sha256:abc\ndefaultPlatforms: [linux/arm64]\n" + build, "not pinned"},
		"no base":            {"defaultPlatforms: [linux/arm64]\n" + build, "not pinned"},
		"unpinned override":  {good + build + "baseImageOverrides:\n  example.com/x: alpine:3\n", "baseImageOverrides"},
		"no platforms":       {"defaultBaseImage: " + goodBase + "\n" + build, "defaultPlatforms"},
		"windows":            {"defaultBaseImage: " + goodBase + "\ndefaultPlatforms: [windows/amd64]\n" + build, "only linux"},
		"all":                {"defaultBaseImage: " + goodBase + "\ndefaultPlatforms: [all]\n" + build, "os/arch"},
		"no builds":          {good, "no builds"},
		"import path":        {good + "builds:\n  - main: example.com/x\n", "relative"},
		"root":               {good + "builds:\n  - main: ./\n", "relative"},
		"dir outside":        {good + "builds:\n  - main: ./x\n    dir: ../elsewhere\n", "inside the module"},
		"template":           {good + "builds:\n  - main: ./workloads/apps/x\n    ldflags: ['-X main.v={{.Git.Tag}}']\n", "template"},
		"default template":   {good + build + "defaultLdflags: ['-X main.v={{.Env.V}}']\n", "template"},
		"bad env":            {good + "builds:\n  - main: ./workloads/apps/x\n    env: [CGO_ENABLED]\n", "NAME=value"},
		"same name twice":    {good + "builds:\n  - main: ./workloads/apps/x\n  - main: ./cmd/x\n", "both make"},
		"not yaml":           {"{", "yaml"},
		"flags not a string": {good + "builds:\n  - main: ./workloads/apps/x\n    flags: {a: b}\n", "cannot unmarshal"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseConfig([]byte(tc.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestConfigApps: defaults apply to builds without their own settings (ko
// replaces, it does not merge), a single string is a one-element list,
// names select builds.
func TestConfigApps(t *testing.T) {
	cfg, err := parseConfig([]byte("defaultBaseImage: " + goodBase + "\n" +
		"defaultPlatforms: [linux/arm64, linux/arm/v7]\n" +
		"defaultEnv: [CGO_ENABLED=0]\ndefaultFlags: [-trimpath]\ndefaultLdflags: -s\n" +
		"builds:\n" +
		"  - main: ./workloads/apps/one\n" +
		"  - main: ./two\n    dir: sub\n    env: [GOEXPERIMENT=none]\n    flags: -tags=x\n    ldflags: [-s, -w]\n"))
	require.NoError(t, err)
	assert.Equal(t, []v1.Platform{arm64, {OS: "linux", Architecture: "arm", Variant: "v7"}}, cfg.platforms())

	apps, err := cfg.apps("/root", nil)
	require.NoError(t, err)
	require.Len(t, apps, 2)
	assert.Equal(t, app{Name: "one", Dir: "/root", Main: "./workloads/apps/one", Env: []string{"CGO_ENABLED=0"}, Flags: []string{"-trimpath"}, Ldflags: []string{"-s"}}, apps[0])
	assert.Equal(t, app{Name: "two", Dir: "/root/sub", Main: "./two", Env: []string{"GOEXPERIMENT=none"}, Flags: []string{"-tags=x"}, Ldflags: []string{"-s", "-w"}}, apps[1])
	assert.Equal(t, "/root/sub/two", apps[1].pkgDir())

	apps, err = cfg.apps("/root", []string{"two"})
	require.NoError(t, err)
	require.Len(t, apps, 1)
	assert.Equal(t, "two", apps[0].Name)

	_, err = cfg.apps("/root", []string{"three"})
	assert.ErrorContains(t, err, `"three"`)
}

func TestPinnedImage(t *testing.T) {
	hex := strings.Repeat("0123456789abcdef", 4)
	for _, ok := range []string{
		"gcr.io/distroless/static-debian12:nonroot@sha256:" + hex,
		"gcr.io/distroless/static-debian12@sha256:" + hex,
		"cgr.dev/chainguard/static:latest@sha256:" + hex,
		"localhost:5000/base@sha256:" + hex,
	} {
		assert.Regexp(t, pinnedImage, ok)
	}
	for _, bad := range []string{
		"gcr.io/distroless/static-debian12:nonroot",
		"gcr.io/distroless/static-debian12:nonroot@sha256:" + hex[:63],
		"gcr.io/distroless/static-debian12:nonroot@sha256:" + strings.ToUpper(hex),
		"alpine@sha256:" + hex,
		"gcr.io/distroless/static-debian12:nonroot@sha512:" + hex + hex,
	} {
		assert.NotRegexp(t, pinnedImage, bad)
	}
}
