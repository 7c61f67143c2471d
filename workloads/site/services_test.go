package site_test

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// The services run as their images run them: the binaries of
// workloads/apps, configured by the environment of workloads/apps/contract
// alone, each serving TLS with the certificate it makes at start.

// binaries are the paths of the two services' commands.
type binaries struct {
	backend, frontend string
}

// buildServices builds both commands into a temporary directory with the
// go command running the test (go test puts its GOROOT/bin first on the
// test's PATH).
// Source: https://go.dev/doc/go1.19#go-command
func buildServices(t *testing.T) binaries {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "building the services needs the go command")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", dir+string(os.PathSeparator),
		"github.com/refarch/refarch/workloads/apps/backend", "github.com/refarch/refarch/workloads/apps/frontend")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build:\n%s", out)
	return binaries{backend: filepath.Join(dir, "backend"), frontend: filepath.Join(dir, "frontend")}
}

// process is one service running.
type process struct {
	name string
	cmd  *exec.Cmd
	out  *testservers.SyncBuffer
	// done is closed once the process exited; err is then Wait's error.
	done chan struct{}
	err  error
}

// startProcess starts bin with exactly env (nothing of the test's own
// environment), killed at the end if still running, its output logged if
// the test failed.
func startProcess(t *testing.T, name, bin string, env map[string]string) *process {
	t.Helper()
	p := &process{name: name, cmd: exec.Command(bin), out: &testservers.SyncBuffer{}, done: make(chan struct{})}
	p.cmd.Env = environ(env)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(t, p.cmd.Start(), name)
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// stop sends SIGTERM, as ECS does before it kills a task, and returns the
// exit's error once it exited (nil for status 0).
func (p *process) stop(t *testing.T) error {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.done:
		return p.err
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("%s did not stop within 30 s of SIGTERM:\n%s", p.name, p.out.String())
		return nil
	}
}

// kill kills it and waits for it, unless it already exited.
func (p *process) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// environ is env as a sorted list of NAME=value.
func environ(env map[string]string) []string {
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	slices.Sort(list)
	return list
}

// stack is what the backend runs on: the test servers, its database and
// its cursor signing key.
type stack struct {
	pki        *testservers.PKI
	pg         *testservers.Postgres
	mc         *testservers.Memcached
	dbName     string
	signingKey string
}

// startStack starts PostgreSQL, trusting the app role (see platformEnv),
// and Memcached, and creates the notes' database.
func startStack(t *testing.T) *stack {
	t.Helper()
	p := testservers.NewPKI(t, t.TempDir())
	s := &stack{pki: p, pg: testservers.StartPostgres(t, p, contract.AppRole), mc: testservers.StartMemcached(t, p),
		dbName: "notes", signingKey: "site-test-signing-key-" + rand.Text()}
	s.pg.CreateDatabase(t, s.dbName)
	return s
}

// taskEnv is the environment a task of svc gets: exactly the variables
// its contract names that values has (each required one must), and extra,
// what the platform adds.
func taskEnv(t *testing.T, svc contract.Service, values, extra map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, name := range slices.Concat(svc.Env, svc.OptionalEnv, svc.Secrets) {
		if v, ok := values[name]; ok {
			env[name] = v
		}
	}
	for _, name := range slices.Concat(svc.Env, svc.Secrets) {
		require.NotEmpty(t, env[name], "%s requires %s", svc.Name, name)
	}
	maps.Copy(env, extra)
	return env
}

// backendValues are the values of the backend's and the migration's
// variables on the stack, with the task's port.
func (s *stack) backendValues(port int) map[string]string {
	return map[string]string{
		contract.EnvPort:              strconv.Itoa(port),
		contract.EnvLogLevel:          "debug",
		contract.EnvDBHost:            "127.0.0.1",
		contract.EnvDBPort:            strconv.Itoa(s.pg.Port),
		contract.EnvDBName:            s.dbName,
		contract.EnvDBUser:            contract.AppRole,
		contract.EnvDBCABundle:        s.pki.CAFile,
		contract.EnvCacheEndpoint:     s.mc.Endpoint(),
		contract.EnvAWSRegion:         "us-east-1",
		contract.EnvSessionSigningKey: s.signingKey,
		contract.EnvDBUsername:        s.pg.Master,
		contract.EnvDBPassword:        s.pg.MasterPassword,
	}
}

// platformEnv is what stands in for AWS around the backend.
//
// The backend signs an IAM database authentication token for every
// connection, locally (no request to AWS: placeholder credentials do,
// where Fargate gives the task role's), and only RDS can check it: the
// PostgreSQL of the test trusts the app role over TLS instead
// (testservers.StartPostgres). And the cache's certificate is verified
// against the system's roots, which SSL_CERT_FILE replaces with the test
// CA, as the image's roots hold ElastiCache's CA.
// Sources: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.Go.html,
// https://pkg.go.dev/crypto/x509#SystemCertPool
func (s *stack) platformEnv(t *testing.T) map[string]string {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	return map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "placeholder-" + rand.Text(),
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"HOME":                        t.TempDir(),
		"SSL_CERT_FILE":               s.pki.CAFile,
	}
}

// migrate runs `backend migrate`, as the pipeline's one-off task does
// before a release.
func (s *stack) migrate(t *testing.T, bin string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = environ(taskEnv(t, contract.Migrate, s.backendValues(contract.Port), nil))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "backend migrate:\n%s", out)
}

// startBackend runs `backend serve` on a free port and waits until it is
// ready (/backend/readyz: the database and the cache answer).
func (s *stack) startBackend(t *testing.T, bin string) (*process, *url.URL) {
	t.Helper()
	port := testservers.FreePort(t)
	p := startProcess(t, "backend", bin, taskEnv(t, contract.Backend, s.backendValues(port), s.platformEnv(t)))
	target := &url.URL{Scheme: "https", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	waitReady(t, p, target.String()+"/backend/readyz")
	return p, target
}

// startFrontend runs the frontend on a free port, reaching the backend at
// internalURL through a certificate it verifies against its system roots
// (SSL_CERT_FILE: caFile), and waits until it answers /api/healthz.
func startFrontend(t *testing.T, bin, internalURL, caFile string) (*process, *url.URL) {
	t.Helper()
	port := testservers.FreePort(t)
	p := startProcess(t, "frontend", bin, taskEnv(t, contract.Frontend, map[string]string{
		contract.EnvInternalURL: internalURL,
		contract.EnvPort:        strconv.Itoa(port),
		contract.EnvLogLevel:    "debug",
	}, map[string]string{"SSL_CERT_FILE": caFile}))
	target := &url.URL{Scheme: "https", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	waitReady(t, p, target.String()+contract.Frontend.HealthPath)
	return p, target
}

// targetClient is how a load balancer reaches its targets: over TLS
// without verifying their certificate, which each task makes at start.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-routing-configuration
func targetClient() *http.Transport {
	return &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}, //nolint:gosec // load balancers do not verify targets
		MaxIdleConnsPerHost: 16,
	}
}

// waitReady polls healthURL until it answers 200, within 30 s, failing
// early if the process exits.
func waitReady(t *testing.T, p *process, healthURL string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: targetClient()}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before it was ready:\n%s", p.name, p.err, p.out.String())
		default:
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, healthURL, nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not ready after 30 s (%s: %v):\n%s", p.name, healthURL, err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// loadBalancer stands in for the internal load balancer in front of the
// backend: HTTPS with a certificate the frontend verifies (the test CA's,
// as the private zone's ACM certificate verifies against the image's
// roots), forwarding every path as it is to its one registered target.
// Without a target it answers 503, as an Application Load Balancer does
// when its target group has no registered target (ECS deregisters a task
// it stops).
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-503-issues
type loadBalancer struct {
	srv    *httptest.Server
	target atomic.Pointer[url.URL]
}

// newLoadBalancer starts it with no target.
func newLoadBalancer(t *testing.T, serverTLS *tls.Config) *loadBalancer {
	t.Helper()
	lb := &loadBalancer{}
	transport := targetClient()
	lb.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := lb.target.Load()
		if target == nil {
			http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
			return
		}
		proxy := &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(target)
				r.SetXForwarded()
			},
			Transport: transport,
			ErrorLog:  log.New(io.Discard, "", 0),
		}
		proxy.ServeHTTP(w, r)
	}))
	lb.srv.TLS = serverTLS
	lb.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	lb.srv.StartTLS()
	t.Cleanup(lb.srv.Close)
	t.Cleanup(transport.CloseIdleConnections)
	return lb
}

// url is its origin by a name its certificate holds.
func (lb *loadBalancer) url() string {
	return "https://localhost:" + strconv.Itoa(lb.srv.Listener.Addr().(*net.TCPAddr).Port)
}

// register makes target (nil: none) the one target.
func (lb *loadBalancer) register(target *url.URL) {
	lb.target.Store(target)
}
