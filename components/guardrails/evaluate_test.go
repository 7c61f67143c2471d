package guardrails_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/guardrails"
	"github.com/refarch/refarch/components/iampolicy"
)

const (
	deployARN = "arn:aws:iam::123456789012:role/refarch-deploy"
	otherARN  = "arn:aws:iam::123456789012:role/admin"
	rootARN   = "arn:aws:iam::123456789012:root"
)

// deny is a Deny statement on every resource with the Sid "S".
func deny(actions []string, cond iampolicy.Conditions) iampolicy.Statement {
	return iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: actions, Resource: []string{"*"}, Condition: cond}
}

func TestDeniesFollowsIAMSemantics(t *testing.T) {
	bucket := "arn:aws:s3:::refarch-audit-trail-111111111111"
	cases := []struct {
		name   string
		stmt   iampolicy.Statement
		req    guardrails.Request
		denied bool
	}{
		// Actions: exact, wildcard, case-insensitive service and name.
		{"action matches", deny([]string{"s3:PutBucketPolicy"}, nil), guardrails.Request{Action: "s3:PutBucketPolicy"}, true},
		{"action differs", deny([]string{"s3:PutBucketPolicy"}, nil), guardrails.Request{Action: "s3:GetBucketPolicy"}, false},
		{"action case-insensitive", deny([]string{"S3:putbucketpolicy"}, nil), guardrails.Request{Action: "s3:PutBucketPolicy"}, true},
		{"action wildcard *", deny([]string{"s3:Put*"}, nil), guardrails.Request{Action: "s3:PutBucketPolicy"}, true},
		{"action wildcard ?", deny([]string{"s3:PutBucket?olicy"}, nil), guardrails.Request{Action: "s3:PutBucketPolicy"}, true},
		{"action wildcard stays in its service", deny([]string{"s3:*"}, nil), guardrails.Request{Action: "s3control:PutBucketPolicy"}, false},
		{"action * is every action", deny([]string{"*"}, nil), guardrails.Request{Action: "ec2:RunInstances"}, true},
		{"action wildcard no match", deny([]string{"s3:Get*"}, nil), guardrails.Request{Action: "s3:PutObject"}, false},
		// NotAction: everything but the list.
		{"notaction listed", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, NotAction: []string{"iam:*", "sts:*"}, Resource: []string{"*"}},
			guardrails.Request{Action: "IAM:CreateRole"}, false},
		{"notaction unlisted", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, NotAction: []string{"iam:*", "sts:*"}, Resource: []string{"*"}},
			guardrails.Request{Action: "ec2:RunInstances"}, true},
		// Resource and NotResource.
		{"resource matches", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"s3:*"}, Resource: []string{"arn:aws:s3:::refarch-audit-*"}},
			guardrails.Request{Action: "s3:DeleteBucket", Resource: bucket}, true},
		{"resource differs", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"s3:*"}, Resource: []string{"arn:aws:s3:::refarch-audit-*"}},
			guardrails.Request{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::refarch-app-logs"}, false},
		{"resource case-sensitive", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"s3:*"}, Resource: []string{"arn:aws:s3:::REFARCH-audit-*"}},
			guardrails.Request{Action: "s3:DeleteBucket", Resource: bucket}, false},
		{"resource unknown might match", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"s3:*"}, Resource: []string{"arn:aws:s3:::refarch-audit-*"}},
			guardrails.Request{Action: "s3:DeleteBucket"}, true},
		{"notresource listed", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"s3:*"}, NotResource: []string{"arn:aws:s3:::refarch-audit-*"}},
			guardrails.Request{Action: "s3:DeleteBucket", Resource: bucket}, false},
		{"notresource unlisted", iampolicy.Statement{Sid: "S", Effect: iampolicy.Deny, Action: []string{"s3:*"}, NotResource: []string{"arn:aws:s3:::refarch-audit-*"}},
			guardrails.Request{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::other"}, true},
		// StringEquals / StringNotEquals: any of the values, exact and case-sensitive.
		{"StringEquals one of", deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"aws:RequestedRegion": {"eu-west-1", "us-west-2"}}}),
			guardrails.Request{Action: "ec2:RunInstances", Region: "us-west-2"}, true},
		{"StringEquals none", deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"aws:RequestedRegion": {"eu-west-1"}}}),
			guardrails.Request{Action: "ec2:RunInstances", Region: "us-west-2"}, false},
		{"StringEquals case-sensitive", deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"aws:RequestedRegion": {"US-WEST-2"}}}),
			guardrails.Request{Action: "ec2:RunInstances", Region: "us-west-2"}, false},
		{"StringEquals absent key is false", deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"aws:RequestedRegion": {"us-west-2"}}}),
			guardrails.Request{Action: "ec2:RunInstances"}, false},
		{"StringNotEquals outside list", deny([]string{"*"}, iampolicy.Conditions{"StringNotEquals": {"aws:RequestedRegion": {"us-west-2", "us-east-1"}}}),
			guardrails.Request{Action: "ec2:RunInstances", Region: "eu-west-1"}, true},
		{"StringNotEquals in list", deny([]string{"*"}, iampolicy.Conditions{"StringNotEquals": {"aws:RequestedRegion": {"us-west-2", "us-east-1"}}}),
			guardrails.Request{Action: "ec2:RunInstances", Region: "us-east-1"}, false},
		{"StringNotEquals absent key is true", deny([]string{"*"}, iampolicy.Conditions{"StringNotEquals": {"aws:RequestedRegion": {"us-west-2"}}}),
			guardrails.Request{Action: "ec2:RunInstances"}, true},
		// StringLike / StringNotLike: wildcards.
		{"StringLike matches", deny([]string{"*"}, iampolicy.Conditions{"StringLike": {"aws:PrincipalArn": {"arn:aws:iam::*:root"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: rootARN}, true},
		{"StringLike differs", deny([]string{"*"}, iampolicy.Conditions{"StringLike": {"aws:PrincipalArn": {"arn:aws:iam::*:root"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN}, false},
		{"StringLike absent key is false", deny([]string{"*"}, iampolicy.Conditions{"StringLike": {"aws:PrincipalArn": {"*"}}}),
			guardrails.Request{Action: "ec2:RunInstances"}, false},
		{"StringNotLike differs", deny([]string{"*"}, iampolicy.Conditions{"StringNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-*"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: otherARN}, true},
		{"StringNotLike matches", deny([]string{"*"}, iampolicy.Conditions{"StringNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-*"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN}, false},
		{"StringNotLike absent key is true", deny([]string{"*"}, iampolicy.Conditions{"StringNotLike": {"aws:PrincipalArn": {"*"}}}),
			guardrails.Request{Action: "ec2:RunInstances"}, true},
		// ArnLike / ArnNotLike / ArnEquals / ArnNotEquals: component by component.
		{"ArnLike matches", deny([]string{"*"}, iampolicy.Conditions{"ArnLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN}, true},
		{"ArnLike differs", deny([]string{"*"}, iampolicy.Conditions{"ArnLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: otherARN}, false},
		{"ArnLike wildcard stays in its component", deny([]string{"*"}, iampolicy.Conditions{"ArnLike": {"aws:PrincipalArn": {"arn:aws:iam::*:root"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: "arn:aws:iam::123456789012:extra:root"}, false},
		{"ArnLike not an ARN", deny([]string{"*"}, iampolicy.Conditions{"ArnLike": {"aws:PrincipalArn": {"arn:aws:iam::*:*"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: "not-an-arn"}, false},
		{"ArnLike absent key is false", deny([]string{"*"}, iampolicy.Conditions{"ArnLike": {"aws:PrincipalArn": {"arn:aws:iam::*:*"}}}),
			guardrails.Request{Action: "ec2:RunInstances"}, false},
		{"ArnNotLike other role", deny([]string{"*"}, iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: otherARN}, true},
		{"ArnNotLike exempt role", deny([]string{"*"}, iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN}, false},
		{"ArnNotLike absent key is true", deny([]string{"*"}, iampolicy.Conditions{"ArnNotLike": {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}}}),
			guardrails.Request{Action: "ec2:RunInstances"}, true},
		{"ArnEquals matches", deny([]string{"*"}, iampolicy.Conditions{"ArnEquals": {"aws:PrincipalArn": {deployARN}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN}, true},
		{"ArnEquals differs", deny([]string{"*"}, iampolicy.Conditions{"ArnEquals": {"aws:PrincipalArn": {deployARN}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: otherARN}, false},
		{"ArnNotEquals differs", deny([]string{"*"}, iampolicy.Conditions{"ArnNotEquals": {"aws:PrincipalArn": {deployARN}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: otherARN}, true},
		{"ArnNotEquals matches", deny([]string{"*"}, iampolicy.Conditions{"ArnNotEquals": {"aws:PrincipalArn": {deployARN}}}),
			guardrails.Request{Action: "ec2:RunInstances", PrincipalARN: deployARN}, false},
		// Keys are compared without regard to case; every condition must hold.
		{"key name case-insensitive", deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"AWS:requestedregion": {"us-west-2"}}}),
			guardrails.Request{Action: "ec2:RunInstances", Region: "us-west-2"}, true},
		{"all conditions hold", deny([]string{"*"}, iampolicy.Conditions{
			"StringNotEquals": {"aws:RequestedRegion": {"us-west-2"}},
			"ArnNotLike":      {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}},
		}), guardrails.Request{Action: "ec2:RunInstances", Region: "eu-west-1", PrincipalARN: otherARN}, true},
		{"one condition fails", deny([]string{"*"}, iampolicy.Conditions{
			"StringNotEquals": {"aws:RequestedRegion": {"us-west-2"}},
			"ArnNotLike":      {"aws:PrincipalArn": {"arn:aws:iam::*:role/refarch-deploy"}},
		}), guardrails.Request{Action: "ec2:RunInstances", Region: "eu-west-1", PrincipalARN: deployARN}, false},
		// Allow never denies.
		{"allow does not deny", iampolicy.Statement{Sid: "S", Effect: iampolicy.Allow, Action: []string{"*"}, Resource: []string{"*"}},
			guardrails.Request{Action: "ec2:RunInstances"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sid, denied, err := guardrails.Denies(iampolicy.New(tc.stmt), tc.req)
			require.NoError(t, err)
			assert.Equal(t, tc.denied, denied)
			if tc.denied {
				assert.Equal(t, "S", sid)
			} else {
				assert.Empty(t, sid)
			}
		})
	}
}

func TestDeniesNamesTheFirstDenyingStatement(t *testing.T) {
	doc := iampolicy.New(
		iampolicy.Statement{Sid: "A", Effect: iampolicy.Deny, Action: []string{"s3:Get*"}, Resource: []string{"*"}},
		iampolicy.Statement{Sid: "B", Effect: iampolicy.Deny, Action: []string{"s3:Put*"}, Resource: []string{"*"}},
		iampolicy.Statement{Sid: "C", Effect: iampolicy.Deny, Action: []string{"s3:*"}, Resource: []string{"*"}},
	)
	sid, denied, err := guardrails.Denies(doc, guardrails.Request{Action: "s3:PutObject"})
	require.NoError(t, err)
	assert.True(t, denied)
	assert.Equal(t, "B", sid)
}

func TestDeniesRefusesWhatItCannotEvaluate(t *testing.T) {
	cases := map[string]iampolicy.Statement{
		"unknown operator":      deny([]string{"*"}, iampolicy.Conditions{"StringEqualsIgnoreCase": {"aws:RequestedRegion": {"us-west-2"}}}),
		"IfExists operator":     deny([]string{"*"}, iampolicy.Conditions{"StringNotEqualsIfExists": {"aws:RequestedRegion": {"us-west-2"}}}),
		"set operator":          deny([]string{"*"}, iampolicy.Conditions{"ForAnyValue:StringLike": {"aws:PrincipalArn": {"*"}}}),
		"Bool operator":         deny([]string{"*"}, iampolicy.Conditions{"Bool": {"aws:PrincipalIsAWSService": {"false"}}}),
		"unknown key":           deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"aws:PrincipalOrgID": {"o-abc"}}}),
		"key without value":     deny([]string{"*"}, iampolicy.Conditions{"StringEquals": {"aws:RequestedRegion": {}}}),
		"ARN pattern too short": deny([]string{"*"}, iampolicy.Conditions{"ArnLike": {"aws:PrincipalArn": {"arn:aws:*"}}}),
		"principal": {Sid: "S", Effect: iampolicy.Deny, Principal: iampolicy.Principal{"AWS": {"*"}},
			Action: []string{"*"}, Resource: []string{"*"}},
		"no action":              {Sid: "S", Effect: iampolicy.Deny, Resource: []string{"*"}},
		"action and notaction":   {Sid: "S", Effect: iampolicy.Deny, Action: []string{"*"}, NotAction: []string{"iam:*"}, Resource: []string{"*"}},
		"no resource":            {Sid: "S", Effect: iampolicy.Deny, Action: []string{"*"}},
		"effect misspelled":      {Sid: "S", Effect: "deny", Action: []string{"*"}, Resource: []string{"*"}},
		"action without service": {Sid: "S", Effect: iampolicy.Deny, Action: []string{"PutObject"}, Resource: []string{"*"}},
	}
	for name, st := range cases {
		t.Run(name, func(t *testing.T) {
			// Also when an earlier statement already denies: a broken
			// statement is an error wherever it is.
			doc := iampolicy.New(deny([]string{"*"}, nil), st)
			_, denied, err := guardrails.Denies(doc, guardrails.Request{Action: "ec2:RunInstances", Region: "us-west-2", PrincipalARN: otherARN})
			require.Error(t, err)
			assert.False(t, denied)
		})
	}
	_, _, err := guardrails.Denies(iampolicy.New(deny([]string{"*"}, nil)), guardrails.Request{Action: "RunInstances"})
	require.Error(t, err, "a request's action names its service")
}

func TestEvaluateListsEveryDenyingStatement(t *testing.T) {
	policies := []guardrails.Policy{
		{Name: "p1", Document: iampolicy.New(
			iampolicy.Statement{Sid: "A", Effect: iampolicy.Deny, Action: []string{"s3:*"}, Resource: []string{"*"}},
			iampolicy.Statement{Sid: "B", Effect: iampolicy.Deny, Action: []string{"s3:Put*"}, Resource: []string{"*"}},
		)},
		{Name: "p2", Document: iampolicy.New(
			iampolicy.Statement{Sid: "C", Effect: iampolicy.Deny, Action: []string{"ec2:*"}, Resource: []string{"*"}},
		)},
	}
	got, err := guardrails.Evaluate(policies, guardrails.Request{Action: "s3:PutObject"})
	require.NoError(t, err)
	assert.Equal(t, []guardrails.Denial{{Policy: "p1", Sid: "A"}, {Policy: "p1", Sid: "B"}}, got)
	assert.Equal(t, "p1/A", got[0].String())
}
