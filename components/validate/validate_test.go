package validate_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
)

func TestParseCIDR(t *testing.T) {
	cases := map[string]string{
		"10.0.0.0/16":  "",
		"10.0.0.1/16":  "host bits set: write the network address 10.0.0.0/16",
		"10.0.0.0":     "IPv4 CIDR",
		"fd00::/8":     "IPv6",
		"300.0.0.0/16": "IPv4 CIDR",
	}
	_, rule := validate.ParseCIDR("  10.0.0.0/16\t")
	assert.Empty(t, rule, "surrounding blanks are tolerated")
	for in, want := range cases {
		_, rule := validate.ParseCIDR(in)
		if want == "" {
			assert.Empty(t, rule, in)
		} else {
			assert.Contains(t, rule, want, in)
		}
	}
}

func TestCheckPrivateCIDRAndLength(t *testing.T) {
	for cidr, private := range map[string]bool{
		"10.0.0.0/16": true, "172.16.0.0/12": true, "172.31.0.0/16": true, "192.168.10.0/24": true,
		"172.32.0.0/16": false, "8.8.8.0/24": false, "10.0.0.0/7": false,
	} {
		p, rule := validate.ParseCIDR(cidr)
		require.Empty(t, rule)
		assert.Equal(t, private, validate.CheckPrivateCIDR(p) == "", cidr)
	}
	p, _ := validate.ParseCIDR("10.0.0.0/25")
	assert.Contains(t, validate.CheckPrefixLength(p, 16, 24), "/16 and /24")
	p, _ = validate.ParseCIDR("10.0.0.0/24")
	assert.Empty(t, validate.CheckPrefixLength(p, 16, 24))
}

func TestSimpleChecks(t *testing.T) {
	assert.Empty(t, validate.CheckAccountID("012345678901"))
	assert.NotEmpty(t, validate.CheckAccountID("01234567890"))
	assert.NotEmpty(t, validate.CheckAccountID("01234567890a"))
	assert.Empty(t, validate.CheckEmail("ops@example.com"))
	assert.NotEmpty(t, validate.CheckEmail("Ops <ops@example.com>"))
	assert.NotEmpty(t, validate.CheckEmail("ops@localhost"))
	assert.Empty(t, validate.CheckLogRetention(365))
	assert.NotEmpty(t, validate.CheckLogRetention(0), "never-expiring logs are refused")
	assert.NotEmpty(t, validate.CheckLogRetention(366))
	assert.Empty(t, validate.CheckDomainName("prod.example.com"))
	for _, bad := range []string{"example", "Example.com", "ex_ample.com", "-a.com", "a..com", "example.com."} {
		assert.NotEmpty(t, validate.CheckDomainName(bad), bad)
	}
	assert.Empty(t, validate.CheckAZCount(3, "us-west-2"))
	assert.Contains(t, validate.CheckAZCount(3, "us-west-1"), "2 availability zones")
	assert.NotEmpty(t, validate.CheckAZCount(1, "us-east-1"))
	assert.NotEmpty(t, validate.CheckRegion("us-west-9"))
	assert.Equal(t, "aws-us-gov", validate.Partition("us-gov-west-1"))
	assert.Equal(t, "aws", validate.Partition("eu-west-1"))
	assert.Contains(t, validate.CheckMaxLength("abcd", 3, "an ALB name"), "an ALB name allows at most 3")
}

func TestProblemsReportEverythingSortedByField(t *testing.T) {
	var ps validate.Problems
	assert.NoError(t, ps.Err("nothing"))
	ps.Add("b", "2", "must be odd")
	ps.Check("c", "x", "")
	ps.Addf("a", "1", "must exceed %d", 5)
	err := ps.Err(`stack "prod" configuration`)
	require.Error(t, err)
	assert.Equal(t, "invalid stack \"prod\" configuration (2 problems):\n  - a = \"1\": must exceed 5\n  - b = \"2\": must be odd", err.Error())

	var merged validate.Problems
	merged.Merge("args", fmt.Errorf("wrapped: %w", err))
	merged.Merge("other", errors.New("plain failure"))
	merged.Merge("none", nil)
	require.Len(t, merged, 3)
	assert.Equal(t, "other", merged[2].Field)
	var verr *validate.Error
	require.ErrorAs(t, merged.Err("x"), &verr)
	assert.True(t, verr.Has("a"))
	assert.False(t, verr.Has("c"))
}

func TestCheckName(t *testing.T) {
	cases := map[string]string{
		"prod":        "",
		"ref-db2":     "",
		"Prod":        "lower-case",
		"2prod":       "starting with a letter",
		"prod-":       "inner hyphens",
		"pr_od":       "lower-case",
		"":            "lower-case",
		"abcdefghijk": "at most 10",
	}
	for name, want := range cases {
		got := validate.CheckName(name, 10)
		if want == "" {
			assert.Empty(t, got, name)
		} else {
			assert.Contains(t, got, want, name)
		}
	}
}

type fakeArgs struct{ err error }

func (f *fakeArgs) Validate() error { return f.err }

func TestComponentReportsNameArgsAndMoreAtOnce(t *testing.T) {
	var argProblems validate.Problems
	argProblems.Add("Args.Port", "1", "must be at least 1024")
	err := validate.Component("thing arguments", "Bad", validate.CheckName("Bad", 10),
		&fakeArgs{err: argProblems.Err("thing arguments")},
		validate.Problem{Field: "Args.Services[0].Name", Value: "x", Rule: "too long with the name"})
	var verr *validate.Error
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "thing arguments", verr.Subject)
	assert.Equal(t, []string{"Args.Port", "Args.Services[0].Name", "name"}, []string{verr.Problems[0].Field, verr.Problems[1].Field, verr.Problems[2].Field})
	assert.NoError(t, validate.Component("thing arguments", "good", "", &fakeArgs{}))
}

func TestCheckBucketName(t *testing.T) {
	for name, rule := range map[string]string{
		"refarch-prod-static":   "",
		"ab":                    "3-63",
		strings.Repeat("a", 64): "3-63",
		"-assets":               "begin and end",
		"assets-":               "begin and end",
		"assets_1":              "lower-case",
		"192.168.1.1":           "IP address",
		"xn--assets":            "S3 reserves",
		"assets-s3alias":        "S3 reserves",
		"a.b.c":                 "dots",
	} {
		got := validate.CheckBucketName(name)
		if rule == "" {
			assert.Empty(t, got, name)
		} else {
			assert.Contains(t, got, rule, name)
		}
	}
}
