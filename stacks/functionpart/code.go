package functionpart

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DistDir is where cmd/package-functions writes the zips, relative to the
// project.
const DistDir = "workloads/functions/dist"

// PackageCommand builds the zips.
const PackageCommand = "go run ./cmd/package-functions"

// code is a function's deployment package, workloads/functions/dist/<name>.zip,
// with its base64 SHA-256 (Lambda's sourceCodeHash, so an identical
// rebuild is no change). Without the zip the program warns, naming the
// command that builds it, and declares the archive anyway: an engine that
// deploys reads it and fails there, and one that only plans (the offline
// engine) never reads it. The program does not ask which engine runs it.
func code(ctx *pulumi.Context, name string) (pulumi.Archive, string, error) {
	root := ctx.RootDirectory()
	if root == "" {
		// An inline program (the Automation API) runs in the caller's
		// working directory.
		var err error
		if root, err = os.Getwd(); err != nil {
			return nil, "", fmt.Errorf("function %s: finding the project directory: %w", name, err)
		}
	}
	path := filepath.Join(root, DistDir, name+".zip")
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if werr := ctx.Log.Warn(MissingZip(name), nil); werr != nil {
			return nil, "", fmt.Errorf("function %s: %w", name, werr)
		}
		// Relative, so a plan names no path of the machine it ran on.
		return pulumi.NewFileArchive(DistDir + "/" + name + ".zip"), "", nil
	case err != nil:
		return nil, "", fmt.Errorf("function %s: reading its zip: %w", name, err)
	}
	sum := sha256.Sum256(b)
	return pulumi.NewFileArchive(path), base64.StdEncoding.EncodeToString(sum[:]), nil
}

// MissingZip is the warning of a function whose zip is not built.
func MissingZip(name string) string {
	return fmt.Sprintf("function %s: %s/%s.zip is missing: build the functions with `%s` before pulumi preview or up", name, DistDir, name, PackageCommand)
}
