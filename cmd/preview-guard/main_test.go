package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testdata/prod-preview.json is written by hand in the shape of Pulumi's
// PreviewDigest (pkg/display/json.go, v3.274.1): a replaced database, a
// deleted protected key, a deleted retained log group, and what must pass
// (same, update, create, an unprotected security group and target group).
func TestGuardNamesEveryProtectedOrStatefulResourceThePreviewDestroys(t *testing.T) {
	var out, errs bytes.Buffer
	code := run([]string{filepath.Join("testdata", "prod-preview.json")}, nil, &out, &errs)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{
		"delete urn:pulumi:prod::refarch::aws:kms/key:Key::refarch-prod-data (aws:kms/key:Key) is protected",
		"replace urn:pulumi:prod::refarch::refarch:postgres:Postgres$aws:rds/instance:Instance::refarch-prod-db (aws:rds/instance:Instance) holds data; replaced because of [engineVersion]",
	}, strings.Split(strings.TrimSpace(out.String()), "\n"))
	assert.Contains(t, errs.String(), "would destroy 2 resource(s)")
}

func TestGuardPassesAPreviewThatDestroysNothingThatMatters(t *testing.T) {
	preview := `{"steps":[
		{"op":"delete","urn":"urn:pulumi:dev::refarch::aws:ec2/securityGroup:SecurityGroup::old","oldState":{"type":"aws:ec2/securityGroup:SecurityGroup"}},
		{"op":"delete","urn":"urn:pulumi:dev::refarch::aws:s3/bucketV2:BucketV2::logs","oldState":{"type":"aws:s3/bucketV2:BucketV2","retainOnDelete":true}},
		{"op":"update","urn":"urn:pulumi:dev::refarch::aws:rds/instance:Instance::db","oldState":{"type":"aws:rds/instance:Instance"},"newState":{"type":"aws:rds/instance:Instance"}}]}`
	var out, errs bytes.Buffer
	assert.Equal(t, 0, run(nil, strings.NewReader(preview), &out, &errs), errs.String())
	assert.Contains(t, out.String(), "3 steps, nothing protected or holding data is replaced or deleted")
}

func TestGuardRefusesWhatIsNotAPreview(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "preview.json")
	require.NoError(t, os.WriteFile(bad, []byte("Previewing update (prod):\n"), 0o600))
	var out, errs bytes.Buffer
	assert.Equal(t, 2, run([]string{bad}, nil, &out, &errs))
	assert.Contains(t, errs.String(), "is not the JSON of `pulumi preview --json`")
	assert.Equal(t, 2, run([]string{filepath.Join(dir, "missing.json")}, nil, &out, &errs))
	assert.Equal(t, 2, run([]string{"a", "b"}, nil, &out, &errs))
}

// TestHelpPrintsTheUsage: -h is a request for the usage (which the docs'
// checker reads), not a file to open.
func TestHelpPrintsTheUsage(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var out, errs bytes.Buffer
		assert.Equal(t, 0, run([]string{arg}, nil, &out, &errs), arg)
		assert.Contains(t, errs.String(), "usage: preview-guard [preview.json]", arg)
		assert.Empty(t, out.String(), arg)
	}
}
