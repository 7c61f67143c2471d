package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"

	"github.com/refarch/refarch/workloads/apps/contract"
)

// TokenSource gives the password of a new database connection. In the
// deployment it is an IAM database authentication token; tests give the
// test role's password instead, through the same BeforeConnect hook.
type TokenSource interface {
	// Token returns a password valid for a connection made now.
	Token(ctx context.Context) (string, error)
}

// iamTokens makes IAM database authentication tokens for one endpoint and
// user. A token is a SigV4-presigned request made locally (no call to AWS
// but for the credentials, which the SDK caches); RDS accepts it for 15
// minutes, and only when the connection is made, so an open connection
// outlives it.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.Connecting.Go.html
type iamTokens struct {
	// endpoint is host:port of the instance the connection is made to.
	endpoint string
	// region is the instance's region, which the token is signed for.
	region string
	// user is the database role, which must have rds_iam.
	user string
	// creds are the task role's credentials.
	creds aws.CredentialsProvider
}

// Token builds a fresh token.
func (t iamTokens) Token(ctx context.Context) (string, error) {
	tok, err := auth.BuildAuthToken(ctx, t.endpoint, t.region, t.user, t.creds)
	if err != nil {
		return "", fmt.Errorf("building the IAM authentication token for %s: %w", t.endpoint, err)
	}
	return tok, nil
}

// iamTokenSources returns a function making the IAM token source of an
// endpoint, with the credentials of the default chain (on Fargate, the
// task role through the container credentials endpoint). region is
// contract.EnvAWSRegion's value; when empty, the SDK's own region is used,
// and its absence is an error naming the variable.
// Source: https://docs.aws.amazon.com/sdk-for-go/v2/developer-guide/configure-gosdk.html
func iamTokenSources(ctx context.Context, region, user string) (func(endpoint string) TokenSource, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration for IAM database authentication: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%s is required for IAM database authentication", contract.EnvAWSRegion)
	}
	return func(endpoint string) TokenSource {
		return iamTokens{endpoint: endpoint, region: cfg.Region, user: user, creds: cfg.Credentials}
	}, nil
}
