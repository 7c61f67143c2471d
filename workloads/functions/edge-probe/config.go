package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// Environment variables the deploying code sets.
const (
	// envURLs lists the URLs to probe. Required.
	envURLs = "PROBE_URLS"
	// envNamespace is the CloudWatch namespace of the metrics. Required.
	envNamespace = "METRIC_NAMESPACE"
	// envTimeout bounds each probe, in seconds. Optional.
	envTimeout = "PROBE_TIMEOUT_SECONDS"
)

// Limits of the configuration.
const (
	// maxURLs keeps one run well inside a one-minute schedule and one
	// PutMetricData call (two datapoints per URL).
	maxURLs = 10
	// maxDimensionValue is the longest dimension value CloudWatch accepts
	// (the URL is the Endpoint dimension).
	// Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Dimension.html
	maxDimensionValue = 1024

	defaultTimeoutSeconds = 5
	minTimeoutSeconds     = 1
	maxTimeoutSeconds     = 30
)

// settings is the function's configuration, read once per execution
// environment.
type settings struct {
	// urls are the probed URLs, in the order given.
	urls []string
	// namespace is the CloudWatch namespace of the metrics.
	namespace string
	// timeout bounds one probe, connection to response headers.
	timeout time.Duration
}

// configFromEnv reads the settings through getenv (os.Getenv in Lambda) and
// reports every problem at once, each naming its variable.
func configFromEnv(getenv func(string) string) (settings, error) {
	var problems []error
	s := settings{timeout: defaultTimeoutSeconds * time.Second}

	urls, err := parseURLs(getenv(envURLs))
	if err != nil {
		problems = append(problems, err)
	}
	s.urls = urls

	s.namespace = strings.TrimSpace(getenv(envNamespace))
	if err := lambdaenv.CheckNamespace(envNamespace, s.namespace, ", e.g. refarch/EdgeProbe"); err != nil {
		problems = append(problems, err)
	}

	if raw := strings.TrimSpace(getenv(envTimeout)); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < minTimeoutSeconds || n > maxTimeoutSeconds {
			problems = append(problems, fmt.Errorf("%s=%q must be a whole number of seconds from %d to %d", envTimeout, raw, minTimeoutSeconds, maxTimeoutSeconds))
		} else {
			s.timeout = time.Duration(n) * time.Second
		}
	}

	if len(problems) > 0 {
		return settings{}, fmt.Errorf("edge-probe configuration: %w", errors.Join(problems...))
	}
	return s, nil
}

// parseURLs splits PROBE_URLS and checks each entry: an absolute https URL
// with a host, printable ASCII (a CloudWatch dimension value), not repeated.
func parseURLs(raw string) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%s is required: 1 to %d comma-separated https URLs", envURLs, maxURLs)
	}
	entries := strings.Split(raw, ",")
	if len(entries) > maxURLs {
		return nil, fmt.Errorf("%s has %d URLs, at most %d", envURLs, len(entries), maxURLs)
	}
	var problems []error
	seen := map[string]bool{}
	urls := make([]string, 0, len(entries))
	for i, entry := range entries {
		entry = strings.TrimSpace(entry)
		if problem := checkURL(entry); problem != "" {
			problems = append(problems, fmt.Errorf("%s entry %d (%q) %s", envURLs, i+1, entry, problem))
			continue
		}
		if seen[entry] {
			problems = append(problems, fmt.Errorf("%s entry %d (%q) is listed twice", envURLs, i+1, entry))
			continue
		}
		seen[entry] = true
		urls = append(urls, entry)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return urls, nil
}

// checkURL returns what is wrong with one probe URL, or "".
func checkURL(s string) string {
	if s == "" {
		return "is empty"
	}
	if len(s) > maxDimensionValue {
		return fmt.Sprintf("is longer than %d characters (CloudWatch's limit for a dimension value)", maxDimensionValue)
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return "must be printable ASCII (CloudWatch dimension values are ASCII): percent-encode other characters"
		}
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "https":
		return "must be an https:// URL"
	case u.Host == "":
		return "has no host"
	}
	return ""
}
