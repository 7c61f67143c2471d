// Command build-images builds the container images of the services
// (workloads/apps/frontend, workloads/apps/backend) as ko builds them, without a registry and
// without Docker, into OCI image layouts.
//
//	go run ./cmd/build-images                  # every build of .ko.yaml
//	go run ./cmd/build-images backend          # only the named ones
//	go run ./cmd/build-images -out /tmp/images # somewhere else
//
// # Why
//
// The delivery pipeline builds and pushes the images with ko
// (https://ko.build), pinned in tools/ko, configured by .ko.yaml: a static
// linux/arm64 executable (the architecture the task definitions declare,
// workloads/apps/contract.Architecture) on distroless static nonroot, pinned by
// digest, with an SPDX SBOM. ko pulls its base image from a registry, and
// no registry is reachable on the development machines, so this command
// builds the same images here on an empty base, to prove and test the build:
// the entrypoint, the non-root user, the architecture, the binary inside.
//
// # What it builds
//
// For each build of .ko.yaml (or those whose executable is named), for each
// platform of defaultPlatforms (linux/arm64):
//
//   - the executable, with `go build` as ko runs it: the build's flags
//     (-trimpath, which ko adds anyway), its ldflags as one -ldflags (-s -w),
//     its env (CGO_ENABLED=0), GOOS and GOARCH of the platform;
//   - the image: an empty base whose config is what distroless's nonroot
//     base gives (user 65532:65532, OS linux, the architecture), then ko's
//     two layers in ko's order: the package's kodata/ directory under
//     /var/run/ko (only the directories when it has none), then the
//     executable at /ko-app/<name>; every entry mode 0555, owned by root.
//     The config is ko's: Entrypoint ["/ko-app/<name>"], no Cmd, Env
//     PATH=/ko-app and KO_DATA_PATH=/var/run/ko, one history entry per
//     layer. Media types are OCI's
//     (https://github.com/opencontainers/image-spec/blob/main/manifest.md);
//   - the SBOM: an SPDX 2.3 JSON document with the content of ko's (the
//     image by digest, the program's module, every dependency module with
//     its version and go.sum hash) and the Go standard library's version,
//     from the build information the linker embeds in the executable (what
//     `go version -m` prints, read with debug/buildinfo).
//
// The layers are ko's byte for byte: built from the same commit, ko v0.19.1
// (`ko build --push=false --oci-layout-path`, given an empty base from a
// registry on loopback) and this command gave the same layer digests for
// both services; a test pins the digest of ko's empty kodata layer. The
// image digests differ through the base (and ko's annotations naming it)
// and the config's history and author.
//
// It writes <out>/<name>/, an OCI image layout
// (https://github.com/opencontainers/image-spec/blob/main/image-layout.md)
// whose index.json lists one image per platform, with its platform, and
// <out>/<name>-<os>-<arch>.spdx.json beside it, the name ko's --sbom-dir
// gives. (In a registry, ko attaches the document to the image as
// <repository>:sha256-<digest>.sbom; a layout has no such tag, so the file
// stands beside it.) -out defaults to dist/images, relative to the module
// root (the nearest parent of the working directory with a go.mod, unless
// -root names it). One line per image tells its digest, the bytes of its
// blobs (manifest, config, compressed layers) and of the executable:
//
//	backend linux/arm64 dist/images/backend sha256:3407bd55… 5225552 bytes (binary 13238434 bytes)
//
// Where a registry is reachable, a layout can be copied into one as it is
// (`skopeo copy oci:dist/images/backend docker://<ref>`), but the images to
// deploy are ko's, on the real base.
//
// # The RDS CA bundle
//
// The backend verifies the database's certificate against
// workloads/apps/contract.CABundlePath, /var/run/ko/rds-global-bundle.pem: ko's
// kodata/ convention (https://ko.build/features/static-assets/). The bundle
// is not committed: the delivery pipeline downloads
// https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem into
// workloads/apps/backend/kodata/rds-global-bundle.pem before `ko build`. This command
// cannot download it either, so it warns, and still builds, when an image
// lacks a file its program needs (requiredFiles).
//
// # Reproducible
//
// The same source, dependencies and Go toolchain give the same image
// digest on any machine and in any directory: the executable is built with
// -trimpath; the tar entries have fixed modes, owner root without names and
// no host metadata; times are those of ko: the config and the binary's
// history entry SOURCE_DATE_EPOCH (seconds), the kodata layer
// KO_DATA_DATE_EPOCH, each else the Unix epoch, the binary's tar entries
// none (0). Go's gzip is deterministic. The rest of the environment is
// inherited, as by ko: GOFLAGS or GOEXPERIMENT change the bytes too, and so
// does the VCS stamping of a build inside a git checkout (these machines set
// GOFLAGS=-buildvcs=false). The tests build a fixture twice, from two
// directories with two build caches, and compare the digests.
//
// # Why not ko's own build library
//
// github.com/google/ko/pkg/build (build.NewGo with an empty base through
// build.WithBaseImages) would build the images with ko's own code, but it
// was measured too heavy for the main module, which already compiles the
// Pulumi AWS SDK: it imports 659 packages (cosign, sigstore, rekor, TUF,
// gRPC, klog), go-containerregistry alone 157; `go get` of it adds 99
// modules to go.mod and upgrades five shared ones, among them
// google.golang.org/protobuf to a pseudo-version; a cold build of a program
// using it took 64 s and 466 MB of memory on two cores (go-containerregistry
// alone: 23 s, 290 MB) and linked 30.7 MB (3.4 MB). So this command uses
// go-containerregistry (https://github.com/google/go-containerregistry),
// the library ko is built on (empty.Image, mutate.Append, mutate.ConfigFile,
// tarball.LayerFromOpener, layout.Write), and repeats the little ko does
// around it: its go build command line, layers and config
// (https://github.com/ko-build/ko/blob/v0.19.1/pkg/build/gobuild.go). ko
// itself is pinned in its own module, tools/ko.
//
// Differences from ko, on purpose: the base is empty (no /etc/passwd, no CA
// certificates, no tzdata: the layout is a proof, not an image to deploy);
// the platform's GOOS and GOARCH win over inherited ones (ko lets the
// environment override them); a key of .ko.yaml it does not implement (a
// template in ldflags, linux_capabilities, ...) is an error, not ignored.
//
// Network: none but the Go module proxy, for go build's dependencies.
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
	"slices"
	"strconv"
	"time"

	"github.com/refarch/refarch/cmd/internal/modroot"
	"github.com/refarch/refarch/workloads/apps/contract"
)

// requiredFiles are files an image must carry for its program to work, by
// executable name (the warning of a build without them).
var requiredFiles = map[string][]string{
	// The database's CA bundle, from kodata/ (downloaded by the pipeline).
	"backend": {contract.CABundlePath},
}

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
	fs := flag.NewFlagSet("build-images", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", filepath.Join("dist", "images"), "directory for the OCI layouts and SBOMs; a relative path is taken from the module root")
	rootFlag := fs.String("root", "", "module root holding go.mod and .ko.yaml (default: nearest parent of the working directory with a go.mod)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: build-images [-out DIR] [-root DIR] [name ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "build-images:", err)
		return 1
	}

	root, err := modroot.Find(*rootFlag)
	if err != nil {
		return fail(err)
	}
	cfg, err := loadConfig(root)
	if err != nil {
		return fail(err)
	}
	apps, err := cfg.apps(root, fs.Args())
	if err != nil {
		return fail(err)
	}
	opts, err := optionsFromEnv()
	if err != nil {
		return fail(err)
	}
	outDir, err := modroot.OutDir(root, *out)
	if err != nil {
		return fail(err)
	}

	status := 0
	for _, a := range apps {
		if ctx.Err() != nil {
			return fail(errors.New("interrupted"))
		}
		res, err := buildApp(ctx, a, cfg.platforms(), outDir, opts)
		if err != nil {
			fmt.Fprintln(stderr, "build-images:", err)
			status = 1
			continue
		}
		for _, img := range res.Images {
			// The path as given to -out, so the line is the same on every
			// machine.
			fmt.Fprintf(stdout, "%s %s %s %s %d bytes (binary %d bytes)\n",
				a.Name, platformString(img.Platform, "/"), filepath.Join(*out, a.Name),
				img.Digest, img.Size, img.BinarySize)
			for _, f := range requiredFiles[a.Name] {
				if !slices.Contains(img.Files, f) {
					fmt.Fprintf(stderr, "build-images: warning: the %s image has no %s, which the program needs: "+
						"put the file into %s/kodata/ (the delivery pipeline downloads it there before ko build)\n",
						a.Name, f, filepath.ToSlash(filepath.Clean(a.Main)))
				}
			}
		}
	}
	return status
}

// optionsFromEnv reads the times of the image: SOURCE_DATE_EPOCH and
// KO_DATA_DATE_EPOCH (seconds since the Unix epoch), each else the epoch.
// Source: https://reproducible-builds.org/specs/source-date-epoch/
func optionsFromEnv() (buildOptions, error) {
	created, err := epochFromEnv("SOURCE_DATE_EPOCH")
	if err != nil {
		return buildOptions{}, err
	}
	kodata, err := epochFromEnv("KO_DATA_DATE_EPOCH")
	if err != nil {
		return buildOptions{}, err
	}
	return buildOptions{Created: created, KodataCreated: kodata}, nil
}

// epochFromEnv is the time of the variable name, or the Unix epoch when it
// is unset or empty.
func epochFromEnv(name string) (time.Time, error) {
	v := os.Getenv(name)
	if v == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s < 0 {
		return time.Time{}, fmt.Errorf("%s=%q is not a number of seconds since 1970-01-01 00:00 UTC", name, v)
	}
	return time.Unix(s, 0).UTC(), nil
}
