package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// The load balancer forwards the request's path as is (a listener rule for
// /app/* forwards /app/hello), so routes match on the path's end.
const (
	// helloSuffix ends the path of the greeting.
	helloSuffix = "/hello"
	// healthSuffix ends the path of the target group's health check.
	healthSuffix = "/hello/healthz"
)

// greeting is the body of a successful GET …/hello.
type greeting struct {
	Message   string `json:"message"`
	Path      string `json:"path"`
	RequestID string `json:"requestId"`
}

// health is the body of a successful GET …/hello/healthz.
type health struct {
	Status string `json:"status"`
}

// problem is the body of an error response.
type problem struct {
	Error string `json:"error"`
}

// handler answers the load balancer's requests.
type handler struct {
	logger *slog.Logger
}

// newHandler returns a handler that logs to logger.
func newHandler(logger *slog.Logger) *handler {
	return &handler{logger: logger}
}

// Handle answers one request. It never returns an error: the load balancer
// turns a function error into a 502 for the client, and every outcome here
// has a proper HTTP answer.
func (h *handler) Handle(ctx context.Context, req events.ALBTargetGroupRequest) (events.ALBTargetGroupResponse, error) {
	requestID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}

	var (
		status int
		body   any
		extra  map[string]string
		level  = slog.LevelInfo
	)
	// The load balancer routes /hello/*, so "/hello/" is the greeting too.
	path := strings.TrimSuffix(req.Path, "/")
	isHealth := strings.HasSuffix(path, healthSuffix)
	switch {
	case !isHealth && !strings.HasSuffix(path, helloSuffix):
		status, body = http.StatusNotFound, problem{Error: "not found"}
	case req.HTTPMethod != http.MethodGet:
		// RFC 9110 section 15.5.6: a 405 lists the allowed methods in Allow.
		status, body = http.StatusMethodNotAllowed, problem{Error: "method not allowed"}
		extra = map[string]string{"Allow": http.MethodGet}
	case isHealth:
		// The health check runs every few seconds: keep it out of the
		// default (info) log.
		status, body, level = http.StatusOK, health{Status: "ok"}, slog.LevelDebug
	default:
		status, body = http.StatusOK, greeting{Message: "hello from Lambda", Path: req.Path, RequestID: requestID}
	}

	resp := respond(status, body, extra, usesMultiValueHeaders(req))
	h.logger.Log(ctx, level, "request",
		slog.String("method", req.HTTPMethod),
		slog.String("path", req.Path),
		slog.Int("status", resp.StatusCode),
		slog.String("requestId", requestID))
	return resp, nil
}

// usesMultiValueHeaders reports whether the target group has multi-value
// headers enabled: the load balancer then sends multiValueHeaders (and
// multiValueQueryStringParameters) instead of headers, and reads only
// multiValueHeaders from the response.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html#multi-value-headers
func usesMultiValueHeaders(req events.ALBTargetGroupRequest) bool {
	return req.MultiValueHeaders != nil || req.MultiValueQueryStringParameters != nil
}

// respond builds the response: a JSON body, never cached, with the status
// line the load balancer sends to the client (statusDescription) and the
// headers in the form the target group expects.
// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html#respond-to-load-balancer
func respond(status int, body any, extra map[string]string, multiValue bool) events.ALBTargetGroupResponse {
	encoded, err := json.Marshal(body)
	if err != nil {
		// The bodies are plain structs of strings; this cannot happen, but
		// answer rather than panic.
		status, encoded = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
		extra = nil
	}
	headers := map[string]string{
		"Content-Type":  "application/json",
		"Cache-Control": "no-store",
	}
	for k, v := range extra {
		headers[k] = v
	}
	resp := events.ALBTargetGroupResponse{
		StatusCode:        status,
		StatusDescription: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Body:              string(encoded),
		IsBase64Encoded:   false,
	}
	if multiValue {
		resp.MultiValueHeaders = make(map[string][]string, len(headers))
		for k, v := range headers {
			resp.MultiValueHeaders[k] = []string{v}
		}
	} else {
		resp.Headers = headers
	}
	return resp
}
