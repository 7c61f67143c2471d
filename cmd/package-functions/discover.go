package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// functionsDir is where the functions live, relative to the module root.
const functionsDir = "workloads/functions"

// discover returns the sorted names of the functions under root: every
// directory workloads/functions/<name>/ that holds a main.go. Directories whose name
// starts with "." or "_" are skipped, as the go command skips them in
// patterns. When want is not empty, only those functions are returned (still
// sorted, each once); a name that is not a function is an error that lists
// the known ones.
func discover(root string, want []string) ([]string, error) {
	dir := filepath.Join(root, functionsDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the functions: %w", err)
	}
	var known []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, name, "main.go"))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, fmt.Errorf("finding the functions: %w", err)
		case info.Mode().IsRegular():
			known = append(known, name)
		}
	}
	slices.Sort(known) // ReadDir sorts already; the order is the contract, so say it
	if len(known) == 0 {
		return nil, fmt.Errorf("no functions in %s (a function is a directory %s/<name>/ holding a main.go)", dir, functionsDir)
	}
	if len(want) == 0 {
		return known, nil
	}

	var unknown, chosen []string
	for _, name := range want {
		if slices.Contains(known, name) {
			chosen = append(chosen, name)
		} else {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown function %s (known: %s)",
			strings.Join(quoteAll(unknown), ", "), strings.Join(known, ", "))
	}
	slices.Sort(chosen)
	return slices.Compact(chosen), nil
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = fmt.Sprintf("%q", n)
	}
	return out
}
