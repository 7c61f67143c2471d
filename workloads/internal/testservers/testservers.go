// Package testservers starts the throwaway servers the workloads' tests
// run against: a PostgreSQL and a Memcached, both with TLS only, on free
// loopback ports, with a test PKI whose CA signed their certificate. Each
// is started by the test itself and stopped at its end (tb.Cleanup). The
// backend's integration tests and benchmark use them, and so does the
// site's browser test (workloads/site), which runs the services' binaries
// on them.
//
// Their binaries are required: a missing one fails the test with the
// install command (InstallHint), never skips it. As root, the servers run
// as the user nobody: PostgreSQL refuses to run as root (and memcached
// without -u).
package testservers

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// InstallHint is how CI (Debian, root) gets the servers.
const InstallHint = "apt-get install postgresql memcached"

// FreePort returns a loopback TCP port free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(tb, ln.Close())
	return port
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers (the logs of a
// running service) and readers (the test).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serverUser is who runs the servers: as root, nobody, with their files
// chowned to it; nil when not root.
func serverUser(tb testing.TB) *syscall.Credential {
	tb.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	require.NoError(tb, err, "running the test servers as root needs the user nobody")
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	require.NoError(tb, err)
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	require.NoError(tb, err)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// serverDir makes a directory the server user owns, removed at the end.
// t.TempDir's parents are root's and closed to others, so it is made
// directly under the system's temporary directory.
func serverDir(tb testing.TB, cred *syscall.Credential, pattern string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", pattern)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	chown(tb, cred, dir)
	return dir
}

// writeServerFile writes a file the server user owns, 0600.
func writeServerFile(tb testing.TB, cred *syscall.Credential, path string, data []byte) {
	tb.Helper()
	require.NoError(tb, os.WriteFile(path, data, 0o600))
	chown(tb, cred, path)
}

// chown gives path to cred's user (nothing when not root).
func chown(tb testing.TB, cred *syscall.Credential, path string) {
	tb.Helper()
	if cred != nil {
		require.NoError(tb, os.Chown(path, int(cred.Uid), int(cred.Gid)))
	}
}

// serverCommand is name args, run as cred in dir with a minimal
// environment.
func serverCommand(cred *syscall.Credential, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "TZ=UTC"}
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd
}

// executable tells whether path is an executable file.
func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
