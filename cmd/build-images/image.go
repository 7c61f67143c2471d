package main

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Where ko puts things in a Linux image, and what the base sets.
const (
	// appDir holds the executable; the entrypoint is appDir/<name>, and
	// appDir is appended to PATH.
	// Source: https://ko.build/configuration/#overriding-go-build-settings
	appDir = "/ko-app"
	// kodataRoot is where the package's kodata/ directory lands; ko sets
	// KO_DATA_PATH to it.
	// Source: https://ko.build/features/static-assets/
	kodataRoot = "/var/run/ko"
	// imageUser is the user of distroless's nonroot images (65532, named
	// nonroot), so the empty base runs the program as the real base does.
	// Source: https://github.com/GoogleContainerTools/distroless/blob/main/base/README.md
	imageUser = "65532:65532"
	// fileMode is the mode of every directory and file ko writes (owner
	// root): readable and executable by any user, writable by none,
	// whatever the umask or the mode in the checkout.
	fileMode = 0o555
	// imageAuthor is the config's author (ko writes github.com/ko-build/ko).
	imageAuthor = "github.com/refarch/refarch/cmd/build-images"
)

// buildOptions are the settings of one run.
type buildOptions struct {
	// Created is the time of the image's config and of the binary layer's
	// history entry (SOURCE_DATE_EPOCH, else the Unix epoch); as in ko, the
	// binary layer's tar entries are not dated (0, the epoch).
	Created time.Time
	// KodataCreated is the time of the kodata layer's entries
	// (KO_DATA_DATE_EPOCH, else the Unix epoch), as ko separates them.
	KodataCreated time.Time
	// ExtraEnv is set last on go build's environment (tests: GOCACHE).
	ExtraEnv []string
}

// imageResult describes one built image.
type imageResult struct {
	App        string
	Platform   v1.Platform
	Image      v1.Image
	Digest     v1.Hash  // the manifest's digest
	Size       int64    // bytes of its blobs: manifest, config and layers
	BinarySize int64    // bytes of the executable
	Files      []string // the image's regular files, absolute paths, sorted
	SBOM       []byte   // SPDX 2.3 JSON
}

// layoutResult is what buildApp wrote.
type layoutResult struct {
	Layout string // <out>/<app>: the OCI image layout
	Images []imageResult
	SBOMs  []string // <out>/<app>-<os>-<arch>.spdx.json, one per image
}

// buildApp builds a for each platform and writes the images as one OCI image
// layout, outDir/<name>, and their SBOMs beside it. The layout is written
// to a temporary directory in outDir and renamed over the previous one.
func buildApp(ctx context.Context, a app, platforms []v1.Platform, outDir string, opts buildOptions) (layoutResult, error) {
	tmp, err := os.MkdirTemp("", "build-images-"+a.Name+"-")
	if err != nil {
		return layoutResult{}, err
	}
	defer os.RemoveAll(tmp)

	var images []imageResult
	for _, p := range platforms {
		bin := filepath.Join(tmp, platformString(p, "-"), a.Name)
		if err := goBuild(ctx, a, p, bin, opts.ExtraEnv); err != nil {
			return layoutResult{}, fmt.Errorf("%s %s: %w", a.Name, platformString(p, "/"), err)
		}
		res, err := buildImage(a, p, bin, opts)
		if err != nil {
			return layoutResult{}, fmt.Errorf("%s %s: %w", a.Name, platformString(p, "/"), err)
		}
		images = append(images, res)
	}

	dst := filepath.Join(outDir, a.Name)
	if err := writeLayout(dst, images); err != nil {
		return layoutResult{}, fmt.Errorf("%s: writing the OCI layout: %w", a.Name, err)
	}
	out := layoutResult{Layout: dst, Images: images}
	for _, img := range images {
		p := filepath.Join(outDir, a.Name+"-"+platformString(img.Platform, "-")+".spdx.json")
		if err := writeFileAtomic(p, img.SBOM); err != nil {
			return layoutResult{}, fmt.Errorf("%s: writing the SBOM: %w", a.Name, err)
		}
		out.SBOMs = append(out.SBOMs, p)
	}
	return out, nil
}

// platformString is os<sep>arch[<sep>variant].
func platformString(p v1.Platform, sep string) string {
	s := p.OS + sep + p.Architecture
	if p.Variant != "" {
		s += sep + p.Variant
	}
	return s
}

// goBuildArgs are the arguments of `go build` as ko runs it: the build's
// flags, -trimpath (ko adds it unless --trimpath=false), its ldflags joined
// into one -ldflags, then -o and the package.
// Source: https://github.com/ko-build/ko/blob/v0.19.1/pkg/build/gobuild.go
func goBuildArgs(a app, out string) []string {
	args := []string{"build"}
	args = append(args, a.Flags...)
	if !slices.Contains(a.Flags, "-trimpath") {
		args = append(args, "-trimpath")
	}
	if len(a.Ldflags) > 0 {
		args = append(args, "-ldflags="+strings.Join(a.Ldflags, " "))
	}
	return append(args, "-o", out, a.Main)
}

// goBuildEnv is go build's environment: the inherited one, CGO_ENABLED=0
// (ko's default), the build's env, the platform (which here wins over an
// inherited GOOS or GOARCH: the image must hold the architecture its
// config names), then extra.
func goBuildEnv(a app, p v1.Platform, extra []string) []string {
	env := append(os.Environ(), "CGO_ENABLED=0")
	env = append(env, a.Env...)
	env = append(env, "GOOS="+p.OS, "GOARCH="+p.Architecture)
	switch {
	case p.Architecture == "arm" && p.Variant != "":
		env = append(env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	case p.Architecture == "amd64" && p.Variant != "":
		env = append(env, "GOAMD64="+p.Variant)
	}
	return append(env, extra...)
}

// goBuild compiles a for p into the executable out. On failure the error
// holds go build's output.
func goBuild(ctx context.Context, a app, p v1.Platform, out string, extraEnv []string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", goBuildArgs(a, out)...)
	cmd.Dir = a.Dir
	cmd.Env = goBuildEnv(a, p, extraEnv)
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(output.String()); msg != "" {
			return fmt.Errorf("go build %s: %w:\n%s", a.Main, err, msg)
		}
		return fmt.Errorf("go build %s: %w", a.Main, err)
	}
	return nil
}

// buildImage makes the image of the executable bin: an empty base (the
// config of distroless's nonroot user, p's platform), the kodata layer, the
// binary layer, ko's entrypoint and environment; then its SBOM.
func buildImage(a app, p v1.Platform, bin string, opts buildOptions) (imageResult, error) {
	appPath := path.Join(appDir, a.Name)
	kodata, kodataFiles, err := kodataLayer(filepath.Join(a.pkgDir(), "kodata"), opts.KodataCreated)
	if err != nil {
		return imageResult{}, fmt.Errorf("kodata: %w", err)
	}
	binary, binarySize, err := binaryLayer(appPath, bin)
	if err != nil {
		return imageResult{}, err
	}

	// OCI media types throughout (empty.Image is Docker's), as ko uses the
	// base's and distroless publishes OCI images.
	// Source: https://github.com/opencontainers/image-spec/blob/main/manifest.md
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	createdBy := "build-images " + a.Main
	img, err = mutate.Append(img,
		// ko's two layers in ko's order, with its history comments: kodata
		// first (it changes less often), then the binary.
		mutate.Addendum{Layer: kodata, MediaType: types.OCILayer, History: v1.History{
			Author: imageAuthor, CreatedBy: createdBy, Created: v1.Time{Time: opts.KodataCreated},
			Comment: "kodata contents, at $KO_DATA_PATH",
		}},
		mutate.Addendum{Layer: binary, MediaType: types.OCILayer, History: v1.History{
			Author: imageAuthor, CreatedBy: createdBy, Created: v1.Time{Time: opts.Created},
			Comment: "go build output, at " + appPath,
		}},
	)
	if err != nil {
		return imageResult{}, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return imageResult{}, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: opts.Created}
	cf.Author = imageAuthor
	cf.Config.User = imageUser
	cf.Config.Entrypoint = []string{appPath}
	cf.Config.Cmd = nil
	// ko appends appDir to the base's PATH (the empty base has none) and
	// adds KO_DATA_PATH.
	cf.Config.Env = []string{"PATH=" + appDir, "KO_DATA_PATH=" + kodataRoot}
	// Image config: https://github.com/opencontainers/image-spec/blob/main/config.md
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return imageResult{}, err
	}

	digest, err := img.Digest()
	if err != nil {
		return imageResult{}, err
	}
	size, err := imageSize(img)
	if err != nil {
		return imageResult{}, err
	}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return imageResult{}, fmt.Errorf("reading the build information of %s: %w", bin, err)
	}
	sbom, err := spdxDocument(bi, a.Name, p, digest, opts.Created)
	if err != nil {
		return imageResult{}, fmt.Errorf("SBOM: %w", err)
	}
	files := append([]string{appPath}, kodataFiles...)
	slices.Sort(files)
	return imageResult{
		App: a.Name, Platform: p, Image: img, Digest: digest, Size: size,
		BinarySize: binarySize, Files: files, SBOM: sbom,
	}, nil
}

// imageSize adds up the bytes of the image's blobs: manifest, config and
// compressed layers.
func imageSize(img v1.Image) (int64, error) {
	m, err := img.RawManifest()
	if err != nil {
		return 0, err
	}
	c, err := img.RawConfigFile()
	if err != nil {
		return 0, err
	}
	total := int64(len(m) + len(c))
	layers, err := img.Layers()
	if err != nil {
		return 0, err
	}
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// tarLayer makes a gzip-compressed OCI layer of the tar archive data. The
// compression (compress/gzip, no name or time in its header) is
// deterministic, so the same entries give the same digest.
// Layers: https://github.com/opencontainers/image-spec/blob/main/layer.md
func tarLayer(data []byte) (v1.Layer, error) {
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}

// dirHeader and fileHeader are tar entries with only what ko sets: name,
// fixed mode, owner root (0:0, no names), the given time (the zero time is
// written as 0, the epoch). The names are ko's too, with or without a
// leading slash as ko writes each, so that the layers are ko's byte for
// byte (checked against ko v0.19.1's output).
func dirHeader(name string, t time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: fileMode, ModTime: t}
}

func fileHeader(name string, size int64, t time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: fileMode, ModTime: t}
}

// binaryLayer is the layer holding the executable bin at appPath (and its
// directory), and the executable's size. ko dates neither entry, whatever
// SOURCE_DATE_EPOCH says (that dates the config and the history).
func binaryLayer(appPath, bin string) (v1.Layer, int64, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, 0, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// ko writes "ko-app" and "/ko-app/<name>".
	var zero time.Time
	if err := tw.WriteHeader(dirHeader(strings.TrimPrefix(path.Dir(appPath), "/"), zero)); err != nil {
		return nil, 0, err
	}
	if err := tw.WriteHeader(fileHeader(appPath, int64(len(data)), zero)); err != nil {
		return nil, 0, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, 0, err
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	l, err := tarLayer(buf.Bytes())
	return l, int64(len(data)), err
}

// kodataLayer is the layer of the directory dir under kodataRoot, as ko
// makes it: /var, /var/run and /var/run/ko always (a package without
// kodata/ gets only these), then dir's tree in name order, symbolic links
// followed but only to inside dir. It returns the image paths of the files.
func kodataLayer(dir string, t time.Time) (v1.Layer, []string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"/var", "/var/run", kodataRoot} {
		if err := tw.WriteHeader(dirHeader(d, t)); err != nil {
			return nil, nil, err
		}
	}
	var files []string
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No kodata: the directories alone, as ko.
	case err != nil:
		return nil, nil, err
	case !info.IsDir():
		return nil, nil, fmt.Errorf("%s is not a directory", dir)
	default:
		root, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, nil, err
		}
		if root, err = filepath.Abs(root); err != nil {
			return nil, nil, err
		}
		w := kodataWriter{tw: tw, root: root, t: t}
		if err := w.dir(dir, kodataRoot, []string{root}); err != nil {
			return nil, nil, err
		}
		files = w.files
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	l, err := tarLayer(buf.Bytes())
	return l, files, err
}

// kodataWriter writes a kodata tree into a tar archive.
type kodataWriter struct {
	tw    *tar.Writer
	root  string // the kodata directory, absolute, symbolic links resolved
	t     time.Time
	files []string
}

// dir writes the entries of the host directory hostDir under name (an
// absolute path in the image). chain holds the resolved
// directories being written, to refuse a link back to one of them.
func (w *kodataWriter) dir(hostDir, name string, chain []string) error {
	entries, err := os.ReadDir(hostDir) // sorted by name
	if err != nil {
		return err
	}
	for _, e := range entries {
		host := filepath.Join(hostDir, e.Name())
		inImage := path.Join(name, e.Name())
		real, err := filepath.EvalSymlinks(host)
		if err != nil {
			return err
		}
		if real, err = filepath.Abs(real); err != nil {
			return err
		}
		// ko refuses links out of kodata: they would copy any file of the
		// build machine (a key, a credential) into the image.
		if real != w.root && !strings.HasPrefix(real, w.root+string(filepath.Separator)) {
			return fmt.Errorf("%s links to %s, outside %s", host, real, w.root)
		}
		info, err := os.Stat(real)
		if err != nil {
			return err
		}
		switch {
		case info.IsDir():
			if slices.Contains(chain, real) {
				return fmt.Errorf("%s links back to %s", host, real)
			}
			if err := w.tw.WriteHeader(dirHeader(inImage, w.t)); err != nil {
				return err
			}
			if err := w.dir(real, inImage, append(slices.Clone(chain), real)); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			data, err := os.ReadFile(real)
			if err != nil {
				return err
			}
			if err := w.tw.WriteHeader(fileHeader(inImage, int64(len(data)), w.t)); err != nil {
				return err
			}
			if _, err := w.tw.Write(data); err != nil {
				return err
			}
			w.files = append(w.files, inImage)
		default:
			return fmt.Errorf("%s is neither a regular file nor a directory (%s)", host, info.Mode().Type())
		}
	}
	return nil
}

// writeLayout writes images as the OCI image layout dst: a new layout in a
// temporary sibling directory, renamed over dst. Each image's descriptor in
// index.json carries its platform.
// Layout: https://github.com/opencontainers/image-spec/blob/main/image-layout.md
func writeLayout(dst string, images []imageResult) (err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	// MkdirTemp makes it 0700; a layout is not secret.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	for _, img := range images {
		if err := p.AppendImage(img.Image, layout.WithPlatform(img.Platform)); err != nil {
			return err
		}
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, renamed into place.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
