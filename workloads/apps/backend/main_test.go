package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

// Secret values the configuration tests set: no output may hold them.
const (
	testSigningKey = "signing-key-that-must-never-be-logged-0123456789"
	testPassword   = "master-password-that-must-never-be-logged"
)

// validEnv is a complete configuration of both commands, with a real CA
// bundle file.
func validEnv(t *testing.T) map[string]string {
	t.Helper()
	p := testservers.NewPKI(t, t.TempDir())
	return map[string]string{
		contract.EnvDBHost:            "db.internal",
		contract.EnvDBPort:            "5432",
		contract.EnvDBName:            "notes",
		contract.EnvDBUser:            contract.AppRole,
		contract.EnvDBCABundle:        p.CAFile,
		contract.EnvCacheEndpoint:     "cache.internal:11211",
		contract.EnvSessionSigningKey: testSigningKey,
		contract.EnvDBUsername:        "master",
		contract.EnvDBPassword:        testPassword,
	}
}

// runEnv runs args with env and returns the status, stdout and stderr.
func runEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestConfigErrors(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	tests := []struct {
		name  string
		args  []string
		set   map[string]string
		unset []string
		want  []string
	}{
		{"missing writer", nil, nil, []string{contract.EnvDBHost, contract.EnvDBName}, []string{"missing environment: DB_HOST, DB_NAME"}},
		{"missing signing key", []string{"serve"}, nil, []string{contract.EnvSessionSigningKey}, []string{"missing environment: SESSION_SIGNING_KEY"}},
		{"missing cache", nil, nil, []string{contract.EnvCacheEndpoint}, []string{"CACHE_ENDPOINT"}},
		{"bad DB_PORT", nil, map[string]string{contract.EnvDBPort: "54x"}, nil, []string{`DB_PORT="54x": must be a TCP port`}},
		{"DB_PORT out of range", nil, map[string]string{contract.EnvDBPort: "70000"}, nil, []string{`DB_PORT="70000"`}},
		{"bad PORT", nil, map[string]string{contract.EnvPort: "0"}, nil, []string{`PORT="0"`}},
		{"unreadable CA bundle", nil, map[string]string{contract.EnvDBCABundle: "/nonexistent/ca.pem"}, nil, []string{"DB_CA_BUNDLE: reading the CA bundle", "/nonexistent/ca.pem"}},
		{"CA bundle without a certificate", nil, map[string]string{contract.EnvDBCABundle: notPEM}, nil, []string{"DB_CA_BUNDLE=", "no PEM certificate"}},
		{"bad LOG_LEVEL", nil, map[string]string{contract.EnvLogLevel: "loud"}, nil, []string{`LOG_LEVEL="loud"`}},
		{"bad cache endpoint", nil, map[string]string{contract.EnvCacheEndpoint: "cache.internal"}, nil, []string{`CACHE_ENDPOINT="cache.internal": must be host:port`}},
		{"short signing key", nil, map[string]string{contract.EnvSessionSigningKey: "short-secret"}, nil, []string{"SESSION_SIGNING_KEY: must be at least 32 bytes"}},
		{"two problems at once", nil, map[string]string{contract.EnvLogLevel: "loud", contract.EnvDBPort: "x"}, nil, []string{"LOG_LEVEL", "DB_PORT"}},
		{"migrate without the master's password", []string{"migrate"}, nil, []string{contract.EnvDBPassword}, []string{"backend migrate: missing environment: DB_PASSWORD"}},
		{"migrate with a bad CA bundle", []string{"migrate"}, map[string]string{contract.EnvDBCABundle: "/nonexistent/ca.pem"}, nil, []string{"DB_CA_BUNDLE"}},
		{"unknown command", []string{"serv"}, nil, nil, []string{`unknown command "serv"`}},
		{"extra argument", []string{"migrate", "now"}, nil, nil, []string{"takes no arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := validEnv(t)
			for k, v := range tt.set {
				env[k] = v
			}
			for _, k := range tt.unset {
				delete(env, k)
			}
			code, out, errOut := runEnv(t, env, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, out)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
			for _, w := range tt.want {
				assert.Contains(t, errOut, w)
			}
			assert.NotContains(t, errOut, testSigningKey)
			assert.NotContains(t, errOut, testPassword)
			assert.NotContains(t, errOut, "short-secret")
		})
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := runEnv(t, nil, "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "serve|migrate")
}

func TestLoadServeConfig(t *testing.T) {
	env := validEnv(t)
	env[contract.EnvDBReaderHosts] = " r1.internal, ,r2.internal "
	env[contract.EnvAWSRegion] = "eu-west-1"
	env[contract.EnvPort] = "9443"
	c, err := loadServeConfig(func(k string) string { return env[k] })
	require.NoError(t, err)
	assert.Equal(t, []string{"r1.internal", "r2.internal"}, c.readerHosts)
	assert.Equal(t, database{host: "db.internal", port: 5432, name: "notes", caBundle: env[contract.EnvDBCABundle]}, c.db)
	assert.Equal(t, 9443, c.port)
	assert.Equal(t, "eu-west-1", c.region)
	assert.Equal(t, contract.AppRole, c.user)
	assert.Equal(t, []byte(testSigningKey), c.signingKey)
}

func TestMissingRegionIsAConfigError(t *testing.T) {
	// No region from anywhere the SDK looks.
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_PROFILE", "")
	code, out, errOut := runEnv(t, validEnv(t))
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Equal(t, "backend: AWS_REGION is required for IAM database authentication\n", errOut)
}

func TestServeStopsOnCancel(t *testing.T) {
	// Unreachable dependencies do not stop the service from starting (it
	// reports unready); cancelling the context stops it cleanly.
	env := validEnv(t)
	env[contract.EnvPort] = strconv.Itoa(testservers.FreePort(t))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errOut testservers.SyncBuffer
	code := runWith(ctx, nil, func(k string) string { return env[k] }, &out, &errOut,
		deps{tokens: func(string) TokenSource { return &staticTokens{password: "x"} }})
	assert.Equal(t, exitOK, code, errOut.String())
	assert.Contains(t, out.String(), `"msg":"stopped"`)
	assert.NotContains(t, out.String(), testSigningKey)
}
