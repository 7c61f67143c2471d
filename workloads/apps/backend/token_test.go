package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/workloads/apps/contract"
)

func TestIAMToken(t *testing.T) {
	ts := iamTokens{
		endpoint: "db.internal:5432",
		region:   "eu-west-1",
		user:     contract.AppRole,
		creds:    credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret-access-key", ""),
	}
	tok, err := ts.Token(t.Context())
	require.NoError(t, err)
	// A presigned rds-db connect request for the endpoint and the user,
	// without a scheme (it is the password as is).
	require.True(t, strings.HasPrefix(tok, "db.internal:5432?"), tok)
	q, err := url.ParseQuery(strings.SplitN(tok, "?", 2)[1])
	require.NoError(t, err)
	assert.Equal(t, "connect", q.Get("Action"))
	assert.Equal(t, contract.AppRole, q.Get("DBUser"))
	assert.Contains(t, q.Get("X-Amz-Credential"), "/eu-west-1/rds-db/aws4_request")
	assert.Equal(t, "900", q.Get("X-Amz-Expires"))
	assert.NotEmpty(t, q.Get("X-Amz-Signature"))
	assert.NotContains(t, tok, "secret-access-key")
}

func TestIAMTokenSources(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret-access-key")
	tokens, err := iamTokenSources(t.Context(), "us-east-2", contract.AppRole)
	require.NoError(t, err)
	tok, err := tokens("reader.internal:5432").Token(t.Context())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tok, "reader.internal:5432?"))
	assert.Contains(t, tok, "us-east-2")
}
