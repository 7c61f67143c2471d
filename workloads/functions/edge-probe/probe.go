package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// Metric and dimension names, the contract with the alarms and dashboards
// built on them.
const (
	// metricSuccess is 1 when the URL answered 2xx or 3xx in time, else 0.
	metricSuccess = "Success"
	// metricLatency is the time to the response's headers (or to the
	// failure), in milliseconds.
	metricLatency = "Latency"
	// dimensionEndpoint holds the probed URL.
	dimensionEndpoint = "Endpoint"
)

// userAgent identifies the probes in access logs and WAF rules.
const userAgent = "refarch-edge-probe/1"

// maxDrainBytes bounds how much of a body is read (and discarded).
const maxDrainBytes = 64 << 10

// cloudWatchAPI is the part of the CloudWatch client the function uses
// (cloudwatch:PutMetricData only).
type cloudWatchAPI interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// result is the outcome of one probe.
type result struct {
	url     string
	status  int // 0 when no response arrived
	success bool
	latency time.Duration
	err     error
}

// prober is the function's handler.
type prober struct {
	urls      []string
	namespace string
	timeout   time.Duration
	client    *http.Client
	metrics   cloudWatchAPI
	logger    *slog.Logger
	now       func() time.Time
	// startErr, when set, is returned by every invocation: the environment
	// was bad when the execution environment started.
	startErr error
}

// newFromEnv builds the handler of an execution environment from its
// environment (getenv) and a CloudWatch client (loadClient). On a bad
// environment it logs the problem and returns a handler whose every
// invocation fails with it.
func newFromEnv(ctx context.Context, getenv func(string) string, loadClient func(context.Context) (cloudWatchAPI, error), logger *slog.Logger) *prober {
	s, err := configFromEnv(getenv)
	if err != nil {
		logger.Error("bad environment", slog.String("error", err.Error()))
		return &prober{startErr: err, logger: logger}
	}
	client, err := loadClient(ctx)
	if err != nil {
		err = fmt.Errorf("edge-probe: %w", err)
		logger.Error("no CloudWatch client", slog.String("error", err.Error()))
		return &prober{startErr: err, logger: logger}
	}
	return newProber(s, newHTTPClient(nil), client, logger, time.Now)
}

// newProber returns a handler probing s.urls through client and publishing
// to metrics; now stamps the datapoints.
func newProber(s settings, client *http.Client, metrics cloudWatchAPI, logger *slog.Logger, now func() time.Time) *prober {
	return &prober{urls: s.urls, namespace: s.namespace, timeout: s.timeout, client: client, metrics: metrics, logger: logger, now: now}
}

// newHTTPClient returns the probes' client. Redirects are not followed: a
// 3xx already counts as success, and the probe measures the configured URL,
// not wherever it points. transport nil means a transport without
// keep-alives, so every probe pays the DNS, TCP and TLS set-up a new visitor
// pays and the latency of a warm execution environment compares with a
// cold one's.
func newHTTPClient(transport http.RoundTripper) *http.Client {
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableKeepAlives = true
		transport = t
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Handle probes every URL at once and publishes the results in one
// PutMetricData call. The scheduler's payload is ignored. It returns an
// error only when the metrics cannot be published: a site that is down is a
// Success of 0, not a function error.
// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
func (p *prober) Handle(ctx context.Context, _ json.RawMessage) error {
	if p.startErr != nil {
		return p.startErr
	}
	at := p.now()
	results := make([]result, len(p.urls))
	var wg sync.WaitGroup
	for i, u := range p.urls {
		wg.Go(func() { results[i] = p.probe(ctx, u) })
	}
	wg.Wait()

	data := make([]types.MetricDatum, 0, 2*len(results))
	failed := 0
	for _, r := range results {
		attrs := []any{
			slog.String("url", r.url),
			slog.Bool("success", r.success),
			slog.Int("status", r.status),
			slog.Float64("latencyMs", milliseconds(r.latency)),
		}
		if r.err != nil {
			attrs = append(attrs, slog.String("error", r.err.Error()))
		}
		if r.success {
			p.logger.InfoContext(ctx, "probe", attrs...)
		} else {
			failed++
			p.logger.WarnContext(ctx, "probe failed", attrs...)
		}
		data = append(data, datapoints(r, at)...)
	}

	if _, err := p.metrics.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace:  aws.String(p.namespace),
		MetricData: data,
	}); err != nil {
		return fmt.Errorf("publishing %d probe metrics to namespace %s: %w", len(data), p.namespace, err)
	}
	p.logger.InfoContext(ctx, "metrics published",
		slog.String("namespace", p.namespace),
		slog.Int("urls", len(results)),
		slog.Int("failed", failed))
	return nil
}

// probe GETs one URL within the timeout.
func (p *prober) probe(ctx context.Context, target string) result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	r := result{url: target}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		r.err = fmt.Errorf("building the request: %w", err)
		return r
	}
	req.Header.Set("User-Agent", userAgent)

	start := time.Now()
	resp, err := p.client.Do(req)
	r.latency = time.Since(start)
	if err != nil {
		r.err = err
		return r
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	_ = resp.Body.Close()
	r.status = resp.StatusCode
	r.success = resp.StatusCode >= 200 && resp.StatusCode < 400
	return r
}

// datapoints returns the Success and Latency datapoints of one result.
func datapoints(r result, at time.Time) []types.MetricDatum {
	dims := []types.Dimension{{Name: aws.String(dimensionEndpoint), Value: aws.String(r.url)}}
	success := 0.0
	if r.success {
		success = 1
	}
	return []types.MetricDatum{
		{
			MetricName: aws.String(metricSuccess),
			Dimensions: dims,
			Timestamp:  aws.Time(at),
			Unit:       types.StandardUnitCount,
			Value:      aws.Float64(success),
		},
		{
			MetricName: aws.String(metricLatency),
			Dimensions: dims,
			Timestamp:  aws.Time(at),
			Unit:       types.StandardUnitMilliseconds,
			Value:      aws.Float64(milliseconds(r.latency)),
		},
	}
}

// milliseconds converts d to milliseconds, to the microsecond.
func milliseconds(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
