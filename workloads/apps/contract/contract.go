// Package contract is the one list of what the sample services read and
// serve: ports, health paths, environment variables and secrets. The
// services read their configuration by these names, and the stacks' tests
// check the task definitions of the plan against the same list, so the
// program and its deployment can never drift apart.
package contract

import "time"

// Service is what one program expects of its task definition.
type Service struct {
	// Name is the service's name in refarch:services.
	Name string
	// Port is the container port it serves TLS on.
	Port int
	// HealthPath is the path its target group probes (liveness).
	HealthPath string
	// Env are the plain variables it requires.
	Env []string
	// OptionalEnv are plain variables it reads when set.
	OptionalEnv []string
	// Secrets are the variables ECS fills from Secrets Manager.
	Secrets []string
}

// Port is both services' container port: TLS with a certificate the
// program makes at start (load balancers do not verify targets').
const Port = 8080

// Architecture is the CPU architecture of the images and the task
// definitions: arm64, about 20% cheaper per vCPU-hour on Fargate.
// Source: https://aws.amazon.com/fargate/pricing/
const Architecture = "ARM64"

// The variables.
const (
	// EnvPort overrides Port (tests).
	EnvPort = "PORT"
	// EnvLogLevel is debug, info, warn or error (default info).
	EnvLogLevel = "LOG_LEVEL"
	// EnvInternalURL is where the frontend reaches the internal load
	// balancer (https://<private zone>).
	EnvInternalURL = "INTERNAL_URL"
	// EnvDBHost, EnvDBPort and EnvDBName locate the writer.
	EnvDBHost = "DB_HOST"
	EnvDBPort = "DB_PORT"
	EnvDBName = "DB_NAME"
	// EnvDBReaderHosts are the replicas (comma-separated), when any.
	EnvDBReaderHosts = "DB_READER_HOSTS"
	// EnvDBUser is the login role the backend connects as with an IAM
	// authentication token (AppRole).
	EnvDBUser = "DB_USER"
	// EnvDBCABundle is the path of the CA bundle the database's
	// certificate is verified against.
	EnvDBCABundle = "DB_CA_BUNDLE"
	// EnvCacheEndpoint is the Memcached configuration endpoint
	// (host:port), reached over TLS.
	EnvCacheEndpoint = "CACHE_ENDPOINT"
	// EnvAWSRegion is the region the IAM token is signed for (Fargate
	// sets it).
	EnvAWSRegion = "AWS_REGION"
	// EnvSessionSigningKey signs the backend's pagination cursors (a
	// generated, rotated secret).
	EnvSessionSigningKey = "SESSION_SIGNING_KEY"
	// EnvDBUsername and EnvDBPassword are the master user's credentials,
	// which only the migration reads.
	EnvDBUsername = "DB_USERNAME"
	EnvDBPassword = "DB_PASSWORD"
)

// AppRole is the database login role of the backend: it has rds_iam and
// owns nothing but the rights the migration grants it.
const AppRole = "app"

// CABundlePath is where the images carry the RDS CA bundle (ko's kodata
// directory is served under /var/run/ko).
// Source: https://ko.build/features/static-assets/
const CABundlePath = "/var/run/ko/rds-global-bundle.pem"

// Backend is the notes API behind the internal load balancer (/backend/*).
var Backend = Service{
	Name:        "backend",
	Port:        Port,
	HealthPath:  "/backend/healthz",
	Env:         []string{EnvDBHost, EnvDBPort, EnvDBName, EnvDBUser, EnvDBCABundle, EnvCacheEndpoint},
	OptionalEnv: []string{EnvPort, EnvLogLevel, EnvDBReaderHosts, EnvAWSRegion},
	Secrets:     []string{EnvSessionSigningKey},
}

// Migrate is the backend's one-off migration task (backend migrate): the
// master user's secret, the database's coordinates.
var Migrate = Service{
	Name:        "backend-migrate",
	Env:         []string{EnvDBHost, EnvDBPort, EnvDBName, EnvDBCABundle},
	OptionalEnv: []string{EnvLogLevel},
	Secrets:     []string{EnvDBUsername, EnvDBPassword},
}

// Frontend is the public API in front of the backend (/api/*).
var Frontend = Service{
	Name:        "frontend",
	Port:        Port,
	HealthPath:  "/api/healthz",
	Env:         []string{EnvInternalURL},
	OptionalEnv: []string{EnvPort, EnvLogLevel},
}

// The messages of the backend's probe (`backend probe`), one JSON line
// each, which cmd/failover-drill reads from CloudWatch Logs.
const (
	// ProbeAttempt is one connection attempt to the writer: "ok", "start"
	// (when it began, RFC 3339), and "latency_ms" or "error".
	ProbeAttempt = "probe attempt"
	// ProbeDone is the probe's last line: "recovered"; when true,
	// "first_failure", "recovered_at" and "outage_ms"; when false,
	// "reason".
	ProbeDone = "probe done"
)

// ProbeLine is one JSON line of the probe, as cmd/failover-drill and the
// tests read it: an attempt (ProbeAttempt) or the last line (ProbeDone).
type ProbeLine struct {
	// Msg is ProbeAttempt or ProbeDone (or another message, ignored).
	Msg string `json:"msg"`
	// OK is an attempt's outcome; Start when it began; Error why it failed.
	OK    *bool     `json:"ok"`
	Start time.Time `json:"start"`
	Error string    `json:"error"`
	// Recovered is the last line's verdict; Reason says why not.
	Recovered *bool  `json:"recovered"`
	Reason    string `json:"reason"`
	// FirstFailure, RecoveredAt and OutageMS measure the outage: from the
	// first failed attempt to the first of the answers in a row.
	FirstFailure time.Time `json:"first_failure"`
	RecoveredAt  time.Time `json:"recovered_at"`
	OutageMS     *int64    `json:"outage_ms"`
}
