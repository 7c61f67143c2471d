package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
)

// TestSetupScriptsAreShellcheckClean lints the README's test command and
// the CI entry point that calls it.
func TestSetupScriptsAreShellcheckClean(t *testing.T) {
	shellcheck, err := exec.LookPath("shellcheck")
	require.NoError(t, err, "shellcheck lints tools/test: apt-get install shellcheck (tools/test installs it)")
	root := repositoryRoot(t)
	for _, script := range []string{"tools/test", ".ci/run"} {
		out, err := exec.Command(shellcheck, "--shell=bash", filepath.Join(root, script)).CombinedOutput()
		assert.NoError(t, err, "shellcheck %s:\n%s", script, out)
		fi, err := os.Stat(filepath.Join(root, script))
		require.NoError(t, err)
		assert.NotZero(t, fi.Mode().Perm()&0o111, "%s is executable", script)
	}
}

// repositoryRoot is the repository's root: where tools/test lives.
func repositoryRoot(t *testing.T) string {
	t.Helper()
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "tools", "test"))
	return root
}

// setupHost runs a copy of tools/test in a scratch repository whose
// tools/pulumi/build is a stand-in, with nothing on PATH but stand-ins the
// test writes (id, sudo, apt-get, go and the commands of the packages that
// are "installed"), each logging its call: the real system is never
// touched.
type setupHost struct {
	t                *testing.T
	root, stubs, log string
	bash             string
	stdout, stderr   bytes.Buffer
	exitCode         int
}

// stub writes a stand-in command that logs its call and runs body.
func (h *setupHost) stub(name, body string) {
	h.t.Helper()
	script := "#!/bin/sh\nprintf '%s\\n' \"" + name + " $*\" >>\"$STUB_LOG\"\n" + body + "\n"
	require.NoError(h.t, os.WriteFile(filepath.Join(h.stubs, name), []byte(script), 0o755))
}

// newSetupHost prepares a host whose user id is uid and on which the
// commands of have are installed.
func newSetupHost(t *testing.T, uid string, have ...string) *setupHost {
	t.Helper()
	bash, err := exec.LookPath("bash")
	require.NoError(t, err)
	h := &setupHost{t: t, root: t.TempDir(), stubs: t.TempDir(), bash: bash}
	h.log = filepath.Join(t.TempDir(), "calls.log")
	require.NoError(t, os.WriteFile(h.log, nil, 0o600))

	script, err := os.ReadFile(filepath.Join(repositoryRoot(t), "tools", "test"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(h.root, "tools", "pulumi"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(h.root, "tools", "test"), script, 0o755))
	build := "#!/bin/sh\nprintf 'tools/pulumi/build %s\\n' \"$*\" >>\"$STUB_LOG\"\n"
	require.NoError(t, os.WriteFile(filepath.Join(h.root, "tools", "pulumi", "build"), []byte(build), 0o755))

	// id answers -u without logging: it is a question, not an action.
	require.NoError(t, os.WriteFile(filepath.Join(h.stubs, "id"), []byte("#!/bin/sh\n[ \"$1\" = -u ] && echo "+uid+"\n"), 0o755))
	h.stub("go", "")
	for _, name := range have {
		h.stub(name, "")
	}
	return h
}

// withAptGet installs the apt-get stand-in, which logs DEBIAN_FRONTEND.
func (h *setupHost) withAptGet() *setupHost {
	h.t.Helper()
	h.stub("apt-get", `printf '  DEBIAN_FRONTEND=%s\n' "$DEBIAN_FRONTEND" >>"$STUB_LOG"`)
	return h
}

// withSudo installs the sudo stand-in; withPassword makes `sudo -n` fail
// as it does when sudo would ask for a password.
func (h *setupHost) withSudo(withPassword bool) *setupHost {
	h.t.Helper()
	code := "0"
	if withPassword {
		code = "1"
	}
	h.stub("sudo", "exit "+code)
	return h
}

// run runs tools/test with args and returns the calls the stand-ins logged.
func (h *setupHost) run(args ...string) []string {
	h.t.Helper()
	cmd := exec.Command(h.bash, append([]string{filepath.Join(h.root, "tools", "test")}, args...)...)
	cmd.Env = []string{"PATH=" + h.stubs, "STUB_LOG=" + h.log, "HOME=" + h.t.TempDir()}
	cmd.Stdout, cmd.Stderr = &h.stdout, &h.stderr
	err := cmd.Run()
	h.exitCode = 0
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(h.t, err, &exit, "stderr:\n%s", h.stderr.String())
		h.exitCode = exit.ExitCode()
	}
	calls, err := os.ReadFile(h.log)
	require.NoError(h.t, err)
	if len(calls) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(calls), "\n"), "\n")
}

// The stand-ins' commands of every package but shellcheck and memcached,
// the missing ones.
var someInstalled = []string{"openssl", "flock", "initdb", "openvpn", "nft", "ip", "sysctl", "chromium"}

func TestSetupAsRootInstallsOnlyTheMissingPackagesWithoutSudo(t *testing.T) {
	h := newSetupHost(t, "0", someInstalled...).withAptGet().withSudo(false)
	calls := h.run("-run", "Foo", "./tests/")
	require.Equal(t, 0, h.exitCode, "stderr:\n%s", h.stderr.String())
	assert.Equal(t, []string{
		"apt-get update -qq",
		"  DEBIAN_FRONTEND=noninteractive",
		"apt-get install -y -qq --no-install-recommends shellcheck memcached",
		"  DEBIAN_FRONTEND=noninteractive",
		"tools/pulumi/build ",
		"go test -run Foo ./tests/",
	}, calls, "root installs directly, only what is missing, then builds the CLI and runs go test with the arguments")
	out := h.stdout.String()
	assert.Contains(t, out, "installing the Debian packages the tests need (as root)")
	assert.Regexp(t, `(?m)^  shellcheck +components/vpnserver lints`, out, "what each package is for")
	assert.Regexp(t, `(?m)^  memcached +workloads/apps/backend starts a real Memcached`, out)
	assert.NotContains(t, out, "openssl ", "an installed package is not installed again")
}

func TestSetupAsAUserInstallsThroughSudo(t *testing.T) {
	h := newSetupHost(t, "1000", someInstalled...).withAptGet().withSudo(false)
	calls := h.run()
	require.Equal(t, 0, h.exitCode, "stderr:\n%s", h.stderr.String())
	assert.Equal(t, []string{
		"sudo -n true",
		"sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
		"sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck memcached",
		"tools/pulumi/build ",
		"go test ./...",
	}, calls, "every apt-get through sudo -n, which never asks for a password; no package argument means ./...")
	assert.Contains(t, h.stdout.String(), "(through sudo -n)")
}

func TestSetupWithEveryPackageInstallsNothing(t *testing.T) {
	h := newSetupHost(t, "1000", "shellcheck", "openssl", "flock", "initdb", "memcached", "openvpn", "nft", "ip", "sysctl", "chromium").withAptGet().withSudo(false)
	calls := h.run("-count=1", "-run", "TestX/sub")
	require.Equal(t, 0, h.exitCode, "stderr:\n%s", h.stderr.String())
	assert.Equal(t, []string{"tools/pulumi/build ", "go test -count=1 -run TestX/sub ./..."}, calls,
		"no apt-get, no sudo; a flag's value is not a package")
	assert.Contains(t, h.stdout.String(), "Debian packages present: shellcheck openssl util-linux postgresql memcached openvpn nftables iproute2 procps chromium")
}

func TestSetupWithoutAptGetNamesWhatIsMissingAndStops(t *testing.T) {
	h := newSetupHost(t, "0", someInstalled...).withSudo(false)
	calls := h.run()
	assert.NotEqual(t, 0, h.exitCode)
	assert.Empty(t, calls, "nothing installed, built or tested")
	msg := h.stderr.String()
	assert.Contains(t, msg, "apt-get is not available")
	assert.Regexp(t, `(?m)^  shellcheck +\(shellcheck\) components/vpnserver lints the VPN server's scripts`, msg)
	assert.Regexp(t, `(?m)^  memcached +\(memcached\) workloads/apps/backend starts a real Memcached`, msg)
	for _, present := range []string{"openssl", "util-linux", "postgresql", "openvpn", "nftables", "iproute2", "procps", "chromium"} {
		assert.NotRegexp(t, `(?m)^  `+present+` `, msg, "%s is installed", present)
	}
}

func TestSetupWithoutPasswordlessSudoStops(t *testing.T) {
	h := newSetupHost(t, "1000", someInstalled...).withAptGet().withSudo(true)
	calls := h.run()
	assert.NotEqual(t, 0, h.exitCode)
	assert.Equal(t, []string{"sudo -n true"}, calls, "it asks sudo once, without a password, and installs nothing")
	assert.Contains(t, h.stderr.String(), "apt-get install shellcheck memcached")
}
