package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureGoMod makes a copy of testdata/fixture a module of its own, so it
// can be built from any directory. (testdata/fixture has no go.mod: with one,
// it would leave the main module and could not be built by path from it.)
// go 1.21 so that any toolchain able to build this repository builds it.
const fixtureGoMod = "module example.com/fixture\n\ngo 1.21\n"

// copyFixture copies testdata/fixture into dir as a module of its own.
func copyFixture(t *testing.T, dir string) {
	t.Helper()
	writeFiles(t, dir, map[string]string{"go.mod": fixtureGoMod, "main.go": fixtureSource(t)})
}

// isolatedEnv keeps the fixture builds independent of the developer's
// settings: no workspace, no toolchain or module download, no GOFLAGS.
func isolatedEnv(gocache string) []string {
	return []string{"GOCACHE=" + gocache, "GOWORK=off", "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS="}
}

func sha256File(t *testing.T, path string) (string, int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), int64(len(data))
}

// readBootstrap returns the only entry of the archive at path, bootstrap.
func readBootstrap(t *testing.T, path string) []byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer r.Close()
	require.Len(t, r.File, 1)
	f := r.File[0]
	require.Equal(t, "bootstrap", f.Name)
	assert.Equal(t, os.FileMode(0o755), f.Mode(), "Lambda needs the executable bit")
	rc, err := f.Open()
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return data
}

// TestBuildIsReproducible is the reproducibility proof: the fixture is copied
// into two unrelated directories (different paths, different depths), each
// built with a fresh, empty GOCACHE into a different output directory, and
// the two archives must have the same SHA-256. So the bytes depend on the
// source and the toolchain, not on where the checkout, the cache or the
// output live.
func TestBuildIsReproducible(t *testing.T) {
	// The inherited environment asks for another platform, with cgo:
	// targetEnv must win over it.
	t.Setenv("CGO_ENABLED", "1")
	t.Setenv("GOOS", "darwin")
	t.Setenv("GOARCH", "amd64")
	ctx := context.Background()
	dirA := filepath.Join(t.TempDir(), "checkout-a")
	dirB := filepath.Join(t.TempDir(), "somewhere", "else", "checkout-b")
	copyFixture(t, dirA)
	copyFixture(t, dirB)
	outA, outB := t.TempDir(), filepath.Join(t.TempDir(), "dist")
	require.NoError(t, os.MkdirAll(outB, 0o755))
	cacheA, cacheB := t.TempDir(), t.TempDir()

	resA, err := packageFunction(ctx, function{Name: "fixture", Dir: dirA, Pkg: "."}, outA, isolatedEnv(cacheA))
	require.NoError(t, err)
	resB, err := packageFunction(ctx, function{Name: "fixture", Dir: dirB, Pkg: "."}, outB, isolatedEnv(cacheB))
	require.NoError(t, err)

	zipA, zipB := filepath.Join(outA, "fixture.zip"), filepath.Join(outB, "fixture.zip")
	hashA, sizeA := sha256File(t, zipA)
	hashB, sizeB := sha256File(t, zipB)
	require.Equal(t, hashA, hashB, "the same source built in two places with two caches gives two different archives")
	assert.Equal(t, sizeA, sizeB)

	// What packageFunction reports is what it wrote.
	assert.Equal(t, result{Path: zipA, SHA256: hashA, Size: sizeA}, resA)
	assert.Equal(t, result{Path: zipB, SHA256: hashB, Size: sizeB}, resB)
	for _, dir := range []string{outA, outB} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "no temporary file is left next to the archive")
		assert.Equal(t, "fixture.zip", entries[0].Name())
	}

	bin := readBootstrap(t, zipA)
	assert.Equal(t, bin, readBootstrap(t, zipB))

	// The executable is what the flags promise, checked on the binary itself.
	// -trimpath: neither checkout's path nor the cache's is inside.
	for _, p := range []string{dirA, dirB, cacheA, cacheB} {
		assert.False(t, bytes.Contains(bin, []byte(p)), "the binary contains the machine path %s", p)
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	require.NoError(t, err)
	assert.Equal(t, elf.EM_AARCH64, ef.Machine, "GOARCH=arm64")
	assert.Equal(t, elf.ELFOSABI_NONE, ef.OSABI, "GOOS=linux")
	assert.Equal(t, elf.ET_EXEC, ef.Type, "a static executable")
	assert.Nil(t, ef.Section(".interp"), "CGO_ENABLED=0: no dynamic loader")
	assert.Nil(t, ef.Section(".note.go.buildid"), "-buildid=: no Go build id note")
	assert.Nil(t, ef.Section(".symtab"), "-s: no symbol table")
	for _, s := range ef.Sections {
		assert.False(t, strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_"), "-w: DWARF section %s", s.Name)
	}
	info, err := buildinfo.Read(bytes.NewReader(bin))
	require.NoError(t, err)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
		assert.False(t, strings.HasPrefix(s.Key, "vcs"), "VCS state stamped: %s=%s", s.Key, s.Value)
	}
	assert.Equal(t, "true", settings["-trimpath"])
	assert.Equal(t, "lambda.norpc", settings["-tags"])
	assert.Equal(t, "0", settings["CGO_ENABLED"])
	assert.Equal(t, "linux", settings["GOOS"])
	assert.Equal(t, "arm64", settings["GOARCH"])
}

// fixtureSource returns testdata/fixture/main.go.
func fixtureSource(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "fixture", "main.go"))
	require.NoError(t, err)
	return string(src)
}

// TestRunReportsEachFunction runs the whole command on a module holding a
// function that builds and one that does not: the good one is packaged and
// printed, the broken one is named with the compiler's message, its previous
// archive is kept, and the status is 1.
func TestRunReportsEachFunction(t *testing.T) {
	t.Setenv("GOWORK", "off")
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "")
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"go.mod":                              fixtureGoMod,
		"workloads/functions/ok/main.go":      fixtureSource(t),
		"workloads/functions/broken/main.go":  "package main\n\nfunc main() { undefinedThing() }\n",
		"workloads/functions/dist/broken.zip": "the previous archive",
	})

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-root", root}, &out, &errOut)
	assert.Equal(t, 1, code)

	okZip := filepath.Join(root, "workloads", "functions", "dist", "ok.zip")
	hash, size := sha256File(t, okZip)
	assert.Equal(t, fmt.Sprintf("ok %s sha256:%s %d bytes\n", filepath.Join("workloads", "functions", "dist", "ok.zip"), hash, size), out.String())
	readBootstrap(t, okZip)

	assert.Contains(t, errOut.String(), "package-functions: function broken: go build ./workloads/functions/broken: exit status 1:\n")
	assert.Contains(t, errOut.String(), "undefined: undefinedThing")
	assert.NotContains(t, errOut.String(), "function ok")

	old, err := os.ReadFile(filepath.Join(root, "workloads", "functions", "dist", "broken.zip"))
	require.NoError(t, err)
	assert.Equal(t, "the previous archive", string(old))
	entries, err := os.ReadDir(filepath.Join(root, "workloads", "functions", "dist"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"broken.zip", "ok.zip"}, names, "no temporary file is left")

	// -out elsewhere, one function named: only that one is built.
	out.Reset()
	errOut.Reset()
	other := t.TempDir()
	code = run(context.Background(), []string{"-root", root, "-out", other, "ok"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	otherHash, _ := sha256File(t, filepath.Join(other, "ok.zip"))
	assert.Equal(t, hash, otherHash, "same source, same archive")
	assert.Equal(t, fmt.Sprintf("ok %s sha256:%s %d bytes\n", filepath.Join(other, "ok.zip"), hash, size), out.String())
}
