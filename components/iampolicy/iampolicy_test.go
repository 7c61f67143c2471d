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
