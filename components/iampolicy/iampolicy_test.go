package iampolicy_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/iampolicy"
)

func TestJSONRendersWhatIAMExpects(t *testing.T) {
	doc, err := iampolicy.New(iampolicy.Statement{
		Sid:       "Trust",
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN("aws-us-gov", "123456789012")}},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}},
	}).JSON()
	require.NoError(t, err)
	var parsed map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &parsed))
	assert.Equal(t, "2012-10-17", parsed["Version"])
	stmt := parsed["Statement"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"AWS": []any{"arn:aws-us-gov:iam::123456789012:root"}}, stmt["Principal"])
	assert.NotContains(t, stmt, "NotPrincipal", "empty fields are left out")
	assert.NotContains(t, stmt, "Resource")
	assert.Equal(t, map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": []any{"true"}}}, stmt["Condition"])
}

func TestJSONRefusesAnEmptyDocument(t *testing.T) {
	_, err := iampolicy.New().JSON()
	require.Error(t, err)
}

func TestARNs(t *testing.T) {
	cases := map[string]struct{ got, want string }{
		"root":           {iampolicy.RootARN("aws", "123456789012"), "arn:aws:iam::123456789012:root"},
		"role":           {iampolicy.RoleARN("aws-us-gov", "123456789012", "refarch-deploy"), "arn:aws-us-gov:iam::123456789012:role/refarch-deploy"},
		"managed policy": {iampolicy.ManagedPolicyARN("aws", "ReadOnlyAccess"), "arn:aws:iam::aws:policy/ReadOnlyAccess"},
		"log groups":     {iampolicy.LogGroupARN("aws", "eu-west-1", "123456789012", "*"), "arn:aws:logs:eu-west-1:123456789012:log-group:*"},
		"bucket":         {iampolicy.BucketARN("aws-cn", "audit"), "arn:aws-cn:s3:::audit"},
	}
	for name, tc := range cases {
		assert.Equal(t, tc.want, tc.got, name)
	}
}
