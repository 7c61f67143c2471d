package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildFixture builds workloads/apps/fixture of a fresh fixture module into a fresh
// output directory.
func buildFixture(t *testing.T, opts buildOptions) layoutResult {
	t.Helper()
	root := t.TempDir()
	writeFixture(t, root, "fixture")
	res, err := buildApp(context.Background(), fixtureApp(root), []v1.Platform{arm64}, t.TempDir(), opts)
	require.NoError(t, err)
	return res
}

// TestBuildImage builds the fixture and reads the OCI layout back as a
// consumer would, checking what the task definitions rely on: the platform,
// the entrypoint, the non-root user, the binary (an arm64 executable, built
// as .ko.yaml says) and the kodata files.
func TestBuildImage(t *testing.T) {
	// The inherited environment asks for another platform, with cgo: the
	// platform of the image must win.
	t.Setenv("GOOS", "darwin")
	t.Setenv("GOARCH", "amd64")
	t.Setenv("CGO_ENABLED", "1")
	res := buildFixture(t, epochOptions())

	descs, imgs := readLayout(t, res.Layout)
	require.Len(t, imgs, 1, "one image per platform")
	img := imgs[0]
	require.Len(t, res.Images, 1)
	assert.Equal(t, res.Images[0].Digest, descs[0].Digest)
	require.NotNil(t, descs[0].Platform, "index.json names the platform")
	assert.Equal(t, "linux", descs[0].Platform.OS)
	assert.Equal(t, "arm64", descs[0].Platform.Architecture)

	mt, err := img.MediaType()
	require.NoError(t, err)
	assert.Equal(t, types.OCIManifestSchema1, mt)
	m, err := img.Manifest()
	require.NoError(t, err)
	assert.Equal(t, types.OCIConfigJSON, m.Config.MediaType)

	cf, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "linux", cf.OS)
	assert.Equal(t, "arm64", cf.Architecture)
	assert.Equal(t, []string{"/ko-app/fixture"}, cf.Config.Entrypoint)
	assert.Empty(t, cf.Config.Cmd)
	assert.Equal(t, []string{"PATH=/ko-app", "KO_DATA_PATH=/var/run/ko"}, cf.Config.Env)
	assert.Equal(t, time.Unix(0, 0).UTC(), cf.Created.UTC())

	// Non-root: a numeric user and group, neither 0 (a name would need
	// /etc/passwd, which the empty base lacks, and could be root).
	assert.Equal(t, "65532:65532", cf.Config.User)
	user, group, ok := strings.Cut(cf.Config.User, ":")
	require.True(t, ok, "user:group")
	for _, id := range []string{user, group} {
		n, err := strconv.Atoi(id)
		require.NoError(t, err, "numeric id %q", id)
		assert.NotZero(t, n, "root id")
	}

	// Two layers, kodata then the binary, as ko.
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 2)
	for _, l := range layers {
		lmt, err := l.MediaType()
		require.NoError(t, err)
		assert.Equal(t, types.OCILayer, lmt)
	}
	require.Len(t, cf.History, 2)
	assert.Equal(t, "go build output, at /ko-app/fixture", cf.History[1].Comment)

	// The names exactly as ko writes them (so the layers are ko's, byte
	// for byte), in name order.
	kodataNames, kodata := layerEntries(t, layers[0])
	assert.Equal(t, []string{
		"/var", "/var/run", "/var/run/ko",
		"/var/run/ko/certs", "/var/run/ko/certs/bundle.pem",
		"/var/run/ko/greeting.txt",
	}, kodataNames)
	want, err := os.ReadFile(filepath.Join("testdata", "fixture", "kodata", "greeting.txt"))
	require.NoError(t, err)
	assert.Equal(t, want, kodata["var/run/ko/greeting.txt"].Data)

	binNames, bin := layerEntries(t, layers[1])
	assert.Equal(t, []string{"ko-app", "/ko-app/fixture"}, binNames)
	for _, entries := range []map[string]tarEntry{kodata, bin} {
		for name, e := range entries {
			h := e.Header
			assert.Equal(t, int64(0o555), h.Mode, name)
			assert.Zero(t, h.Uid, name)
			assert.Zero(t, h.Gid, name)
			assert.Empty(t, h.Uname+h.Gname, name)
			assert.True(t, h.ModTime.Equal(time.Unix(0, 0)), "%s: %v", name, h.ModTime)
		}
	}
	exe := bin["ko-app/fixture"]
	assert.Equal(t, byte('0'), exe.Header.Typeflag, "a regular file")
	// Owned by root, run as 65532: "other" must be able to execute it.
	assert.NotZero(t, exe.Header.Mode&0o001, "executable by any user")
	assert.Equal(t, int64(len(exe.Data)), res.Images[0].BinarySize)

	f, err := elf.NewFile(bytes.NewReader(exe.Data))
	require.NoError(t, err)
	assert.Equal(t, elf.EM_AARCH64, f.Machine)
	assert.Equal(t, elf.ELFCLASS64, f.Class)
	assert.Equal(t, elf.ET_EXEC, f.Type)
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "static: no dynamic loader")
	}
	assert.Nil(t, f.Section(".symtab"), "-s: no symbol table")
	assert.Nil(t, f.Section(".debug_info"), "-w: no DWARF")
	assert.Nil(t, f.Section(".zdebug_info"), "-w: no DWARF")

	bi, err := buildinfo.Read(bytes.NewReader(exe.Data))
	require.NoError(t, err)
	assert.Equal(t, "example.com/fixture/workloads/apps/fixture", bi.Path)
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	assert.Equal(t, "linux", settings["GOOS"])
	assert.Equal(t, "arm64", settings["GOARCH"])
	assert.Equal(t, "0", settings["CGO_ENABLED"])
	assert.Equal(t, "true", settings["-trimpath"])
	// (With -trimpath, go does not record -ldflags, which may hold paths:
	// https://go.dev/issue/52372; -s -w show in the sections above.)

	assert.Equal(t, []string{"/ko-app/fixture", "/var/run/ko/certs/bundle.pem", "/var/run/ko/greeting.txt"}, res.Images[0].Files)
	size, err := imageSize(img)
	require.NoError(t, err)
	assert.Equal(t, size, res.Images[0].Size)
	assert.Greater(t, size, int64(len(exe.Data))/4, "the compressed binary is in it")
}

// TestBuildIsReproducible builds the fixture twice, from two directories of
// different depths, with two build caches, the kodata files of the second
// with other modes and times, into two output directories: the digests and
// the SBOMs must be equal. A third build, over the second's output, must
// replace the layout, not add to it.
func TestBuildIsReproducible(t *testing.T) {
	ctx := context.Background()
	rootA := filepath.Join(t.TempDir(), "a")
	rootB := filepath.Join(t.TempDir(), "some", "where", "else", "b")
	writeFixture(t, rootA, "fixture")
	writeFixture(t, rootB, "fixture")
	kodataB := filepath.Join(rootB, "workloads", "apps", "fixture", "kodata", "greeting.txt")
	require.NoError(t, os.Chmod(kodataB, 0o600))
	require.NoError(t, os.Chtimes(kodataB, time.Now(), time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)))

	optsA := epochOptions()
	optsB := epochOptions()
	optsB.ExtraEnv = isolatedEnv(t.TempDir())
	outA, outB := t.TempDir(), t.TempDir()
	a, err := buildApp(ctx, fixtureApp(rootA), []v1.Platform{arm64}, outA, optsA)
	require.NoError(t, err)
	b, err := buildApp(ctx, fixtureApp(rootB), []v1.Platform{arm64}, outB, optsB)
	require.NoError(t, err)

	descsA, _ := readLayout(t, a.Layout)
	descsB, _ := readLayout(t, b.Layout)
	require.Len(t, descsA, 1)
	require.Len(t, descsB, 1)
	assert.Equal(t, descsA[0].Digest, descsB[0].Digest, "same source, same image")
	sbomA, err := os.ReadFile(a.SBOMs[0])
	require.NoError(t, err)
	sbomB, err := os.ReadFile(b.SBOMs[0])
	require.NoError(t, err)
	assert.Equal(t, string(sbomA), string(sbomB))

	again, err := buildApp(ctx, fixtureApp(rootA), []v1.Platform{arm64}, outB, optsA)
	require.NoError(t, err)
	descs, _ := readLayout(t, again.Layout)
	require.Len(t, descs, 1, "the layout is replaced, not appended to")
	assert.Equal(t, descsA[0].Digest, descs[0].Digest)
	left, err := os.ReadDir(outB)
	require.NoError(t, err)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"fixture", "fixture-linux-arm64.spdx.json"}, names, "no temporary files left")
}

// TestSourceDateEpoch: SOURCE_DATE_EPOCH dates the config and the binary
// layer's history, KO_DATA_DATE_EPOCH the kodata layer, as in ko (which
// leaves the binary's tar entries undated); another time is another image.
func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	t.Setenv("KO_DATA_DATE_EPOCH", "1600000000")
	opts, err := optionsFromEnv()
	require.NoError(t, err)
	opts.ExtraEnv = isolatedEnv(testGOCACHE)
	created, kodataCreated := time.Unix(1700000000, 0), time.Unix(1600000000, 0)

	res := buildFixture(t, opts)
	_, imgs := readLayout(t, res.Layout)
	cf, err := imgs[0].ConfigFile()
	require.NoError(t, err)
	assert.True(t, cf.Created.Equal(created), "%v", cf.Created)
	require.Len(t, cf.History, 2)
	assert.True(t, cf.History[0].Created.Equal(kodataCreated))
	assert.True(t, cf.History[1].Created.Equal(created))
	layers, err := imgs[0].Layers()
	require.NoError(t, err)
	_, kodata := layerEntries(t, layers[0])
	assert.True(t, kodata["var/run/ko/greeting.txt"].Header.ModTime.Equal(kodataCreated))
	_, bin := layerEntries(t, layers[1])
	assert.True(t, bin["ko-app/fixture"].Header.ModTime.Equal(time.Unix(0, 0)))

	epoch := buildFixture(t, epochOptions())
	assert.NotEqual(t, epoch.Images[0].Digest, res.Images[0].Digest)
}

func TestEpochFromEnv(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	got, err := epochFromEnv("SOURCE_DATE_EPOCH")
	require.NoError(t, err)
	assert.Equal(t, time.Unix(0, 0).UTC(), got)

	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	got, err = epochFromEnv("SOURCE_DATE_EPOCH")
	require.NoError(t, err)
	assert.Equal(t, time.Unix(1700000000, 0).UTC(), got)

	for _, bad := range []string{"yesterday", "-1", "1.5"} {
		t.Setenv("SOURCE_DATE_EPOCH", bad)
		_, err := epochFromEnv("SOURCE_DATE_EPOCH")
		assert.Error(t, err, bad)
	}
}

// TestKodataLayer covers the kodata cases the fixture does not: none at
// all, symbolic links inside (followed) and outside (refused), a loop, a
// file where the directory should be.
func TestKodataLayer(t *testing.T) {
	epoch := time.Unix(0, 0)
	t.Run("none", func(t *testing.T) {
		l, files, err := kodataLayer(filepath.Join(t.TempDir(), "kodata"), epoch)
		require.NoError(t, err)
		assert.Empty(t, files)
		names, _ := layerEntries(t, l)
		assert.Equal(t, []string{"/var", "/var/run", "/var/run/ko"}, names)
		// The digests of the layer ko v0.19.1 made for workloads/apps/frontend (no
		// kodata/), read from its OCI layout (ko build --push=false
		// --oci-layout-path, on an empty base from a loopback registry):
		// the same bytes.
		digest, err := l.Digest()
		require.NoError(t, err)
		assert.Equal(t, "sha256:250c06f7c38e52dc77e5c7586c3e40280dc7ff9bb9007c396e06d96736cf8542", digest.String())
		diffID, err := l.DiffID()
		require.NoError(t, err)
		assert.Equal(t, "sha256:ffe56a1c5f3878e9b5f803842adb9e2ce81584b6bd027e8599582aefe14a975b", diffID.String())
	})
	t.Run("link inside", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "kodata")
		writeFile(t, filepath.Join(dir, "real", "bundle.pem"), "pem")
		require.NoError(t, os.Symlink(filepath.Join("real", "bundle.pem"), filepath.Join(dir, "alias.pem")))
		require.NoError(t, os.Symlink("real", filepath.Join(dir, "linked")))
		l, files, err := kodataLayer(dir, epoch)
		require.NoError(t, err)
		assert.Equal(t, []string{"/var/run/ko/alias.pem", "/var/run/ko/linked/bundle.pem", "/var/run/ko/real/bundle.pem"}, files)
		_, entries := layerEntries(t, l)
		assert.Equal(t, "pem", string(entries["var/run/ko/alias.pem"].Data))
		assert.Equal(t, byte('0'), entries["var/run/ko/alias.pem"].Header.Typeflag, "the link's target, as a file")
	})
	t.Run("link outside", func(t *testing.T) {
		base := t.TempDir()
		writeFile(t, filepath.Join(base, "secret"), "key")
		dir := filepath.Join(base, "kodata")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.Symlink(filepath.Join("..", "secret"), filepath.Join(dir, "innocent.txt")))
		_, _, err := kodataLayer(dir, epoch)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "outside")
	})
	t.Run("loop", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "kodata")
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
		require.NoError(t, os.Symlink("..", filepath.Join(dir, "sub", "up")))
		_, _, err := kodataLayer(dir, epoch)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "links back")
	})
	t.Run("not a directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "kodata")
		writeFile(t, dir, "oops")
		_, _, err := kodataLayer(dir, epoch)
		assert.Error(t, err)
	})
}

func TestGoBuildArgs(t *testing.T) {
	a := app{Main: "./workloads/apps/x", Flags: []string{"-trimpath"}, Ldflags: []string{"-s", "-w"}}
	assert.Equal(t, []string{"build", "-trimpath", "-ldflags=-s -w", "-o", "/out/x", "./workloads/apps/x"}, goBuildArgs(a, "/out/x"))
	// ko adds -trimpath when the build's flags do not.
	a = app{Main: "./workloads/apps/x", Flags: []string{"-tags=netgo"}}
	assert.Equal(t, []string{"build", "-tags=netgo", "-trimpath", "-o", "/out/x", "./workloads/apps/x"}, goBuildArgs(a, "/out/x"))
}

func TestGoBuildEnv(t *testing.T) {
	t.Setenv("GOARCH", "amd64")
	env := goBuildEnv(app{Env: []string{"CGO_ENABLED=0", "GOARCH=s390x"}}, arm64, []string{"GOCACHE=/c"})
	last := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v // exec uses the last value of a name
	}
	assert.Equal(t, "arm64", last["GOARCH"], "the platform wins")
	assert.Equal(t, "linux", last["GOOS"])
	assert.Equal(t, "0", last["CGO_ENABLED"])
	assert.Equal(t, "/c", last["GOCACHE"])

	env = goBuildEnv(app{}, v1.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, nil)
	assert.Equal(t, "GOARM=7", env[len(env)-1])
}
