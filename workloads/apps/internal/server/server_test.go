package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/internal/server"
)

func TestServeSpeaksTLSAndDrainsOnShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		server.WriteJSON(w, http.StatusOK, []byte(`{"ok":true}`))
	})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	logger, err := server.Logger(&logs, "debug")
	require.NoError(t, err)
	go func() { done <- server.Serve(ctx, ln, h, logger) }()

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test's own self-signed server
	url := "https://" + ln.Addr().String()
	require.Eventually(t, func() bool {
		resp, err := client.Get(url + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && resp.TLS != nil && resp.Header.Get("Cache-Control") == "no-store"
	}, 5*time.Second, 20*time.Millisecond, "serves over TLS")
	plain, err := http.Get("http://" + ln.Addr().String() + "/") //nolint:noctx // a short test request
	if err == nil {
		assert.Equal(t, http.StatusBadRequest, plain.StatusCode, "plain HTTP is refused")
		plain.Body.Close()
	}

	slow := make(chan int, 1)
	go func() {
		resp, err := client.Get(url + "/slow")
		if err != nil {
			slow <- 0
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // the slow request is in flight
	stop()                             // SIGTERM
	time.Sleep(100 * time.Millisecond)
	close(release)
	assert.Equal(t, http.StatusOK, <-slow, "the in-flight request finishes")
	require.NoError(t, <-done)
	assert.Contains(t, logs.String(), `"msg":"shutting down"`)
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	env := map[string]string{"A": "1", "PORT": "99999"}
	get := func(k string) string { return env[k] }
	_, err := server.Require(get, "A", "B", "C")
	require.EqualError(t, err, "missing environment: B, C")
	_, err = server.Port(get)
	require.EqualError(t, err, `PORT="99999": must be a TCP port, 1-65535`)
	_, err = server.Logger(io.Discard, "loud")
	require.EqualError(t, err, `LOG_LEVEL="loud": must be debug, info, warn or error`)
	p, err := server.Port(func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, 8080, p)
}
