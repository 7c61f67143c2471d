package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// albRequest is a request as the load balancer sends it with multi-value
// headers off (the target group's default).
func albRequest(method, path string) events.ALBTargetGroupRequest {
	return events.ALBTargetGroupRequest{
		HTTPMethod:            method,
		Path:                  path,
		QueryStringParameters: map[string]string{},
		Headers: map[string]string{
			"host":              "app.example.com",
			"user-agent":        "curl/8.5.0",
			"x-amzn-trace-id":   "Root=1-5db31bde-f102927a851f3aaa17ebd23a",
			"x-forwarded-proto": "https",
		},
		RequestContext: events.ALBTargetGroupRequestContext{ELB: events.ELBContext{
			TargetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hello/0123456789abcdef",
		}},
	}
}

func TestHandle(t *testing.T) {
	lambdaCtx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "7f3e2a1c-0000-4000-8000-000000000001"})
	tests := []struct {
		name        string
		ctx         context.Context
		method      string
		path        string
		status      int
		description string
		body        map[string]any
		allow       string
	}{
		{
			name: "hello with the request id", ctx: lambdaCtx, method: "GET", path: "/hello",
			status: 200, description: "200 OK",
			body: map[string]any{"message": "hello from Lambda", "path": "/hello", "requestId": "7f3e2a1c-0000-4000-8000-000000000001"},
		},
		{
			name: "hello under a prefix", ctx: lambdaCtx, method: "GET", path: "/api/v1/hello",
			status: 200, description: "200 OK",
			body: map[string]any{"message": "hello from Lambda", "path": "/api/v1/hello", "requestId": "7f3e2a1c-0000-4000-8000-000000000001"},
		},
		{
			name: "hello with the trailing slash the route /hello/* needs", ctx: context.Background(), method: "GET", path: "/hello/",
			status: 200, description: "200 OK",
			body: map[string]any{"message": "hello from Lambda", "path": "/hello/", "requestId": ""},
		},
		{
			name: "hello without a Lambda context", ctx: context.Background(), method: "GET", path: "/hello",
			status: 200, description: "200 OK",
			body: map[string]any{"message": "hello from Lambda", "path": "/hello", "requestId": ""},
		},
		{
			name: "health check", ctx: lambdaCtx, method: "GET", path: "/hello/healthz",
			status: 200, description: "200 OK",
			body: map[string]any{"status": "ok"},
		},
		{
			name: "health check under a prefix", ctx: lambdaCtx, method: "GET", path: "/api/hello/healthz",
			status: 200, description: "200 OK",
			body: map[string]any{"status": "ok"},
		},
		{
			name: "POST hello", ctx: lambdaCtx, method: "POST", path: "/hello",
			status: 405, description: "405 Method Not Allowed",
			body: map[string]any{"error": "method not allowed"}, allow: "GET",
		},
		{
			name: "DELETE health", ctx: lambdaCtx, method: "DELETE", path: "/hello/healthz",
			status: 405, description: "405 Method Not Allowed",
			body: map[string]any{"error": "method not allowed"}, allow: "GET",
		},
		{
			name: "HEAD hello", ctx: lambdaCtx, method: "HEAD", path: "/hello",
			status: 405, description: "405 Method Not Allowed",
			body: map[string]any{"error": "method not allowed"}, allow: "GET",
		},
		{
			name: "root", ctx: lambdaCtx, method: "GET", path: "/",
			status: 404, description: "404 Not Found",
			body: map[string]any{"error": "not found"},
		},
		{
			name: "a path that only contains hello", ctx: lambdaCtx, method: "GET", path: "/hello/world",
			status: 404, description: "404 Not Found",
			body: map[string]any{"error": "not found"},
		},
		{
			name: "a name ending in hello", ctx: lambdaCtx, method: "GET", path: "/othello",
			status: 404, description: "404 Not Found",
			body: map[string]any{"error": "not found"},
		},
		{
			name: "an unknown path with another method", ctx: lambdaCtx, method: "POST", path: "/login",
			status: 404, description: "404 Not Found",
			body: map[string]any{"error": "not found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHandler(slog.New(slog.DiscardHandler))
			resp, err := h.Handle(tt.ctx, albRequest(tt.method, tt.path))
			require.NoError(t, err)

			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.description, resp.StatusDescription)
			assert.False(t, resp.IsBase64Encoded)
			assert.Nil(t, resp.MultiValueHeaders, "multi-value headers are off for this target group")
			assert.Equal(t, "application/json", resp.Headers["Content-Type"])
			assert.Equal(t, "no-store", resp.Headers["Cache-Control"])
			allow, hasAllow := resp.Headers["Allow"]
			if tt.allow != "" {
				assert.Equal(t, tt.allow, allow)
			} else {
				assert.False(t, hasAllow, "Allow belongs to 405 responses only")
			}

			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body), "body %q", resp.Body)
			assert.Equal(t, tt.body, body)
		})
	}
}

// The exact bytes of the greeting: the field names are the API.
func TestHandleGreetingBytes(t *testing.T) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	resp, err := newHandler(slog.New(slog.DiscardHandler)).Handle(ctx, albRequest("GET", "/hello"))
	require.NoError(t, err)
	assert.Equal(t, `{"message":"hello from Lambda","path":"/hello","requestId":"req-1"}`, resp.Body)
}

// With multi-value headers enabled on the target group, the load balancer
// reads multiValueHeaders only, so the headers must be there.
func TestHandleMultiValueHeaders(t *testing.T) {
	req := albRequest("POST", "/hello")
	req.MultiValueHeaders = map[string][]string{"host": {"app.example.com"}}
	req.MultiValueQueryStringParameters = map[string][]string{}
	req.Headers, req.QueryStringParameters = nil, nil

	resp, err := newHandler(slog.New(slog.DiscardHandler)).Handle(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, 405, resp.StatusCode)
	assert.Nil(t, resp.Headers)
	assert.Equal(t, map[string][]string{
		"Content-Type":  {"application/json"},
		"Cache-Control": {"no-store"},
		"Allow":         {"GET"},
	}, resp.MultiValueHeaders)
}

// The response serialises to the field names the load balancer reads.
func TestResponseJSONShape(t *testing.T) {
	resp, err := newHandler(slog.New(slog.DiscardHandler)).Handle(context.Background(), albRequest("GET", "/hello/healthz"))
	require.NoError(t, err)
	raw, err := json.Marshal(resp)
	require.NoError(t, err)
	var wire map[string]any
	require.NoError(t, json.Unmarshal(raw, &wire))
	assert.Equal(t, float64(200), wire["statusCode"])
	assert.Equal(t, "200 OK", wire["statusDescription"])
	assert.Equal(t, false, wire["isBase64Encoded"])
	assert.Equal(t, `{"status":"ok"}`, wire["body"])
	assert.Equal(t, map[string]any{"Content-Type": "application/json", "Cache-Control": "no-store"}, wire["headers"])
}

// Requests are logged as JSON with the method, path and status; health
// checks only at debug level.
func TestHandleLogs(t *testing.T) {
	var buf bytes.Buffer
	h := newHandler(slog.New(slog.NewJSONHandler(&buf, nil)))
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-9"})

	_, err := h.Handle(ctx, albRequest("GET", "/hello/healthz"))
	require.NoError(t, err)
	assert.Empty(t, buf.String(), "health checks are not logged at info level")

	_, err = h.Handle(ctx, albRequest("GET", "/nope"))
	require.NoError(t, err)
	var entry map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &entry), "log %q", buf.String())
	assert.Equal(t, "request", entry["msg"])
	assert.Equal(t, "GET", entry["method"])
	assert.Equal(t, "/nope", entry["path"])
	assert.Equal(t, float64(404), entry["status"])
	assert.Equal(t, "req-9", entry["requestId"])
}
