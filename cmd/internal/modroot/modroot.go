// Package modroot finds the module a build command works on and the
// directory it writes to, the same way for every command of cmd/.
package modroot

import (
	"fmt"
	"os"
	"path/filepath"
)

// Find returns dir when given (it must hold a go.mod), otherwise the
// nearest parent of the working directory holding a go.mod.
func Find(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
			return "", fmt.Errorf("-root %s: not a module root (no go.mod): %w", dir, err)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or any parent: run from the module or pass -root", wd)
		}
		d = parent
	}
}

// OutDir resolves out (relative paths are taken from root) and creates it.
func OutDir(root, out string) (string, error) {
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("creating %s: %w", out, err)
	}
	return out, nil
}
