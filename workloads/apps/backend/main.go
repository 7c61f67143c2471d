// Command backend is the sample notes API behind the internal load
// balancer (/backend/*), on ECS Fargate: notes in PostgreSQL (RDS, TLS
// verify-full, IAM database authentication as contract.AppRole, lists
// from a replica when there is one) and pages cached for 30 s in
// Memcached (ElastiCache, TLS), where any cache failure is only a miss.
//
//	GET  /backend/notes?limit=1-100&cursor=  {"notes": [...], "nextCursor": "..."}
//	POST /backend/notes {"text": "..."}      201 {"id", "text", "createdAt"}
//	GET  /backend/healthz                    liveness, 200 while serving
//	GET  /backend/readyz                     200, or 503 naming the failed dependency
//
//	backend [serve]   serve the API on contract.Port (TLS, self-signed)
//	backend migrate   create the schema and the app role, as the master user
//	backend probe     connect to the writer every 500 ms until it has failed
//	                  and answered steadily again (cmd/failover-drill)
//
// Configuration is the environment only, by workloads/apps/contract's names
// (contract.Backend and contract.Migrate); a problem with it exits with
// status 2 and one line on stderr naming the variables. Secrets are never
// logged. SIGTERM drains in-flight requests (server.ShutdownTimeout).
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// Exit statuses.
const (
	exitOK = 0
	// exitFailure is a failure at run time (a dependency, the listener).
	exitFailure = 1
	// exitUsage is a bad command line or configuration.
	exitUsage = 2
)

// main runs the command until SIGTERM or an interrupt.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// deps are what tests replace; the zero value is the deployment's.
type deps struct {
	// tokens, when set, gives every database endpoint's password source
	// instead of IAM authentication tokens.
	tokens func(endpoint string) TokenSource
	// cacheTLS, when set, is the cache's TLS configuration (tests' CA)
	// instead of the system roots.
	cacheTLS *tls.Config
}

// run runs the command of args with the environment getenv, logging JSON
// to stdout and configuration errors to stderr, and returns the exit
// status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, getenv, stdout, stderr, deps{})
}

// runWith is run with d.
func runWith(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, d deps) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if cmd == "probe" {
		return runProbe(ctx, args[1:], getenv, stdout, stderr, d)
	}
	if len(args) > 1 {
		_, _ = fmt.Fprintf(stderr, "backend: %s takes no arguments\n", cmd)
		return exitUsage
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout, stderr, d)
	case "migrate":
		return runMigrate(ctx, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		_, _ = fmt.Fprintln(stdout, "usage: backend [serve|migrate|probe [flags]]")
		return exitOK
	default:
		_, _ = fmt.Fprintf(stderr, "backend: unknown command %q: want serve, migrate or probe\n", cmd)
		return exitUsage
	}
}

// serve runs the API until ctx is done.
func serve(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, d deps) int {
	c, err := loadServeConfig(getenv)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "backend: "+err.Error())
		return exitUsage
	}
	logger, err := server.Logger(stdout, c.logLevel)
	if err != nil { // checked by loadServeConfig
		_, _ = fmt.Fprintln(stderr, "backend: "+err.Error())
		return exitUsage
	}
	tokens := d.tokens
	if tokens == nil {
		if tokens, err = iamTokenSources(ctx, c.region, c.user); err != nil {
			_, _ = fmt.Fprintln(stderr, "backend: "+err.Error())
			return exitUsage
		}
	}
	store, err := openStore(ctx, c.db, c.readerHosts, c.user, tokens)
	if err != nil {
		logger.Error("opening the database", "error", err)
		return exitFailure
	}
	defer store.Close()
	cache, err := newMemcached(c.cacheEndpoint, d.cacheTLS)
	if err != nil {
		logger.Error("opening the cache", "error", err)
		return exitFailure
	}
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", c.port))
	if err != nil {
		logger.Error("listening", "port", c.port, "error", err)
		return exitFailure
	}
	logger.Info("starting", "db_host", c.db.host, "db_readers", len(c.readerHosts), "db_user", c.user, "cache", c.cacheEndpoint)
	if err := server.Serve(ctx, ln, newAPI(store, cache, c.signingKey, logger).routes(), logger); err != nil {
		logger.Error("serving", "error", err)
		return exitFailure
	}
	logger.Info("stopped")
	return exitOK
}

// runMigrate runs the migration once.
func runMigrate(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) int {
	c, err := loadMigrateConfig(getenv)
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "backend migrate: "+err.Error())
		return exitUsage
	}
	logger, err := server.Logger(stdout, c.logLevel)
	if err != nil { // checked by loadMigrateConfig
		_, _ = fmt.Fprintln(stderr, "backend migrate: "+err.Error())
		return exitUsage
	}
	conn, err := connectMaster(ctx, c)
	if err != nil {
		logger.Error("migration failed", "error", err)
		return exitFailure
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if err := migrate(ctx, conn, logger); err != nil {
		logger.Error("migration failed", "error", err)
		return exitFailure
	}
	return exitOK
}
