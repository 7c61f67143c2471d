// Command docs generates the reference page of every package under
// components/: components/<name>/README.md, from the package's own doc
// comments (go/parser and go/doc; nothing is built). A component's page
// says what it creates and why, how to import and call it, and tables of
// its arguments (field, type, default, description) and outputs, in the
// manner of terraform-aws-modules' generated module READMEs
// (https://github.com/terraform-aws-modules/terraform-aws-vpc#inputs).
//
//	go run ./cmd/docs          # writes every page
//	go run ./cmd/docs -check   # exits 1, naming each stale page
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/refarch/refarch/cmd/internal/modroot"
)

// command is how a person regenerates the pages; every message naming a
// stale page repeats it.
const command = "go run ./cmd/docs"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and streams, for tests: 0 on success, 1
// when a page is stale (-check) or generation fails, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("docs", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: docs [-check] [-root dir]")
		fl.PrintDefaults()
	}
	check := fl.Bool("check", false, "write nothing; exit 1 naming every page that differs from what the code generates")
	rootFlag := fl.String("root", "", "the module root (default: the nearest parent holding go.mod)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "docs: unexpected argument %q\n", fl.Arg(0))
		fl.Usage()
		return 2
	}
	root, err := modroot.Find(*rootFlag)
	if err != nil {
		fmt.Fprintf(stderr, "docs: %v\n", err)
		return 1
	}
	pages, err := generate(root)
	if err != nil {
		fmt.Fprintf(stderr, "docs: %v\n", err)
		return 1
	}
	stale, err := stalePages(root, pages)
	if err != nil {
		fmt.Fprintf(stderr, "docs: %v\n", err)
		return 1
	}
	if *check {
		for _, p := range stale {
			fmt.Fprintf(stderr, "%s is %s: run %s\n", p.path, p.state, command)
		}
		if len(stale) > 0 {
			return 1
		}
		return 0
	}
	for _, p := range stale {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(p.path)), []byte(pages[p.path]), 0o644); err != nil {
			fmt.Fprintf(stderr, "docs: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s\n", p.path)
	}
	return 0
}

// stalePage is a page whose file is not what the code generates.
type stalePage struct {
	path  string
	state string // "stale" or "missing"
}

// generate returns every page, by its path from the module root
// ("components/network/README.md").
func generate(root string) (map[string]string, error) {
	module, err := modulePath(root)
	if err != nil {
		return nil, err
	}
	models, err := loadComponents(root, module)
	if err != nil {
		return nil, err
	}
	examples, err := findExamples(root, module)
	if err != nil {
		return nil, err
	}
	pages := map[string]string{}
	for _, m := range models {
		for _, c := range m.Components {
			c.Examples = examples[m.ImportPath+"."+c.Name]
		}
		page, err := m.page()
		if err != nil {
			return nil, err
		}
		pages["components/"+m.Dir+"/README.md"] = page
	}
	return pages, nil
}

// loadComponents reads every package directly under components/, in
// name order.
func loadComponents(root, module string) ([]*pkgModel, error) {
	entries, err := os.ReadDir(filepath.Join(root, "components"))
	if err != nil {
		return nil, fmt.Errorf("listing the components: %w", err)
	}
	var models []*pkgModel
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		m, err := loadPackage(filepath.Join(root, "components", e.Name()), module+"/components/"+e.Name())
		if err != nil {
			return nil, err
		}
		if m != nil {
			models = append(models, m)
		}
	}
	return models, nil
}

// stalePages lists, in path order, the pages whose file differs from the
// generated text or is missing.
func stalePages(root string, pages map[string]string) ([]stalePage, error) {
	var stale []stalePage
	for _, p := range sortedKeys(pages) {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			stale = append(stale, stalePage{p, "missing"})
		case err != nil:
			return nil, fmt.Errorf("reading %s: %w", p, err)
		case !bytes.Equal(got, []byte(pages[p])):
			stale = append(stale, stalePage{p, "stale"})
		}
	}
	return stale, nil
}

// modulePath reads the module's path from go.mod.
func modulePath(root string) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("reading go.mod: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", errors.New("go.mod has no module line")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
