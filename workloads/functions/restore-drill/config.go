package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/refarch/refarch/workloads/functions/internal/lambdaenv"
)

// Environment variables the deploying code sets.
const (
	// envPlan is the restore testing plan's name. Required.
	envPlan = "RESTORE_TESTING_PLAN"
	// envNamespace is the CloudWatch namespace of the metrics. Required.
	envNamespace = "METRIC_NAMESPACE"
	// envSecret is the database's master secret (AWS's JSON structure for
	// RDS: username, password). Required.
	envSecret = "DB_SECRET_ARN"
	// envDatabase is the database the migration creates its objects in.
	// Required.
	envDatabase = "DB_NAME"
	// envKey is the database's KMS key, which a restored copy must keep.
	// Required.
	envKey = "DB_KEY_ARN"
	// envCABundle is the https URL of the CA bundle RDS's certificates
	// chain to. Optional: AWS's global bundle.
	envCABundle = "RDS_CA_BUNDLE_URL"
)

// defaultCABundle is the bundle of every RDS certificate authority of
// every commercial region.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.CertificatesAllRegions
const defaultCABundle = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"

// planPattern is AWS's rule for a restore testing plan's name.
// Source: https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreTestingPlanForCreate.html
var planPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,50}$`)

// settings is the function's configuration, read once per execution
// environment.
type settings struct {
	plan, namespace, secretARN, keyARN, database, caBundleURL string
}

// configFromEnv reads the settings through getenv and reports every
// problem at once, each naming its variable.
func configFromEnv(getenv func(string) string) (settings, error) {
	var problems []error
	s := settings{
		plan:        strings.TrimSpace(getenv(envPlan)),
		namespace:   strings.TrimSpace(getenv(envNamespace)),
		secretARN:   strings.TrimSpace(getenv(envSecret)),
		keyARN:      strings.TrimSpace(getenv(envKey)),
		database:    strings.TrimSpace(getenv(envDatabase)),
		caBundleURL: strings.TrimSpace(getenv(envCABundle)),
	}
	if !planPattern.MatchString(s.plan) {
		problems = append(problems, fmt.Errorf("%s=%q must be a restore testing plan's name: 1-50 letters, digits or underscores", envPlan, s.plan))
	}
	if err := lambdaenv.CheckNamespace(envNamespace, s.namespace, ""); err != nil {
		problems = append(problems, err)
	}
	if !strings.HasPrefix(s.secretARN, "arn:") || !strings.Contains(s.secretARN, ":secretsmanager:") {
		problems = append(problems, fmt.Errorf("%s=%q must be a Secrets Manager secret's ARN", envSecret, s.secretARN))
	}
	if !strings.HasPrefix(s.keyARN, "arn:") || !strings.Contains(s.keyARN, ":kms:") {
		problems = append(problems, fmt.Errorf("%s=%q must be a KMS key's ARN: the key a restored copy must be encrypted with", envKey, s.keyARN))
	}
	if s.database == "" {
		problems = append(problems, fmt.Errorf("%s is required: the database the migration creates its objects in", envDatabase))
	}
	if s.caBundleURL == "" {
		s.caBundleURL = defaultCABundle
	}
	if u, err := url.Parse(s.caBundleURL); err != nil || u.Scheme != "https" || u.Host == "" {
		problems = append(problems, fmt.Errorf("%s=%q must be an https URL: the bundle decides which servers are trusted", envCABundle, s.caBundleURL))
	}
	return s, errors.Join(problems...)
}
