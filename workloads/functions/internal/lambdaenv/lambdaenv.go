// Package lambdaenv holds what every function's main does the same way:
// its JSON logger and the AWS SDK configuration of the execution
// environment (region and role credentials from Lambda's variables).
package lambdaenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Logger logs JSON to stderr, which Lambda sends to the function's log
// group.
// Source: https://docs.aws.amazon.com/lambda/latest/dg/golang-logging.html
func Logger() *slog.Logger { return slog.New(slog.NewJSONHandler(os.Stderr, nil)) }

// AWSConfig loads the SDK configuration from the execution environment.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return cfg, nil
}

// namespacePattern is what CloudWatch accepts as a namespace: up to 255 of
// letters, digits and . - _ / # : and space, not starting with a colon.
// Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Namespace,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
var namespacePattern = regexp.MustCompile(`^[0-9A-Za-z._/#\- ][0-9A-Za-z._/#:\- ]{0,254}$`)

// CheckNamespace returns the problem of the CloudWatch namespace value of
// environment variable env (required; not AWS/, which AWS reserves), or
// nil. example is shown when the variable is unset.
func CheckNamespace(env, value, example string) error {
	switch {
	case value == "":
		return fmt.Errorf("%s is required: the CloudWatch namespace of the metrics%s", env, example)
	case strings.HasPrefix(value, "AWS/"):
		return fmt.Errorf("%s=%q: namespaces starting with AWS/ are reserved for AWS services", env, value)
	case !namespacePattern.MatchString(value):
		return fmt.Errorf("%s=%q must be 1-255 letters, digits and . - _ / # : or spaces, not starting with a colon", env, value)
	}
	return nil
}
