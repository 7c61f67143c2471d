// Package main is the frontend sample service: the public notes API,
// /api/*, behind the public load balancer and the CDN's /api/* behavior.
// It passes GET and POST /api/notes on to the backend through the
// internal load balancer (INTERNAL_URL) within a timeout, retrying a
// failed GET once and a POST never, and answers /api/healthz itself.
//
// It is configured by the environment variables of contract.Frontend
// only, serves TLS with a certificate made at start (server.Serve) and
// stops gracefully on SIGTERM, which ECS sends before it kills a task.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_timeout
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// main runs the service with the process's environment.
func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main with its dependencies passed in, for the tests: it serves
// until ctx is done or SIGTERM arrives, and returns the exit status: 0
// after a clean shutdown, 1 when it cannot start or serve (with one line
// on stderr when it cannot start), 2 when given arguments.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		_, _ = fmt.Fprintf(stderr, "frontend: takes no arguments (got %d); it reads %s\n", len(args),
			strings.Join(append(append([]string{}, contract.Frontend.Env...), contract.Frontend.OptionalEnv...), ", "))
		return 2
	}
	cfg, err := loadConfig(getenv, stdout)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "frontend: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort("", strconv.Itoa(cfg.port)))
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "frontend: listening on %s=%d: %v\n", contract.EnvPort, cfg.port, err)
		return 1
	}
	b := &backend{base: cfg.internalURL, client: newBackendClient(), timeout: backendTimeout, logger: cfg.logger}
	cfg.logger.Info("starting", "backend", cfg.internalURL.String(), "timeout", backendTimeout.String())
	if err := server.Serve(ctx, ln, newHandler(b, cfg.logger), cfg.logger); err != nil {
		cfg.logger.Error("stopped", "error", err)
		return 1
	}
	cfg.logger.Info("stopped")
	return 0
}
