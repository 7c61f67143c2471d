package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// findExamples maps "<import path>.<Type>" to the examples whose Go files
// call that component's constructor (New<Type>), sorted. An example is a
// folder of examples/ holding a Pulumi.yaml (a program of its own);
// without an examples/ folder the map is empty.
func findExamples(root, module string) (map[string][]string, error) {
	dir := filepath.Join(root, "examples")
	found := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipDir
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		example, _, ok := strings.Cut(filepath.ToSlash(rel), "/")
		if !ok {
			return nil // a file directly in examples/ is no example
		}
		if _, err := os.Stat(filepath.Join(dir, example, "Pulumi.yaml")); err != nil {
			return nil // shared code of the examples, not a program
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return fmt.Errorf("parsing %s: %w", p, err)
		}
		for _, key := range constructorCalls(f, module+"/components/") {
			if !slices.Contains(found[key], example) {
				found[key] = append(found[key], example)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the examples: %w", err)
	}
	for k := range found {
		slices.Sort(found[k])
	}
	return found, nil
}

// constructorCalls lists "<import path>.<Type>" for each call of a New<Type>
// function of a package imported from under prefix.
func constructorCalls(f *ast.File, prefix string) []string {
	local := map[string]string{} // the name a file uses → import path
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !strings.HasPrefix(p, prefix) {
			continue
		}
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = p
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		if p, ok := local[pkg.Name]; ok && strings.HasPrefix(sel.Sel.Name, "New") {
			out = append(out, p+"."+strings.TrimPrefix(sel.Sel.Name, "New"))
		}
		return true
	})
	return out
}
