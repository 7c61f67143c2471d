package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// config is what the frontend reads from its environment
// (contract.Frontend: INTERNAL_URL, and optionally PORT and LOG_LEVEL).
type config struct {
	// internalURL is the internal load balancer's origin
	// (https://host[:port], no path), which every backend path is
	// resolved against.
	internalURL *url.URL
	// port is the TCP port served with TLS.
	port int
	// logger writes JSON lines at LOG_LEVEL (server.Logger).
	logger *slog.Logger
}

// loadConfig reads the configuration, with a logger writing to logs, and
// returns every problem at once, in a single line that names each variable
// at fault.
func loadConfig(getenv func(string) string, logs io.Writer) (config, error) {
	var c config
	var problems []string
	if env, err := server.Require(getenv, contract.Frontend.Env...); err != nil {
		problems = append(problems, err.Error())
	} else if c.internalURL, err = parseInternalURL(env[contract.EnvInternalURL]); err != nil {
		problems = append(problems, err.Error())
	}
	var err error
	if c.port, err = server.Port(getenv); err != nil {
		problems = append(problems, err.Error())
	}
	if c.logger, err = server.Logger(logs, strings.TrimSpace(getenv(contract.EnvLogLevel))); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return config{}, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// parseInternalURL accepts an absolute https URL with a host and nothing
// else: no credentials, path, query or fragment. The message quotes the
// value only once parsed, and then redacted, so that a password put there
// by mistake never reaches a log.
func parseInternalURL(v string) (*url.URL, error) {
	const rule = "must be an absolute https URL, https://host[:port], without credentials, path, query or fragment"
	u, err := url.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("%s is not a URL: %s", contract.EnvInternalURL, rule)
	}
	if u.Scheme != "https" || u.Hostname() == "" || u.User != nil || u.Opaque != "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("%s=%q: %s", contract.EnvInternalURL, u.Redacted(), rule)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%s=%q: the port must be 1-65535", contract.EnvInternalURL, u.Redacted())
		}
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}
