package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Environment variables the deploying code sets.
const (
	// envSecretARN names the secret holding the webhook URL. Required.
	envSecretARN = "WEBHOOK_SECRET_ARN"
	// envHTTPTimeout is the webhook call's timeout in seconds. Optional.
	envHTTPTimeout = "HTTP_TIMEOUT_SECONDS"
)

// Bounds of HTTP_TIMEOUT_SECONDS: the function's own timeout must leave
// room for the secret read and the call.
const (
	defaultHTTPTimeoutSeconds = 5
	minHTTPTimeoutSeconds     = 1
	maxHTTPTimeoutSeconds     = 30
)

// settings is the function's configuration, read once per execution
// environment.
type settings struct {
	// secretARN is the ARN of the secret whose SecretString is the webhook
	// URL.
	secretARN string
	// httpTimeout bounds one webhook call, connection to response.
	httpTimeout time.Duration
}

// configFromEnv reads the settings through getenv (os.Getenv in Lambda) and
// reports every problem at once, each naming its variable.
func configFromEnv(getenv func(string) string) (settings, error) {
	var problems []error
	s := settings{httpTimeout: defaultHTTPTimeoutSeconds * time.Second}

	s.secretARN = strings.TrimSpace(getenv(envSecretARN))
	switch {
	case s.secretARN == "":
		problems = append(problems, fmt.Errorf("%s is required: the ARN of the secret holding the webhook URL", envSecretARN))
	case !isSecretARN(s.secretARN):
		problems = append(problems, fmt.Errorf("%s=%q is not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)", envSecretARN, s.secretARN))
	}

	if raw := strings.TrimSpace(getenv(envHTTPTimeout)); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < minHTTPTimeoutSeconds || n > maxHTTPTimeoutSeconds {
			problems = append(problems, fmt.Errorf("%s=%q must be a whole number of seconds from %d to %d", envHTTPTimeout, raw, minHTTPTimeoutSeconds, maxHTTPTimeoutSeconds))
		} else {
			s.httpTimeout = time.Duration(n) * time.Second
		}
	}

	if len(problems) > 0 {
		return settings{}, fmt.Errorf("alert-notifier configuration: %w", errors.Join(problems...))
	}
	return s, nil
}

// isSecretARN reports whether s has the shape of a secret's ARN.
// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html#awssecretsmanager-resources-for-iam-policies
func isSecretARN(s string) bool {
	parts := strings.SplitN(s, ":", 7)
	return len(parts) == 7 && parts[0] == "arn" && parts[1] != "" &&
		parts[2] == "secretsmanager" && parts[3] != "" && parts[4] != "" &&
		parts[5] == "secret" && parts[6] != ""
}
