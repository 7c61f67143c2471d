package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"gopkg.in/yaml.v3"
)

// configName is ko's configuration file, at the module root.
// Reference: https://ko.build/configuration/
const configName = ".ko.yaml"

// koConfig is the part of .ko.yaml this command reads. The decoder rejects
// any other key (KnownFields), so a setting added to .ko.yaml that would
// make ko's images differ from these (linux_capabilities, a template in
// ldflags, ...) fails here instead of being ignored.
// Reference: https://ko.build/configuration/
type koConfig struct {
	// DefaultBaseImage is what ko builds on; only checked here (pinned by
	// digest), since this command builds on an empty base.
	DefaultBaseImage string `yaml:"defaultBaseImage"`
	// BaseImageOverrides are per-import-path bases; checked likewise.
	BaseImageOverrides map[string]string `yaml:"baseImageOverrides"`
	// DefaultPlatforms are the platforms of every image (os/arch[/variant]).
	DefaultPlatforms []string `yaml:"defaultPlatforms"`
	// DefaultEnv, DefaultFlags and DefaultLdflags apply to a build that sets
	// none of its own (ko replaces, it does not merge).
	DefaultEnv     []string   `yaml:"defaultEnv"`
	DefaultFlags   stringList `yaml:"defaultFlags"`
	DefaultLdflags stringList `yaml:"defaultLdflags"`
	// Builds are the per-package settings, GoReleaser style.
	Builds []koBuild `yaml:"builds"`
}

// koBuild is one entry of builds: in .ko.yaml.
// Reference: https://ko.build/configuration/#overriding-go-build-settings
type koBuild struct {
	ID      string     `yaml:"id"`
	Dir     string     `yaml:"dir"`     // working directory of go build, relative to .ko.yaml
	Main    string     `yaml:"main"`    // the package, relative to Dir: ./workloads/apps/frontend
	Env     []string   `yaml:"env"`     // added to go build's environment
	Flags   stringList `yaml:"flags"`   // go build flags
	Ldflags stringList `yaml:"ldflags"` // joined by spaces into one -ldflags
}

// stringList is a YAML sequence of strings or a single string, as ko
// accepts for flags and ldflags.
type stringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = stringList{s}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*l = list
	return nil
}

// app is one image to build, resolved from a build of .ko.yaml.
type app struct {
	// Name is the executable's name and so the image's: the last element of
	// the package path, as ko names it (/ko-app/<Name>).
	Name string
	// Dir is go build's working directory (absolute): the module root, or
	// the build's dir.
	Dir string
	// Main is the package relative to Dir, ./workloads/apps/frontend.
	Main string
	// Env, Flags and Ldflags are the build's settings (defaults applied).
	Env, Flags, Ldflags []string
}

// pkgDir is the package's directory, which holds its kodata/.
func (a app) pkgDir() string { return filepath.Join(a.Dir, filepath.FromSlash(a.Main)) }

// pinnedImage is a reference pinned by digest: name[:tag]@sha256:<64 hex>.
var pinnedImage = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$`)

// loadConfig reads and checks root/.ko.yaml.
func loadConfig(root string) (koConfig, error) {
	data, err := os.ReadFile(filepath.Join(root, configName))
	if err != nil {
		return koConfig{}, err
	}
	return parseConfig(data)
}

// parseConfig decodes .ko.yaml strictly and checks what this command relies
// on: bases pinned by digest, Linux platforms, builds of local packages
// without templates.
func parseConfig(data []byte) (koConfig, error) {
	var c koConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return koConfig{}, fmt.Errorf("%s: %w (build-images reads only the keys it implements, so its images stay ko's)", configName, err)
	}
	if !pinnedImage.MatchString(c.DefaultBaseImage) {
		return koConfig{}, fmt.Errorf("%s: defaultBaseImage %q is not pinned by digest (<name>:<tag>@sha256:<64 hex>)", configName, c.DefaultBaseImage)
	}
	for ip, ref := range c.BaseImageOverrides {
		if !pinnedImage.MatchString(ref) {
			return koConfig{}, fmt.Errorf("%s: baseImageOverrides[%s] %q is not pinned by digest", configName, ip, ref)
		}
	}
	if len(c.DefaultPlatforms) == 0 {
		return koConfig{}, fmt.Errorf("%s: defaultPlatforms is empty: ko would build for the base image's platforms", configName)
	}
	for _, p := range c.DefaultPlatforms {
		if _, err := parsePlatform(p); err != nil {
			return koConfig{}, fmt.Errorf("%s: defaultPlatforms: %w", configName, err)
		}
	}
	if len(c.Builds) == 0 {
		return koConfig{}, fmt.Errorf("%s: no builds", configName)
	}
	names := map[string]string{}
	for i, b := range c.Builds {
		where := fmt.Sprintf("%s: builds[%d] (%s)", configName, i, b.ID)
		if !strings.HasPrefix(b.Main, "./") || path.Clean(b.Main) == "." {
			return koConfig{}, fmt.Errorf("%s: main %q is not a package directory relative to dir (./workloads/apps/<name>)", where, b.Main)
		}
		if b.Dir != "" && (filepath.IsAbs(b.Dir) || strings.HasPrefix(path.Clean(b.Dir), "..")) {
			return koConfig{}, fmt.Errorf("%s: dir %q is not inside the module", where, b.Dir)
		}
		for _, s := range slices.Concat(b.Env, b.Flags, b.Ldflags) {
			if strings.Contains(s, "{{") {
				return koConfig{}, fmt.Errorf("%s: %q is a template, which build-images does not expand", where, s)
			}
		}
		for _, e := range b.Env {
			if !strings.Contains(e, "=") {
				return koConfig{}, fmt.Errorf("%s: env %q is not NAME=value", where, e)
			}
		}
		name := path.Base(b.Main)
		if other, ok := names[name]; ok {
			return koConfig{}, fmt.Errorf("%s: %s and %s both make an executable %q", configName, other, b.Main, name)
		}
		names[name] = b.Main
	}
	for _, s := range slices.Concat(c.DefaultEnv, c.DefaultFlags, c.DefaultLdflags) {
		if strings.Contains(s, "{{") {
			return koConfig{}, fmt.Errorf("%s: %q is a template, which build-images does not expand", configName, s)
		}
	}
	return c, nil
}

// apps resolves the builds of c against the module root, in file order;
// with names, only the builds whose executable has one of them.
func (c koConfig) apps(root string, names []string) ([]app, error) {
	var out []app
	for _, b := range c.Builds {
		a := app{
			Name:    path.Base(b.Main),
			Dir:     filepath.Join(root, filepath.FromSlash(b.Dir)),
			Main:    "./" + path.Clean(b.Main),
			Env:     b.Env,
			Flags:   b.Flags,
			Ldflags: b.Ldflags,
		}
		// ko's precedence: a build's own settings replace the defaults.
		if len(a.Env) == 0 {
			a.Env = c.DefaultEnv
		}
		if len(a.Flags) == 0 {
			a.Flags = c.DefaultFlags
		}
		if len(a.Ldflags) == 0 {
			a.Ldflags = c.DefaultLdflags
		}
		if len(names) == 0 || slices.Contains(names, a.Name) {
			out = append(out, a)
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(out, func(a app) bool { return a.Name == n }) {
			return nil, fmt.Errorf("no build of %s makes %q", configName, n)
		}
	}
	return out, nil
}

// platforms parses defaultPlatforms (checked by parseConfig).
func (c koConfig) platforms() []v1.Platform {
	out := make([]v1.Platform, 0, len(c.DefaultPlatforms))
	for _, s := range c.DefaultPlatforms {
		p, _ := parsePlatform(s)
		out = append(out, p)
	}
	return out
}

// parsePlatform parses os/arch[/variant] of a Linux platform. ("all" and
// Windows, which ko also knows, are refused: the images are Linux images of
// named architectures.)
func parsePlatform(s string) (v1.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return v1.Platform{}, fmt.Errorf("platform %q is not os/arch[/variant]", s)
	}
	if parts[0] != "linux" {
		return v1.Platform{}, fmt.Errorf("platform %q: only linux images are built", s)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
