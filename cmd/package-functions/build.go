package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// function is one Lambda function to package.
type function struct {
	Name string // the archive is <out>/<Name>.zip
	Dir  string // working directory of go build: the root of the module holding Pkg
	Pkg  string // the package to build, relative to Dir, e.g. "./workloads/functions/hello-http"
}

// result describes a written archive.
type result struct {
	Path   string // <out>/<name>.zip
	SHA256 string // hex SHA-256 of the archive's bytes
	Size   int64  // bytes
}

// targetEnv is the platform every function is built for, set over the
// inherited environment.
var targetEnv = []string{
	// A static executable: a cgo binary would depend on the C toolchain of
	// the build machine and on the runtime's libc version.
	"CGO_ENABLED=0",
	// The provided.al2023 runtime is Linux; the functions are deployed with
	// the arm64 (Graviton) architecture.
	// Source: https://docs.aws.amazon.com/lambda/latest/dg/golang-package.html
	"GOOS=linux",
	"GOARCH=arm64",
}

// goBuildArgs returns the arguments of `go build` compiling pkg into the
// executable out.
func goBuildArgs(pkg, out string) []string {
	return []string{
		"build",
		// Replace the absolute file system paths of the checkout, the module
		// cache and GOROOT recorded in the binary (file names in stack traces
		// and debug information) with module paths, so the bytes do not
		// depend on where the repository or the cache live on this machine.
		"-trimpath",
		// Do not stamp the VCS state (commit, time, "modified") into the
		// build information: an uncommitted edit elsewhere in the repository,
		// or a new commit that does not touch the function, would otherwise
		// change every function's bytes.
		"-buildvcs=false",
		// aws-lambda-go's RPC mode serves only the retired go1.x runtime;
		// provided.al2023 speaks the Runtime API, and the tag drops the unused
		// net/rpc code from the binary.
		// Source: https://github.com/aws/aws-lambda-go#building-your-function
		"-tags", "lambda.norpc",
		// -s and -w drop the symbol table and the DWARF debug information
		// (smaller archives, faster cold starts; panics still print stack
		// traces from the runtime's own tables). -buildid= empties the build
		// id, a hash the go command derives from its action graph, so the
		// bytes depend only on the source and the toolchain.
		"-ldflags=-s -w -buildid=",
		// The provided.al2023 runtime runs the executable named bootstrap at
		// the root of the archive.
		// Source: https://docs.aws.amazon.com/lambda/latest/dg/golang-package.html
		"-o", out,
		pkg,
	}
}

// build runs `go build` in dir, compiling pkg for Lambda (targetEnv,
// goBuildArgs) into the executable out. The environment is the inherited
// one, then targetEnv, then extraEnv (later values win: tests pass a fresh
// GOCACHE). On failure the error holds go build's output.
func build(ctx context.Context, dir, pkg, out string, extraEnv []string) error {
	cmd := exec.CommandContext(ctx, "go", goBuildArgs(pkg, out)...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), targetEnv...), extraEnv...)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(output.String())
		if msg == "" {
			return fmt.Errorf("go build %s: %w", pkg, err)
		}
		return fmt.Errorf("go build %s: %w:\n%s", pkg, err, msg)
	}
	return nil
}

// packageFunction builds fn (build) into a temporary bootstrap and writes it
// as outDir/<fn.Name>.zip (writeZip). The archive is written to a temporary
// file in outDir and renamed, so the zip is either the previous one or the
// complete new one, never a partial file.
func packageFunction(ctx context.Context, fn function, outDir string, extraEnv []string) (result, error) {
	tmp, err := os.MkdirTemp("", "package-functions-"+fn.Name+"-")
	if err != nil {
		return result{}, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "bootstrap")
	if err := build(ctx, fn.Dir, fn.Pkg, bin, extraEnv); err != nil {
		return result{}, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return result{}, fmt.Errorf("function %s: reading the executable: %w", fn.Name, err)
	}
	res, err := writeFileAtomic(filepath.Join(outDir, fn.Name+".zip"), []file{
		{Name: "bootstrap", Mode: 0o755, Data: data},
	})
	if err != nil {
		return result{}, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	return res, nil
}

// writeFileAtomic writes files as a zip to path through a temporary file in
// the same directory (so the rename is atomic) and reports its hash and size.
func writeFileAtomic(path string, files []file) (res result, err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return result{}, err
	}
	defer func() {
		if err != nil {
			// Already failing: drop the partial file (Close may repeat one
			// that succeeded before a failed rename).
			f.Close()
			os.Remove(f.Name())
		}
	}()

	h := sha256.New()
	counter := &countingWriter{}
	if err := writeZip(io.MultiWriter(f, h, counter), files); err != nil {
		return result{}, err
	}
	// CreateTemp makes the file 0600; an archive is not secret.
	if err := f.Chmod(0o644); err != nil {
		return result{}, err
	}
	if err := f.Close(); err != nil {
		return result{}, err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return result{}, err
	}
	return result{Path: path, SHA256: hex.EncodeToString(h.Sum(nil)), Size: counter.n}, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
