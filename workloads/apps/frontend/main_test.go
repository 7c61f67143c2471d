package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/internal/testservers"
)

func TestRunServesTLSAndStopsCleanly(t *testing.T) {
	// The stand-in's certificate is not in the system's roots, as a real
	// internal load balancer's would be: the frontend must refuse it.
	s := newStandIn(t, func(_ int, w http.ResponseWriter, _ *http.Request) { answerJSON(w, 200, page) })
	port := testservers.FreePort(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stderr := &testservers.SyncBuffer{}, &testservers.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{
			contract.EnvInternalURL: s.srv.URL,
			contract.EnvPort:        strconv.Itoa(port),
			contract.EnvLogLevel:    "debug",
		}), stdout, stderr)
	}()

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the task's certificate is self-signed by design
	}}
	base := "https://127.0.0.1:" + strconv.Itoa(port)
	get := func(path string) (*http.Response, string, error) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		if err != nil {
			return nil, "", err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, string(body), err
	}
	require.Eventually(t, func() bool {
		resp, _, err := get(contract.Frontend.HealthPath)
		return err == nil && resp.StatusCode == http.StatusOK && resp.TLS != nil
	}, 10*time.Second, 25*time.Millisecond, "serves %s over TLS; stderr: %s", contract.Frontend.HealthPath, stderr)

	resp, body, err := get("/api/notes")
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode, "an untrusted backend certificate is refused")
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	assert.NotContains(t, body, s.srv.URL)
	assert.Zero(t, s.calls.Load(), "no request got past the TLS handshake")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, "stderr: %s", stderr)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was canceled")
	}
	assert.Empty(t, stderr.String())
	logs := stdout.String()
	assert.Contains(t, logs, `"msg":"shutting down"`)
	assert.Contains(t, logs, `"msg":"stopped"`)
	assert.Contains(t, logs, "certificate", "the refusal is logged")
	for line := range strings.Lines(strings.TrimSpace(logs)) {
		assert.True(t, json.Valid([]byte(line)), "a JSON log line: %s", line)
	}
}

func TestRunReportsAPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	var stdout, stderr strings.Builder
	code := run(t.Context(), nil, env(map[string]string{
		contract.EnvInternalURL: "https://internal.example.com",
		contract.EnvPort:        strconv.Itoa(port),
	}), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), stderr.String())
	assert.Contains(t, stderr.String(), contract.EnvPort)
}
