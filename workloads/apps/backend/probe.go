package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// The probe's defaults: an attempt every half second, each given 2 s (a
// connection that takes longer counts as the address not answering), ten
// answers in a row (5 s) to call the address steady again, and 10 minutes
// at most, several times the 60-120 s a Multi-AZ failover typically takes.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html
const (
	defaultProbeInterval = 500 * time.Millisecond
	defaultProbeTimeout  = 2 * time.Second
	defaultProbeSteady   = 10
	defaultProbeDeadline = 10 * time.Minute
)

// probeEnv are the variables the probe requires: the writer's coordinates
// and the login role of contract.Backend (not the cache, not the signing
// key: the probe runs in the backend's task definition, which has them,
// but needs neither).
var probeEnv = []string{contract.EnvDBHost, contract.EnvDBPort, contract.EnvDBName, contract.EnvDBUser, contract.EnvDBCABundle}

// probeConfig is what `backend probe` reads.
type probeConfig struct {
	// logLevel is the level server.Logger accepts ("" is info).
	logLevel string
	// db is the writer.
	db database
	// user is the login role, authenticated with an IAM token.
	user string
	// region is contract.EnvAWSRegion's value, maybe empty.
	region string
	// interval is the time between the starts of two attempts.
	interval time.Duration
	// timeout bounds one attempt (DNS, TCP, TLS, login and the query).
	timeout time.Duration
	// steady is how many answers in a row, after a failure, end the probe.
	steady int
	// deadline is how long the probe runs at most.
	deadline time.Duration
}

// loadProbeConfig parses the probe's flags and reads its environment,
// returning every problem at once.
func loadProbeConfig(args []string, getenv func(string) string, stderr io.Writer) (probeConfig, error) {
	c := probeConfig{}
	fs := flag.NewFlagSet("backend probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&c.interval, "interval", defaultProbeInterval, "the time between the starts of two attempts")
	fs.DurationVar(&c.timeout, "timeout", defaultProbeTimeout, "how long one attempt (connect over TLS, log in, query) may take")
	fs.IntVar(&c.steady, "steady", defaultProbeSteady, "how many answers in a row, after a failure, make the address steady again")
	fs.DurationVar(&c.deadline, "deadline", defaultProbeDeadline, "how long the probe runs at most")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var problems []string
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if c.interval <= 0 {
		problems = append(problems, fmt.Sprintf("-interval %s is not positive", c.interval))
	}
	if c.timeout <= 0 {
		problems = append(problems, fmt.Sprintf("-timeout %s is not positive", c.timeout))
	}
	if c.steady < 1 {
		problems = append(problems, fmt.Sprintf("-steady %d is less than 1", c.steady))
	}
	if c.deadline <= c.interval {
		problems = append(problems, fmt.Sprintf("-deadline %s is not longer than -interval %s", c.deadline, c.interval))
	}
	c.logLevel = strings.TrimSpace(getenv(contract.EnvLogLevel))
	if err := checkLogLevel(c.logLevel); err != nil {
		problems = append(problems, err.Error())
	}
	if env, err := server.Require(getenv, probeEnv...); err != nil {
		problems = append(problems, err.Error())
	} else {
		if c.db, err = loadDatabase(env); err != nil {
			problems = append(problems, err.Error())
		}
		c.user = env[contract.EnvDBUser]
	}
	c.region = strings.TrimSpace(getenv(contract.EnvAWSRegion))
	if len(problems) > 0 {
		return probeConfig{}, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// runProbe runs `backend probe`: it connects to the writer's address as
// the backend does, every interval, and logs each outcome as one JSON
// line. It exits 0 once the address, after answering and then failing,
// has answered c.steady times in a row, and 1 when the deadline passes
// first (the address never answered, never failed, or never recovered).
func runProbe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, d deps) int {
	c, err := loadProbeConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var p *prober
	var logger *slog.Logger
	if err == nil {
		p, logger, err = newProber(ctx, c, stdout, d)
	}
	if err != nil {
		_, _ = fmt.Fprintln(stderr, "backend probe: "+err.Error())
		return exitUsage
	}
	logger.Info("probe starting", "db_host", c.db.host, "db_user", c.user, "interval", c.interval.String(),
		"timeout", c.timeout.String(), "steady", c.steady, "deadline", c.deadline.String())
	if probeLoop(ctx, p, c, logger) {
		return exitOK
	}
	return exitFailure
}

// newProber makes the probe's logger and its prober: the writer's
// connection settings (TLS verify-full, as the backend's) and the
// password source of its endpoint (IAM tokens, or d's in tests).
func newProber(ctx context.Context, c probeConfig, stdout io.Writer, d deps) (*prober, *slog.Logger, error) {
	logger, err := server.Logger(stdout, c.logLevel) // the level is checked by loadProbeConfig
	if err != nil {
		return nil, nil, err
	}
	tokens := d.tokens
	if tokens == nil {
		if tokens, err = iamTokenSources(ctx, c.region, c.user); err != nil {
			return nil, nil, err
		}
	}
	cfg, err := pgx.ParseConfig(connString(c.db, c.db.host, c.user))
	if err != nil {
		return nil, nil, fmt.Errorf("database %s: %w", c.db.host, err)
	}
	if err := checkVerifyFull(cfg); err != nil {
		return nil, nil, err
	}
	return &prober{cfg: cfg, tokens: tokens(net.JoinHostPort(c.db.host, strconv.Itoa(c.db.port))), timeout: c.timeout}, logger, nil
}

// prober makes one attempt.
type prober struct {
	cfg     *pgx.ConnConfig
	tokens  TokenSource
	timeout time.Duration
}

// attempt connects with a fresh token (TLS verify-full, so the name is
// resolved and the certificate checked each time), asks whether the server
// is in recovery and closes. A server in recovery is a standby, not the
// writer: that is a failure too.
// Source: https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-RECOVERY-INFO-TABLE
func (p *prober) attempt(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	cfg := p.cfg.Copy()
	tok, err := p.tokens.Token(ctx)
	if err != nil {
		return fmt.Errorf("getting the database password: %w", err)
	}
	cfg.Password = tok
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	var inRecovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil {
		return fmt.Errorf("querying: %w", err)
	}
	if inRecovery {
		return errors.New("the server is in recovery: not the writer")
	}
	return nil
}

// probeLoop attempts every c.interval until the address has answered,
// failed, and answered c.steady times in a row (it returns true), or
// until the deadline passes or ctx is done (false). An attempt under way
// at the deadline finishes (within c.timeout), so every outcome logged is
// the address's, never the deadline's. Failures before the first answer
// are the probe starting, not an outage: they are logged but do not start
// one.
func probeLoop(ctx context.Context, p *prober, c probeConfig, logger *slog.Logger) bool {
	end := time.Now().Add(c.deadline)
	var answered, failed bool
	var firstFailure, streakStart time.Time
	streak := 0
	ticker := time.NewTicker(c.interval)
	defer ticker.Stop()
	for {
		start := time.Now()
		err := p.attempt(ctx)
		if ctx.Err() != nil {
			break
		}
		if err == nil {
			logger.Info(contract.ProbeAttempt, "ok", true, "start", start.UTC(), "latency_ms", time.Since(start).Milliseconds())
			answered = true
			if failed {
				if streak == 0 {
					streakStart = start
				}
				streak++
				if streak >= c.steady {
					logger.Info(contract.ProbeDone, "recovered", true, "first_failure", firstFailure.UTC(), "recovered_at", streakStart.UTC(),
						"outage_ms", streakStart.Sub(firstFailure).Milliseconds())
					return true
				}
			}
		} else {
			logger.Warn(contract.ProbeAttempt, "ok", false, "start", start.UTC(), "error", err.Error())
			if answered && !failed {
				failed, firstFailure = true, start
			}
			streak = 0
		}
		if !time.Now().Before(end) {
			break
		}
		select {
		case <-ctx.Done():
		case <-ticker.C:
			continue
		}
		break
	}
	why := "the address never failed"
	switch {
	case !answered:
		why = "the address never answered"
	case failed:
		why = "the address did not answer steadily again"
	}
	logger.Error(contract.ProbeDone, "recovered", false, "reason", why, "deadline", c.deadline.String())
	return false
}
