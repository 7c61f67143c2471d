package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/refarch/refarch/workloads/apps/contract"
	"github.com/refarch/refarch/workloads/apps/internal/server"
)

// minSigningKeyBytes is the shortest accepted cursor signing key: RFC 2104
// recommends an HMAC key at least as long as the hash's output, 32 bytes
// for SHA-256 (the secret rotator generates 32 random bytes, base64).
// Source: https://www.rfc-editor.org/rfc/rfc2104#section-3
const minSigningKeyBytes = 32

// database locates a PostgreSQL instance reached with TLS verify-full.
type database struct {
	// host is the writer's host name (or address).
	host string
	// port is the TCP port, shared by the writer and the readers.
	port int
	// name is the database name.
	name string
	// caBundle is the path of the PEM bundle the server's certificate is
	// verified against.
	caBundle string
}

// serveConfig is what `backend serve` reads (contract.Backend).
type serveConfig struct {
	// port is the TCP port served with TLS.
	port int
	// logLevel is the level server.Logger accepts ("" is info).
	logLevel string
	// db is the writer.
	db database
	// readerHosts are the replicas' host names, maybe none.
	readerHosts []string
	// user is the login role, authenticated with an IAM token.
	user string
	// region is contract.EnvAWSRegion's value, maybe empty.
	region string
	// cacheEndpoint is Memcached's host:port.
	cacheEndpoint string
	// signingKey signs the pagination cursors. Never logged.
	signingKey []byte
}

// migrateConfig is what `backend migrate` reads (contract.Migrate).
type migrateConfig struct {
	// logLevel is the level server.Logger accepts ("" is info).
	logLevel string
	// db is the writer.
	db database
	// username and password are the master user's. Never logged.
	username, password string
}

// loadServeConfig reads the serve configuration and returns every problem
// at once, in one line naming each variable at fault (never a secret's
// value).
func loadServeConfig(getenv func(string) string) (serveConfig, error) {
	var c serveConfig
	var problems []string
	add := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	c.logLevel = strings.TrimSpace(getenv(contract.EnvLogLevel))
	add(checkLogLevel(c.logLevel))
	var err error
	c.port, err = server.Port(getenv)
	add(err)
	names := append(append([]string{}, contract.Backend.Env...), contract.Backend.Secrets...)
	if env, err := server.Require(getenv, names...); err != nil {
		add(err)
	} else {
		c.db, err = loadDatabase(env)
		add(err)
		c.user = env[contract.EnvDBUser]
		c.cacheEndpoint = env[contract.EnvCacheEndpoint]
		add(checkHostPort(contract.EnvCacheEndpoint, c.cacheEndpoint))
		// The key is the secret's string as is (its bytes are the key),
		// so a rotated value needs no decoding rule here.
		c.signingKey = []byte(env[contract.EnvSessionSigningKey])
		if len(c.signingKey) < minSigningKeyBytes {
			add(fmt.Errorf("%s: must be at least %d bytes", contract.EnvSessionSigningKey, minSigningKeyBytes))
		}
	}
	for h := range strings.SplitSeq(getenv(contract.EnvDBReaderHosts), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.readerHosts = append(c.readerHosts, h)
		}
	}
	c.region = strings.TrimSpace(getenv(contract.EnvAWSRegion))
	if len(problems) > 0 {
		return serveConfig{}, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// loadMigrateConfig reads the migration's configuration, like
// loadServeConfig.
func loadMigrateConfig(getenv func(string) string) (migrateConfig, error) {
	var c migrateConfig
	var problems []string
	c.logLevel = strings.TrimSpace(getenv(contract.EnvLogLevel))
	if err := checkLogLevel(c.logLevel); err != nil {
		problems = append(problems, err.Error())
	}
	names := append(append([]string{}, contract.Migrate.Env...), contract.Migrate.Secrets...)
	if env, err := server.Require(getenv, names...); err != nil {
		problems = append(problems, err.Error())
	} else {
		if c.db, err = loadDatabase(env); err != nil {
			problems = append(problems, err.Error())
		}
		c.username = env[contract.EnvDBUsername]
		c.password = env[contract.EnvDBPassword]
	}
	if len(problems) > 0 {
		return migrateConfig{}, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// checkLogLevel accepts what server.Logger accepts.
func checkLogLevel(level string) error {
	_, err := server.Logger(nil, level)
	return err
}

// loadDatabase reads the writer's coordinates from env (already checked
// present) and checks the CA bundle holds at least one certificate.
func loadDatabase(env map[string]string) (database, error) {
	d := database{host: env[contract.EnvDBHost], name: env[contract.EnvDBName], caBundle: env[contract.EnvDBCABundle]}
	var problems []string
	p, err := strconv.Atoi(env[contract.EnvDBPort])
	if err != nil || p < 1 || p > 65535 {
		problems = append(problems, fmt.Sprintf("%s=%q: must be a TCP port, 1-65535", contract.EnvDBPort, env[contract.EnvDBPort]))
	}
	d.port = p
	if _, err := loadCAPool(d.caBundle); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return database{}, errors.New(strings.Join(problems, "; "))
	}
	return d, nil
}

// loadCAPool reads the PEM bundle at path.
func loadCAPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the CA bundle: %w", contract.EnvDBCABundle, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s=%q: the file holds no PEM certificate", contract.EnvDBCABundle, path)
	}
	return pool, nil
}

// checkHostPort accepts host:port with a port of 1-65535.
func checkHostPort(name, v string) error {
	host, port, err := net.SplitHostPort(v)
	if err != nil || host == "" {
		return fmt.Errorf("%s=%q: must be host:port", name, v)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("%s=%q: the port must be 1-65535", name, v)
	}
	return nil
}
