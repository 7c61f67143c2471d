// Package needs is how the tests ask for a command of the machine: they
// fail (never skip) when it is missing, naming the Debian package that
// provides it and what it is for; under CI they add that .ci/run
// (tools/test) installs it.
package needs

import (
	"os"
	"os/exec"
	"testing"
)

// Command returns the path of the command name, or fails the test naming
// `apt-get install pkg` and why the test needs it (a phrase completing
// "name is required to …").
func Command(tb testing.TB, name, pkg, why string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		ci := ""
		if os.Getenv("CI") != "" {
			ci = " (.ci/run installs it)"
		}
		tb.Fatalf("%s is required to %s%s: apt-get install %s", name, why, ci, pkg)
	}
	return path
}
