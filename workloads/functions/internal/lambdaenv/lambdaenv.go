// Package lambdaenv holds what every function's main does the same way:
// its JSON logger and the AWS SDK configuration of the execution
// environment (region and role credentials from Lambda's variables).
package lambdaenv

import (
	"context"
	"fmt"
	"log/slog"
	"os"

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
