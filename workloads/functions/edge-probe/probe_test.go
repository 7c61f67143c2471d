package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeCloudWatch records PutMetricData calls.
type fakeCloudWatch struct {
	mu    sync.Mutex
	calls []*cloudwatch.PutMetricDataInput
	err   error
}

func (f *fakeCloudWatch) PutMetricData(_ context.Context, in *cloudwatch.PutMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	return &cloudwatch.PutMetricDataOutput{}, nil
}

// site is a TLS web site counting its requests.
type site struct {
	*httptest.Server
	hits       atomic.Int32
	userAgents sync.Map
}

func newSite(t *testing.T, handler http.HandlerFunc) *site {
	t.Helper()
	s := &site{}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.userAgents.Store(r.Header.Get("User-Agent"), true)
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// trusting returns a transport trusting the sites' test certificates.
func trusting(sites ...*site) http.RoundTripper {
	pool := x509.NewCertPool()
	for _, s := range sites {
		pool.AddCert(s.Certificate())
	}
	return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
}

var probeTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestProber probes urls with timeout, trusting sites, publishing to cw.
func newTestProber(urls []string, timeout time.Duration, cw cloudWatchAPI, logs *bytes.Buffer, sites ...*site) *prober {
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	return newProber(settings{urls: urls, namespace: "refarch/EdgeProbe", timeout: timeout},
		newHTTPClient(trusting(sites...)), cw, logger, func() time.Time { return probeTime })
}

// datum finds the datapoint of metric for url.
func datum(t *testing.T, data []types.MetricDatum, metric, url string) types.MetricDatum {
	t.Helper()
	var found []types.MetricDatum
	for _, d := range data {
		if aws.ToString(d.MetricName) == metric && len(d.Dimensions) == 1 && aws.ToString(d.Dimensions[0].Value) == url {
			found = append(found, d)
		}
	}
	require.Len(t, found, 1, "one %s datapoint for %s", metric, url)
	return found[0]
}

func TestHandlePublishesSuccessAndLatencyPerURL(t *testing.T) {
	const timeout = 300 * time.Millisecond
	healthy := newSite(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	down := newSite(t, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	slow := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	moved := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	urls := []string{healthy.URL + "/", down.URL + "/hello/healthz", slow.URL + "/", moved.URL + "/"}

	cw := &fakeCloudWatch{}
	var logs bytes.Buffer
	p := newTestProber(urls, timeout, cw, &logs, healthy, down, slow, moved)
	require.NoError(t, p.Handle(context.Background(), json.RawMessage(`{"source":"scheduler"}`)),
		"failed probes are metrics, not function errors")

	require.Len(t, cw.calls, 1, "one PutMetricData call")
	in := cw.calls[0]
	assert.Equal(t, "refarch/EdgeProbe", aws.ToString(in.Namespace))
	require.Len(t, in.MetricData, 8, "Success and Latency per URL")

	wantSuccess := map[string]float64{urls[0]: 1, urls[1]: 0, urls[2]: 0, urls[3]: 1}
	for _, u := range urls {
		s := datum(t, in.MetricData, "Success", u)
		assert.Equal(t, wantSuccess[u], aws.ToFloat64(s.Value), "Success of %s", u)
		assert.Equal(t, types.StandardUnitCount, s.Unit)
		assert.Equal(t, []types.Dimension{{Name: aws.String("Endpoint"), Value: aws.String(u)}}, s.Dimensions)
		assert.Equal(t, probeTime, aws.ToTime(s.Timestamp))

		l := datum(t, in.MetricData, "Latency", u)
		assert.Equal(t, types.StandardUnitMilliseconds, l.Unit)
		assert.Equal(t, []types.Dimension{{Name: aws.String("Endpoint"), Value: aws.String(u)}}, l.Dimensions)
		assert.Equal(t, probeTime, aws.ToTime(l.Timestamp))
		assert.Greater(t, aws.ToFloat64(l.Value), 0.0)
	}
	for _, u := range []string{urls[0], urls[1], urls[3]} {
		assert.Less(t, aws.ToFloat64(datum(t, in.MetricData, "Latency", u).Value), 300.0, "%s answered before the timeout", u)
	}
	slowLatency := aws.ToFloat64(datum(t, in.MetricData, "Latency", urls[2]).Value)
	assert.GreaterOrEqual(t, slowLatency, 300.0, "the slow site's latency is the timeout")
	assert.Less(t, slowLatency, 2000.0)

	assert.Equal(t, int32(1), moved.hits.Load(), "the redirect is not followed")
	_, ok := down.userAgents.Load("refarch-edge-probe/1")
	assert.True(t, ok, "probes identify themselves")

	// One log entry per probe (failures as warnings) and one for the
	// publication.
	var entries []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		var e map[string]any
		require.NoError(t, json.Unmarshal(line, &e), "%s", line)
		entries = append(entries, e)
	}
	require.Len(t, entries, 5)
	assert.Equal(t, "WARN", entries[1]["level"])
	assert.Equal(t, urls[1], entries[1]["url"])
	assert.Equal(t, float64(503), entries[1]["status"])
	assert.Contains(t, entries[2]["error"], "context deadline exceeded")
	assert.Equal(t, "metrics published", entries[4]["msg"])
	assert.Equal(t, float64(2), entries[4]["failed"])
}

// The probes run at the same time: each site answers only once all three
// requests have arrived, so probes made one after the other would all time
// out.
func TestHandleProbesConcurrently(t *testing.T) {
	var arrived sync.WaitGroup
	arrived.Add(3)
	allHere := make(chan struct{})
	go func() { arrived.Wait(); close(allHere) }()
	rendezvous := func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		select {
		case <-allHere:
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	}
	a, b, c := newSite(t, rendezvous), newSite(t, rendezvous), newSite(t, rendezvous)
	urls := []string{a.URL + "/", b.URL + "/", c.URL + "/"}

	cw := &fakeCloudWatch{}
	p := newTestProber(urls, 3*time.Second, cw, &bytes.Buffer{}, a, b, c)
	require.NoError(t, p.Handle(context.Background(), nil))
	require.Len(t, cw.calls, 1)
	for _, u := range urls {
		assert.Equal(t, 1.0, aws.ToFloat64(datum(t, cw.calls[0].MetricData, "Success", u).Value), u)
	}
}

func TestHandleCountsAnUnreachableSiteAsDown(t *testing.T) {
	gone := newSite(t, func(http.ResponseWriter, *http.Request) {})
	url := gone.URL + "/"
	gone.Close()

	cw := &fakeCloudWatch{}
	p := newTestProber([]string{url}, time.Second, cw, &bytes.Buffer{}, gone)
	require.NoError(t, p.Handle(context.Background(), nil))
	require.Len(t, cw.calls, 1)
	assert.Equal(t, 0.0, aws.ToFloat64(datum(t, cw.calls[0].MetricData, "Success", url).Value))
}

func TestHandleFailsWhenPublishingFails(t *testing.T) {
	healthy := newSite(t, func(w http.ResponseWriter, _ *http.Request) {})
	cw := &fakeCloudWatch{err: errors.New("AccessDenied: not authorized to perform cloudwatch:PutMetricData")}
	p := newTestProber([]string{healthy.URL}, time.Second, cw, &bytes.Buffer{}, healthy)

	err := p.Handle(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "publishing 2 probe metrics to namespace refarch/EdgeProbe: AccessDenied")
}

func TestNewFromEnv(t *testing.T) {
	t.Run("bad environment: every invocation names the variable", func(t *testing.T) {
		loaded := false
		var logs bytes.Buffer
		p := newFromEnv(context.Background(), env(map[string]string{"PROBE_URLS": "http://www.example.com/"}),
			func(context.Context) (cloudWatchAPI, error) { loaded = true; return &fakeCloudWatch{}, nil },
			slog.New(slog.NewJSONHandler(&logs, nil)))
		for range 2 {
			err := p.Handle(context.Background(), nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "PROBE_URLS entry 1")
			assert.Contains(t, err.Error(), "METRIC_NAMESPACE is required")
		}
		assert.False(t, loaded)
		assert.Contains(t, logs.String(), "METRIC_NAMESPACE is required")
	})
	t.Run("no AWS configuration", func(t *testing.T) {
		p := newFromEnv(context.Background(), env(map[string]string{"PROBE_URLS": "https://www.example.com/", "METRIC_NAMESPACE": "n"}),
			func(context.Context) (cloudWatchAPI, error) {
				return nil, errors.New("loading the AWS configuration: boom")
			},
			slog.New(slog.DiscardHandler))
		err := p.Handle(context.Background(), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "loading the AWS configuration: boom")
	})
	t.Run("good environment", func(t *testing.T) {
		cw := &fakeCloudWatch{}
		p := newFromEnv(context.Background(), env(map[string]string{"PROBE_URLS": "https://www.example.com/", "METRIC_NAMESPACE": "n", "PROBE_TIMEOUT_SECONDS": "9"}),
			func(context.Context) (cloudWatchAPI, error) { return cw, nil },
			slog.New(slog.DiscardHandler))
		require.NoError(t, p.startErr)
		assert.Equal(t, []string{"https://www.example.com/"}, p.urls)
		assert.Equal(t, "n", p.namespace)
		assert.Equal(t, 9*time.Second, p.timeout)
		assert.Same(t, cw, p.metrics)
		transport, ok := p.client.Transport.(*http.Transport)
		require.True(t, ok)
		assert.True(t, transport.DisableKeepAlives, "every probe opens a new connection")
	})
}
