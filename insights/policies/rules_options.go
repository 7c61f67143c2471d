package policies

import (
	"strings"

	"github.com/refarch/refarch/offline"
)

// Resource option rules: what protects state and keeps every resource in
// the right account. All refarch's own.

// statefulTypes hold what a user stores (as stacks/stack.StatefulTypes;
// tests/policies_test.go checks the two agree).
var statefulTypes = []string{
	"aws:rds/instance:Instance",
	"aws:s3/bucketV2:BucketV2",
	"aws:kms/key:Key",
	"aws:cloudwatch/logGroup:LogGroup",
	"aws:secretsmanager/secret:Secret",
	"aws:route53/zone:Zone",
}

// StatefulTypes returns the resource types the protection rule covers.
func StatefulTypes() []string { return append([]string(nil), statefulTypes...) }

const providerPrefix = "pulumi:providers:"

var optionRules = []*Rule{
	{
		ID: "stateful-resources-protected", Area: ResourceOptions, Severity: Critical,
		Title:        "Every stateful resource (database, bucket, key, log group, secret, zone) is protected or retained on delete",
		Controls:     []string{"refarch"},
		Reason:       "nothing a user stores may be lost by a careless pulumi up (https://www.pulumi.com/docs/iac/concepts/options/protect/)",
		Environments: "dev may be torn down; read replicas hold no data of their own and are exempt",
		SkipIn:       []string{"dev"},
		OfflineOnly: "the analyzer protocol does not carry retainOnDelete " +
			"(AnalyzerResourceOptions in https://github.com/pulumi/pulumi/blob/v3.274.1/proto/pulumi/analyzer.proto); " +
			"cmd/preview-guard refuses a real preview that replaces or deletes a stateful resource",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if r.Type == typeDBInstance && isReplica(r) {
					return ""
				}
				return unless(r.Protect || r.RetainOnDelete, "neither protect nor retainOnDelete")
			}, statefulTypes...)
		},
	},
	{
		ID: "no-force-destroy", Area: ResourceOptions, Severity: High,
		Title:        "Buckets, zones and repositories refuse to be deleted while they hold data",
		Controls:     []string{"refarch"},
		Reason:       "forceDestroy deletes every object or record with the container",
		Environments: "dev may force-destroy",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(!r.Bool("forceDestroy") && !r.Bool("forceDelete"), "forceDestroy or forceDelete is true")
			}, typeBucket, "aws:route53/zone:Zone", typeRepository)
		},
	},
	{
		ID: "explicit-providers", Area: ResourceOptions, Severity: High,
		Title:    "Every cloud resource is created through an explicit provider, never the default one",
		Controls: []string{"refarch"},
		Reason:   "a multi-account program must never fall back to whatever credentials the shell holds",
		Check: func(c *Checker) {
			for _, r := range c.Stack.Resources {
				if !r.Custom || r.Read || strings.HasPrefix(r.Type, providerPrefix) || strings.HasPrefix(r.Type, "pulumi:pulumi:") {
					continue
				}
				c.Judge(r, unless(r.Provider != "" && !strings.Contains(r.Provider, "::default"), "uses the default provider"))
			}
		},
	},
	{
		ID: "providers-pinned-to-account", Area: ResourceOptions, Severity: Critical,
		Title:    "Every AWS provider is pinned to its account (allowedAccountIds)",
		Controls: []string{"refarch"},
		Reason:   "credentials of another account make the provider fail instead of writing there",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(known(r.Get("allowedAccountIds")) && len(r.List("allowedAccountIds")) > 0 || !known(r.Get("allowedAccountIds")) && r.Has("allowedAccountIds"),
					"no allowedAccountIds")
			}, providerPrefix+"aws")
		},
	},
}
