package main

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigReadsTheContractsVariables(t *testing.T) {
	for raw, want := range map[string]string{
		"https://internal.prod.example.com":        "https://internal.prod.example.com",
		"https://internal.prod.example.com/":       "https://internal.prod.example.com",
		"  https://internal.prod.example.com:8443": "https://internal.prod.example.com:8443",
		"HTTPS://internal.prod.example.com":        "https://internal.prod.example.com",
	} {
		c, err := loadConfig(env(map[string]string{contract.EnvInternalURL: raw, contract.EnvPort: "9443", contract.EnvLogLevel: "debug"}), io.Discard)
		require.NoError(t, err, raw)
		assert.Equal(t, want, c.internalURL.String(), raw)
		assert.Equal(t, 9443, c.port)
		assert.NotNil(t, c.logger)
	}
	c, err := loadConfig(env(map[string]string{contract.EnvInternalURL: "https://internal.example.com"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, contract.Port, c.port, "the contract's port by default")
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	const ok = "https://internal.example.com"
	for name, c := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"missing INTERNAL_URL": {map[string]string{}, []string{"missing environment: INTERNAL_URL"}},
		"blank INTERNAL_URL":   {map[string]string{contract.EnvInternalURL: "  "}, []string{"missing environment: INTERNAL_URL"}},
		"plain http":           {map[string]string{contract.EnvInternalURL: "http://internal.example.com"}, []string{"INTERNAL_URL", "https"}},
		"no scheme":            {map[string]string{contract.EnvInternalURL: "internal.example.com"}, []string{"INTERNAL_URL", "absolute"}},
		"relative":             {map[string]string{contract.EnvInternalURL: "/backend"}, []string{"INTERNAL_URL"}},
		"no host":              {map[string]string{contract.EnvInternalURL: "https:///backend"}, []string{"INTERNAL_URL"}},
		"a path":               {map[string]string{contract.EnvInternalURL: "https://internal.example.com/backend"}, []string{"INTERNAL_URL", "path"}},
		"a query":              {map[string]string{contract.EnvInternalURL: "https://internal.example.com?x=1"}, []string{"INTERNAL_URL"}},
		"a fragment":           {map[string]string{contract.EnvInternalURL: "https://internal.example.com#x"}, []string{"INTERNAL_URL"}},
		"unparsable":           {map[string]string{contract.EnvInternalURL: "https://internal.example.com:port"}, []string{"INTERNAL_URL is not a URL"}},
		"port 0":               {map[string]string{contract.EnvInternalURL: "https://internal.example.com:0"}, []string{"INTERNAL_URL", "port"}},
		"bad PORT":             {map[string]string{contract.EnvInternalURL: ok, contract.EnvPort: "http"}, []string{`PORT="http"`}},
		"PORT out of range":    {map[string]string{contract.EnvInternalURL: ok, contract.EnvPort: "70000"}, []string{"PORT"}},
		"bad LOG_LEVEL":        {map[string]string{contract.EnvInternalURL: ok, contract.EnvLogLevel: "loud"}, []string{`LOG_LEVEL="loud"`}},
		"all at once": {map[string]string{contract.EnvPort: "-1", contract.EnvLogLevel: "loud"},
			[]string{"INTERNAL_URL", "PORT", "LOG_LEVEL"}},
	} {
		_, err := loadConfig(env(c.env), io.Discard)
		require.Error(t, err, name)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w, name)
		}
		assert.NotContains(t, err.Error(), "\n", "%s: one line", name)
	}
}

func TestConfigNeverEchoesCredentials(t *testing.T) {
	_, err := loadConfig(env(map[string]string{contract.EnvInternalURL: "https://user:hunter2@internal.example.com"}), io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "credentials")
	assert.NotContains(t, err.Error(), "hunter2")
	_, err = loadConfig(env(map[string]string{contract.EnvInternalURL: "https://user:hunter2@internal.example.com:port"}), io.Discard)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestRunRefusesBadConfigurationInOneLine(t *testing.T) {
	for name, c := range map[string]struct {
		env  map[string]string
		want string
	}{
		"missing INTERNAL_URL": {map[string]string{}, contract.EnvInternalURL},
		"http INTERNAL_URL":    {map[string]string{contract.EnvInternalURL: "http://internal.example.com"}, contract.EnvInternalURL},
		"bad PORT":             {map[string]string{contract.EnvInternalURL: "https://internal.example.com", contract.EnvPort: "x"}, contract.EnvPort},
		"bad LOG_LEVEL":        {map[string]string{contract.EnvInternalURL: "https://internal.example.com", contract.EnvLogLevel: "x"}, contract.EnvLogLevel},
	} {
		var stdout, stderr strings.Builder
		code := run(t.Context(), nil, env(c.env), &stdout, &stderr)
		assert.Equal(t, 1, code, name)
		assert.Empty(t, stdout.String(), name)
		line := stderr.String()
		assert.Equal(t, 1, strings.Count(line, "\n"), "%s: one line: %q", name, line)
		assert.True(t, strings.HasPrefix(line, "frontend: "), line)
		assert.Contains(t, line, c.want, name)
	}
}

func TestRunTakesNoArguments(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"serve"}, env(map[string]string{contract.EnvInternalURL: "https://internal.example.com"}), &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Equal(t, 1, strings.Count(stderr.String(), "\n"))
	assert.Contains(t, stderr.String(), contract.EnvInternalURL)
}
