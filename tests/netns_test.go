//go:build linux

package tests

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/refarch/refarch/internal/needs"
)

// netns is a network namespace the test made (`ip netns add`), deleted
// with everything in it when the test ends, also when it fails.
// Source: https://man7.org/linux/man-pages/man8/ip-netns.8.html
type netns struct {
	t    *testing.T
	name string
}

// asRoot reports whether the test runs as root, which network namespaces,
// tun devices and mounts require. Otherwise, where sudo runs without a
// password (CircleCI's cimg images run as circleci with passwordless sudo:
// https://github.com/CircleCI-Public/cimg-base/blob/main/Dockerfile.template),
// it runs this test again as root (the same test binary, this test only),
// logs that run and fails with it, and reports false: the caller returns.
// Without either it fails, saying how to run it: never a skip.
func asRoot(t *testing.T) bool {
	t.Helper()
	if os.Geteuid() == 0 {
		return true
	}
	if exec.Command("sudo", "-n", "true").Run() != nil {
		t.Fatalf("%s needs root (network namespaces, tun devices, mounts) and sudo asks for a password: run it as root, e.g. sudo -E env PATH=\"$PATH\" go test -run '^%s$' ./tests/", t.Name(), t.Name())
	}
	cmd := exec.Command("sudo", "-n", "-E", os.Args[0], "-test.run", "^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	out, err := cmd.CombinedOutput()
	t.Logf("%s as root (sudo -n):\n%s", t.Name(), out)
	if err != nil {
		t.Fatalf("%s failed as root: %v", t.Name(), err)
	}
	return false
}

// newNetns adds a namespace named for this process and role, with its
// loopback up.
func newNetns(t *testing.T, role string) *netns {
	t.Helper()
	n := &netns{t: t, name: fmt.Sprintf("refarch-%d-%s", os.Getpid(), role)}
	out, err := exec.Command("ip", "netns", "add", n.name).CombinedOutput()
	require.NoError(t, err, "ip netns add %s: %s", n.name, out)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", n.name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", n.name, err, out)
		}
	})
	n.must("ip", "link", "set", "lo", "up")
	return n
}

// run runs a command in the namespace and returns its output.
func (n *netns) run(args ...string) (string, error) {
	out, err := exec.Command("ip", append([]string{"netns", "exec", n.name}, args...)...).CombinedOutput()
	return string(out), err
}

// must runs a command in the namespace and fails the test if it fails.
func (n *netns) must(args ...string) string {
	n.t.Helper()
	out, err := n.run(args...)
	require.NoError(n.t, err, "%s: %s: %s", n.name, strings.Join(args, " "), out)
	return out
}

// link joins two namespaces with a veth pair: ifA with address addrA
// (CIDR notation) in a, ifB with addrB in b.
// Source: https://man7.org/linux/man-pages/man4/veth.4.html
func link(t *testing.T, a *netns, ifA, addrA string, b *netns, ifB, addrB string) {
	t.Helper()
	out, err := exec.Command("ip", "link", "add", ifA, "netns", a.name, "type", "veth", "peer", "name", ifB, "netns", b.name).CombinedOutput()
	require.NoError(t, err, "veth %s/%s: %s", ifA, ifB, out)
	for _, end := range []struct {
		n         *netns
		dev, addr string
	}{{a, ifA, addrA}, {b, ifB, addrB}} {
		end.n.must("ip", "addr", "add", end.addr, "dev", end.dev)
		end.n.must("ip", "link", "set", end.dev, "up")
	}
}

// do runs f on an OS thread moved into the namespace, so the sockets f
// opens belong to it. The thread stays locked and exits with its
// goroutine: no other goroutine ever runs in the namespace.
// Source: https://man7.org/linux/man-pages/man2/setns.2.html
func (n *netns) do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := syscall.Open(filepath.Join("/run/netns", n.name), syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			errc <- fmt.Errorf("open namespace %s: %w", n.name, err)
			return
		}
		defer syscall.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", n.name, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// serve listens on addr inside the namespace and answers every connection
// with banner and the address it came from, until the test ends.
func (n *netns) serve(addr, banner string) {
	n.t.Helper()
	var l net.Listener
	require.NoError(n.t, n.do(func() (err error) {
		l, err = net.Listen("tcp4", addr)
		return err
	}))
	n.t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = fmt.Fprintf(c, "%s from %s\n", banner, c.RemoteAddr().(*net.TCPAddr).IP)
			_ = c.Close()
		}
	}()
}

// dial connects to addr from inside the namespace and returns the first
// line it answers.
func (n *netns) dial(addr string) (string, error) {
	var line string
	err := n.do(func() error {
		c, err := net.DialTimeout("tcp4", addr, 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 256)
		k, err := c.Read(buf)
		line = strings.TrimSpace(string(buf[:k]))
		return err
	})
	return line, err
}

// process is a long-running command in a namespace, its output in a file.
type process struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// start runs args in the namespace (ip netns exec), its process group
// stopped when the test ends, also when it fails.
func (n *netns) start(name string, args ...string) *process {
	n.t.Helper()
	log := filepath.Join(n.t.TempDir(), name+".out")
	f, err := os.Create(log)
	require.NoError(n.t, err)
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.name}, args...)...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(n.t, cmd.Start(), "start %s", name)
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	n.t.Cleanup(p.stop)
	return p
}

// stop ends the process group: SIGTERM, then SIGKILL after five seconds.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// output is what the process has written so far.
func (p *process) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// waitFor polls a file, from byte offset on, until it contains want, or
// fails the test naming what it holds after timeout.
func waitFor(t *testing.T, what, path string, offset int64, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(path)
		b = b[min(offset, int64(len(b))):]
		if bytes.Contains(b, []byte(want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q in %s after %s:\n%s", what, want, path, timeout, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tunnelTools fails the test naming the install command of each command
// the tunnel test runs that is missing.
func tunnelTools(t *testing.T) {
	t.Helper()
	const why = "run the VPN tunnel test"
	for cmd, pkg := range map[string]string{"openvpn": "openvpn", "ip": "iproute2", "nft": "nftables", "unshare": "util-linux", "sysctl": "procps", "mount": "mount"} {
		needs.Command(t, cmd, pkg, why)
	}
}
