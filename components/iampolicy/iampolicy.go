// Package iampolicy builds IAM policy documents (identity, trust, bucket and
// key policies) as Go values and renders them to the JSON AWS expects.
//
// Building policies as values rather than strings keeps them reviewable,
// lets tests parse and check them, and lets a statement hold values known
// only at deploy time through JSON (inside pulumi.All(...).ApplyT).
package iampolicy

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Version is the current IAM policy language version.
const Version = "2012-10-17"

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	ID        string      `json:"Id,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a Document. Action, Resource and the
// principal values are lists; AWS accepts lists everywhere a single value is
// allowed, which keeps the rendering uniform.
type Statement struct {
	Sid          string     `json:"Sid,omitempty"`
	Effect       string     `json:"Effect"`
	Principal    Principal  `json:"Principal,omitempty"`
	NotPrincipal Principal  `json:"NotPrincipal,omitempty"`
	Action       []string   `json:"Action,omitempty"`
	NotAction    []string   `json:"NotAction,omitempty"`
	Resource     []string   `json:"Resource,omitempty"`
	NotResource  []string   `json:"NotResource,omitempty"`
	Condition    Conditions `json:"Condition,omitempty"`
}

// Principal maps a principal type ("AWS", "Service", "Federated") to its
// identifiers.
type Principal map[string][]string

// Conditions maps a condition operator ("StringEquals", "Bool") to the keys
// it tests and their allowed values.
type Conditions map[string]map[string][]string

// Effects.
const (
	Allow = "Allow"
	Deny  = "Deny"
)

// New returns a document of the current version holding statements.
func New(statements ...Statement) Document {
	return Document{Version: Version, Statement: statements}
}

// JSON renders the document.
func (d Document) JSON() (string, error) {
	if len(d.Statement) == 0 {
		return "", fmt.Errorf("policy document has no statement")
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("rendering policy document: %w", err)
	}
	return string(b), nil
}

// StringOutput renders a document built from deploy-time values: build is
// called with the resolved values of inputs, in order.
func StringOutput(inputs []pulumi.Input, build func(values []any) (Document, error)) pulumi.StringOutput {
	all := make([]any, len(inputs))
	for i, in := range inputs {
		all[i] = in
	}
	return pulumi.All(all...).ApplyT(func(values []any) (string, error) {
		doc, err := build(values)
		if err != nil {
			return "", err
		}
		return doc.JSON()
	}).(pulumi.StringOutput)
}

// ARN builds an ARN from its parts; region and account are empty for the
// services whose ARNs have none (IAM has no region, S3 neither).
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
func ARN(partition, service, region, account, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", partition, service, region, account, resource)
}

// RootARN is the ARN of an account's root principal, which in a policy
// stands for every principal of the account that its own IAM allows.
func RootARN(partition, account string) string {
	return ARN(partition, "iam", "", account, "root")
}

// RoleARN is the ARN of the IAM role name (without a path) in account.
func RoleARN(partition, account, name string) string {
	return ARN(partition, "iam", "", account, "role/"+name)
}

// ManagedPolicyARN is the ARN of the AWS managed policy name.
func ManagedPolicyARN(partition, name string) string {
	return ARN(partition, "iam", "", "aws", "policy/"+name)
}

// LogGroupARN is the ARN of a CloudWatch Logs group (a pattern when group
// holds a wildcard), without the ":*" suffix of its streams.
func LogGroupARN(partition, region, account, group string) string {
	return ARN(partition, "logs", region, account, "log-group:"+group)
}

// BucketARN is the ARN of an S3 bucket.
func BucketARN(partition, bucket string) string {
	return ARN(partition, "s3", "", "", bucket)
}
