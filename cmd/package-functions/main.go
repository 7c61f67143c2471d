// Command package-functions builds every Lambda function of the repository
// into a reproducible zip archive.
//
//	go run ./cmd/package-functions                    # all of workloads/functions/*
//	go run ./cmd/package-functions hello-http         # only the named ones
//	go run ./cmd/package-functions -out /tmp/zips     # somewhere else
//
// What it builds: every directory workloads/functions/<name>/ that holds a main.go (a
// `package main` handler), in name order. Each is compiled with `go build`
// for linux/arm64 without cgo into an executable named bootstrap, the name the
// provided.al2023 runtime runs, and zipped alone into <out>/<name>.zip
// (default workloads/functions/dist/, relative to the module root, which is found by
// walking up from the working directory to go.mod unless -root names it).
// One line per function tells the archive's SHA-256 and size:
//
//	hello-http workloads/functions/dist/hello-http.zip sha256:3f9c… 4321098 bytes
//
// Why reproducible: the same source, the same dependencies (go.sum) and the
// same Go toolchain give the same bytes on any machine, in any checkout
// directory and with any build cache, so `pulumi preview` shows a function's
// code as changed only when its source changed, not after every rebuild, and
// anyone can check that a deployed archive (Lambda reports its CodeSha256,
// the base64 of the same SHA-256) was built from a given commit. The build
// flags remove what would vary (machine paths, VCS state, the build id; see
// goBuildArgs) and the zip is written with fixed metadata (sorted entries, a
// fixed 1980-01-01 time, fixed modes, no extra fields, no comment; see
// writeZip). The tests build a fixture twice, from two directories with two
// empty caches, and compare the hashes. The rest of the environment is
// inherited, so settings such as GOFLAGS or GOEXPERIMENT, if you set them,
// change the bytes too.
//
// When it is needed: `pulumi preview` and `pulumi up` against AWS read these
// archives (the functions' code), so run this command before them. The
// offline plan (go run ./cmd/plan) and the tests run the program under the
// Pulumi mock engine, which never opens the archives, so they need no zips.
//
// A failed build prints the function's name and the go build output, and the
// command exits with status 1 after trying the other functions; an archive is
// written to a temporary file and renamed into place, so an interrupted or
// failed run never leaves a partial zip (a failed function keeps its previous
// archive, if any).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/refarch/refarch/cmd/internal/modroot"
)

func main() {
	// Ctrl-C cancels the running go build and lets the deferred clean-ups
	// remove the temporary files.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command, separate from main so tests can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("package-functions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", filepath.Join("workloads", "functions", "dist"), "directory for the zips; a relative path is taken from the module root")
	rootFlag := fs.String("root", "", "module root holding go.mod and workloads/functions/ (default: nearest parent of the working directory with a go.mod)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: package-functions [-out DIR] [-root DIR] [name ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	root, err := modroot.Find(*rootFlag)
	if err != nil {
		fmt.Fprintln(stderr, "package-functions:", err)
		return 1
	}
	names, err := discover(root, fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "package-functions:", err)
		return 1
	}
	outDir, err := modroot.OutDir(root, *out)
	if err != nil {
		fmt.Fprintln(stderr, "package-functions:", err)
		return 1
	}

	status := 0
	for _, name := range names {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "package-functions: interrupted")
			return 1
		}
		res, err := packageFunction(ctx, function{
			Name: name,
			Dir:  root,
			Pkg:  "./" + filepath.ToSlash(filepath.Join(functionsDir, name)),
		}, outDir, nil)
		if err != nil {
			fmt.Fprintf(stderr, "package-functions: %v\n", err)
			status = 1
			continue
		}
		// The path as the user gave -out (relative to the root when relative),
		// not the absolute one: the line is the same on every machine.
		fmt.Fprintf(stdout, "%s %s sha256:%s %d bytes\n",
			name, filepath.Join(*out, name+".zip"), res.SHA256, res.Size)
	}
	return status
}
