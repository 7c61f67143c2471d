package plandiff_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/insights/plandiff"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/offline/stackrefs"
	"github.com/refarch/refarch/stacks"
)

const (
	prefix  = "urn:pulumi:prod::refarch::"
	root    = prefix + "pulumi:pulumi:Stack::refarch-prod"
	rdsType = "aws:rds/instance:Instance"
	rdsDoc  = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/db_instance"
	aliases = "https://www.pulumi.com/docs/iac/concepts/options/aliases/"
)

// res is a top-level custom resource of the prod stack.
func res(typ, name string, inputs map[string]any, opts ...func(*offline.Resource)) *offline.Resource {
	r := &offline.Resource{URN: prefix + typ + "::" + name, Type: typ, Name: name, Parent: root, Custom: true, Inputs: inputs}
	for _, o := range opts {
		o(r)
	}
	return r
}

// in puts r inside a component of type parentType named parentName.
func in(parentType, parentName string) func(*offline.Resource) {
	return func(r *offline.Resource) {
		r.URN = prefix + parentType + "$" + r.Type + "::" + r.Name
		r.Parent = prefix + parentType + "::" + parentName
	}
}

func protect(r *offline.Resource) { r.Protect = true }
func retain(r *offline.Resource)  { r.RetainOnDelete = true }
func secrets(keys ...string) func(*offline.Resource) {
	return func(r *offline.Resource) { r.Secrets = keys }
}
func provider(ref string) func(*offline.Resource) {
	return func(r *offline.Resource) { r.Provider = ref }
}

func prod(rs ...*offline.Resource) []*offline.Plan {
	return []*offline.Plan{{Project: "refarch", Stack: "prod", Resources: rs}}
}

func policy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

const (
	readStatement  = `{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::data/*"]}`
	writeStatement = `{"Sid":"Write","Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::data/*"]}`
	listStatement  = `{"Sid":"List","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::data"]}`
)

func TestCompare(t *testing.T) {
	bucket := func(opts ...func(*offline.Resource)) *offline.Resource {
		return res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "refarch-prod-logs"}, opts...)
	}
	queue := res("aws:sqs/queue:Queue", "jobs", map[string]any{"name": "jobs"})
	topic := res("aws:sns/topic:Topic", "alerts", map[string]any{"name": "alerts"})
	role := func(team string) *offline.Resource {
		return res("aws:iam/role:Role", "app", map[string]any{"name": "app", "tags": map[string]any{"Name": "app", "Team": team}})
	}
	rolePolicy := func(doc string) *offline.Resource {
		return res("aws:iam/rolePolicy:RolePolicy", "app", map[string]any{"role": "app", "policy": doc})
	}
	secret := func(value string) *offline.Resource {
		return res("aws:secretsmanager/secretVersion:SecretVersion", "token",
			map[string]any{"secretId": "arn:aws:secretsmanager:us-west-2:555555555555:secret:token", "secretString": value},
			secrets("secretString"))
	}
	db := func(identifier string) *offline.Resource {
		return res(rdsType, "db", map[string]any{"identifier": identifier, "engine": "postgres", "tags": map[string]any{"Name": "db"}}, protect, retain)
	}
	logGroupIn := func(parentType, parentName string) *offline.Resource {
		return res("aws:cloudwatch/logGroup:LogGroup", "app", map[string]any{"retentionInDays": 30.0}, in(parentType, parentName))
	}
	component := func(typ, name string) *offline.Resource {
		r := res(typ, name, map[string]any{})
		r.Custom = false
		return r
	}

	tests := []struct {
		name     string
		old, new []*offline.Plan
		want     *plandiff.Report
		// findings are what Destructive returns; protected what
		// ProtectedReplacements returns.
		findings, protected []plandiff.Finding
	}{
		{
			name: "no change",
			old:  prod(bucket(protect), role("data")),
			new:  prod(bucket(protect), role("data")),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod"}}},
		},
		{
			name: "a resource added and one removed",
			old:  prod(queue),
			new:  prod(topic),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Added: []*offline.Resource{topic}, Removed: []*offline.Resource{queue}}}},
		},
		{
			name: "a changed tag",
			old:  prod(role("data")),
			new:  prod(role("platform")),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:iam/role:Role::app", Type: "aws:iam/role:Role", Name: "app", Custom: true,
				Inputs: []plandiff.InputChange{{Path: "tags.Team", Kind: plandiff.KindChanged, Old: `"data"`, New: `"platform"`}},
			}}}}},
		},
		{
			name: "a statement changed inside a policy held as a JSON string",
			old:  prod(rolePolicy(policy(readStatement, writeStatement))),
			new:  prod(rolePolicy(policy(readStatement, strings.Replace(writeStatement, "s3:PutObject", "s3:DeleteObject", 1)))),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:iam/rolePolicy:RolePolicy::app", Type: "aws:iam/rolePolicy:RolePolicy", Name: "app", Custom: true,
				Inputs: []plandiff.InputChange{{
					Path: "policy.Statement[1].Action[0]", Kind: plandiff.KindChanged,
					Old: `"s3:PutObject"`, New: `"s3:DeleteObject"`, Label: `Sid "Write"`,
				}},
			}}}}},
		},
		{
			name: "a statement inserted first: the others are matched by Sid, not shown as changed",
			old:  prod(rolePolicy(policy(readStatement, writeStatement))),
			new:  prod(rolePolicy(policy(listStatement, readStatement, writeStatement))),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:iam/rolePolicy:RolePolicy::app", Type: "aws:iam/rolePolicy:RolePolicy", Name: "app", Custom: true,
				Inputs: []plandiff.InputChange{{
					Path: "policy.Statement[0]", Kind: plandiff.KindAdded, Label: `Sid "List"`,
					New: `{"Action":["s3:ListBucket"],"Effect":"Allow","Resource":["arn:aws:s3:::data"],"Sid":"List"}`,
				}},
			}}}}},
		},
		{
			name: "a changed secret is only said to change",
			old:  prod(secret("hunter2")),
			new:  prod(secret("correct-horse")),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:secretsmanager/secretVersion:SecretVersion::token", Type: "aws:secretsmanager/secretVersion:SecretVersion", Name: "token", Custom: true,
				Inputs: []plandiff.InputChange{{Path: "secretString", Kind: plandiff.KindChanged, Old: "[secret]", New: "[secret]", Secret: true}},
			}}}}},
		},
		{
			name: "an input masked on one side is a secret even when Secrets does not list it",
			old:  prod(res("aws:ssm/parameter:Parameter", "p", map[string]any{"value": offline.SecretMask})),
			new:  prod(res("aws:ssm/parameter:Parameter", "p", map[string]any{"value": "hunter2"})),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:ssm/parameter:Parameter::p", Type: "aws:ssm/parameter:Parameter", Name: "p", Custom: true,
				Inputs: []plandiff.InputChange{{Path: "value", Kind: plandiff.KindChanged, Old: "[secret]", New: "[secret]", Secret: true}},
			}}}}},
		},
		{
			name: "two masked secrets compare equal: the masked plans do not hold the values",
			old:  prod(secret(offline.SecretMask)),
			new:  prod(secret(offline.SecretMask)),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod"}}},
		},
		{
			name: "a protected database's identifier: a replacement inferred from the table",
			old:  prod(db("refarch-prod-db")),
			new:  prod(db("refarch-prod-db-v2")),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + rdsType + "::db", Type: rdsType, Name: "db", Custom: true,
				Inputs: []plandiff.InputChange{{
					Path: "identifier", Kind: plandiff.KindChanged, Old: `"refarch-prod-db"`, New: `"refarch-prod-db-v2"`, ForcesReplacement: true,
				}},
				Replace:       true,
				ReplaceReason: "identifier forces a new aws_db_instance (inferred from the force-new table: " + rdsDoc + ")",
				Inferred:      true, Protected: true, Stateful: true, Retained: true,
				Notes: []string{
					"`pulumi up` refuses to replace or delete it while it stays protected (https://www.pulumi.com/docs/iac/concepts/options/protect/)",
					"retainOnDelete: the old physical resource stays in AWS, out of the stack's state, and the new one starts empty",
				},
			}}}}},
			findings: []plandiff.Finding{{
				Stack: "prod", URN: prefix + rdsType + "::db", Type: rdsType, Name: "db", Op: "replace",
				Protected: true, Stateful: true, Retained: true,
				Reason: "identifier forces a new aws_db_instance (inferred from the force-new table: " + rdsDoc + ")",
			}},
			protected: []plandiff.Finding{{
				Stack: "prod", URN: prefix + rdsType + "::db", Type: rdsType, Name: "db", Op: "replace",
				Protected: true, Stateful: true, Retained: true,
				Reason: "identifier forces a new aws_db_instance (inferred from the force-new table: " + rdsDoc + ")",
			}},
		},
		{
			name: "a protected database's tag: an update, nothing loud",
			old:  prod(db("refarch-prod-db")),
			new: prod(res(rdsType, "db", map[string]any{"identifier": "refarch-prod-db", "engine": "postgres", "tags": map[string]any{"Name": "db", "Team": "data"}},
				protect, retain)),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + rdsType + "::db", Type: rdsType, Name: "db", Custom: true,
				Inputs:    []plandiff.InputChange{{Path: "tags.Team", Kind: plandiff.KindAdded, New: `"data"`}},
				Protected: true, Stateful: true, Retained: true,
			}}}}},
		},
		{
			name: "a stateful bucket removed is loud; unprotected, -fail-on-replace lets it pass",
			old:  prod(bucket(), queue),
			new:  prod(queue),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Removed: []*offline.Resource{bucket()}}}},
			findings: []plandiff.Finding{{
				Stack: "prod", URN: prefix + "aws:s3/bucketV2:BucketV2::logs", Type: "aws:s3/bucketV2:BucketV2", Name: "logs",
				Op: "delete", Stateful: true,
			}},
		},
		{
			name: "a protected bucket removed fails -fail-on-replace",
			old:  prod(bucket(protect, retain)),
			new:  prod(),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Removed: []*offline.Resource{bucket(protect, retain)}}}},
			findings: []plandiff.Finding{{
				Stack: "prod", URN: prefix + "aws:s3/bucketV2:BucketV2::logs", Type: "aws:s3/bucketV2:BucketV2", Name: "logs",
				Op: "delete", Protected: true, Stateful: true, Retained: true,
			}},
			protected: []plandiff.Finding{{
				Stack: "prod", URN: prefix + "aws:s3/bucketV2:BucketV2::logs", Type: "aws:s3/bucketV2:BucketV2", Name: "logs",
				Op: "delete", Protected: true, Stateful: true, Retained: true,
			}},
		},
		{
			name: "a log group moved to a component of another type: the URN changes, a replacement",
			old:  prod(component("refarch:a:A", "a"), logGroupIn("refarch:a:A", "a")),
			new:  prod(component("refarch:b:B", "b"), logGroupIn("refarch:b:B", "b")),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{
				Stack:   "prod",
				Added:   []*offline.Resource{component("refarch:b:B", "b")},
				Removed: []*offline.Resource{component("refarch:a:A", "a")},
				Changed: []plandiff.Change{{
					URN:    prefix + "refarch:b:B$aws:cloudwatch/logGroup:LogGroup::app",
					OldURN: prefix + "refarch:a:A$aws:cloudwatch/logGroup:LogGroup::app",
					Type:   "aws:cloudwatch/logGroup:LogGroup", Name: "app", Custom: true, Moved: true,
					Options: []plandiff.InputChange{{Path: "parent", Kind: plandiff.KindChanged, Old: `"` + prefix + `refarch:a:A::a"`, New: `"` + prefix + `refarch:b:B::b"`}},
					Replace: true,
					ReplaceReason: "moved from parent " + prefix + "refarch:a:A::a to " + prefix + "refarch:b:B::b: the URN changes, so the engine deletes the old resource and creates the new one unless the new registration has an alias to " +
						prefix + "refarch:a:A$aws:cloudwatch/logGroup:LogGroup::app (" + aliases + ")",
					Stateful: true,
				}},
			}}},
			findings: []plandiff.Finding{{
				Stack: "prod", URN: prefix + "refarch:b:B$aws:cloudwatch/logGroup:LogGroup::app", Type: "aws:cloudwatch/logGroup:LogGroup", Name: "app",
				Op: "replace", Stateful: true,
				Reason: "moved from parent " + prefix + "refarch:a:A::a to " + prefix + "refarch:b:B::b: the URN changes, so the engine deletes the old resource and creates the new one unless the new registration has an alias to " +
					prefix + "refarch:a:A$aws:cloudwatch/logGroup:LogGroup::app (" + aliases + ")",
			}},
		},
		{
			name: "stacks on one side only are reported, in deployment order",
			old: []*offline.Plan{
				{Stack: "prod", Resources: []*offline.Resource{queue}},
				{Stack: "stage", Resources: []*offline.Resource{queue, topic}},
			},
			new: []*offline.Plan{
				{Stack: "prod", Resources: []*offline.Resource{queue}},
				{Stack: "dev", Resources: []*offline.Resource{topic}},
			},
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{
				{Stack: "dev", OnlyInNew: true, Resources: 1},
				{Stack: "stage", OnlyInOld: true, Resources: 2},
				{Stack: "prod"},
			}},
		},
		{
			name: "a change ignoreChanges covers has no effect and replaces nothing",
			old: prod(res(rdsType, "replica", map[string]any{"availabilityZone": "us-west-2a"},
				func(r *offline.Resource) { r.IgnoreChanges = []string{"availabilityZone"} })),
			new: prod(res(rdsType, "replica", map[string]any{"availabilityZone": "us-west-2b"},
				func(r *offline.Resource) { r.IgnoreChanges = []string{"availabilityZone"} })),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + rdsType + "::replica", Type: rdsType, Name: "replica", Custom: true, Stateful: true,
				Inputs: []plandiff.InputChange{{Path: "availabilityZone", Kind: plandiff.KindChanged, Old: `"us-west-2a"`, New: `"us-west-2b"`, Ignored: true}},
			}}}}},
		},
		{
			name: "replaceOnChanges makes a replacement that is not inferred",
			old: prod(res("aws:lb/targetGroup:TargetGroup", "tg", map[string]any{"port": 8080.0},
				func(r *offline.Resource) { r.ReplaceOnChanges = []string{"port"} })),
			new: prod(res("aws:lb/targetGroup:TargetGroup", "tg", map[string]any{"port": 9090},
				func(r *offline.Resource) { r.ReplaceOnChanges = []string{"port"} })),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:lb/targetGroup:TargetGroup::tg", Type: "aws:lb/targetGroup:TargetGroup", Name: "tg", Custom: true,
				Inputs:  []plandiff.InputChange{{Path: "port", Kind: plandiff.KindChanged, Old: "8080", New: "9090", ForcesReplacement: true}},
				Replace: true, ReplaceReason: `replaceOnChanges ["port"] covers port`,
			}}}}},
		},
		{
			name: "protect removed is reported as an option change",
			old:  prod(bucket(protect)),
			new:  prod(bucket()),
			want: &plandiff.Report{Stacks: []plandiff.StackDiff{{Stack: "prod", Changed: []plandiff.Change{{
				URN: prefix + "aws:s3/bucketV2:BucketV2::logs", Type: "aws:s3/bucketV2:BucketV2", Name: "logs", Custom: true,
				Options:   []plandiff.InputChange{{Path: "protect", Kind: plandiff.KindChanged, Old: "true", New: "false"}},
				Protected: true, Stateful: true,
			}}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plandiff.Compare(tt.old, tt.new)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.findings, got.Destructive())
			assert.Equal(t, tt.protected, got.ProtectedReplacements())

			var out bytes.Buffer
			require.NoError(t, got.Write(&out))
			for _, f := range tt.findings {
				assert.Contains(t, out.String(), "!! "+strings.ToUpper(f.Op), "every finding is marked")
			}
			if len(tt.findings) == 0 {
				assert.NotContains(t, out.String(), "!! ")
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	key := res("aws:kms/key:Key", "data", map[string]any{"enableKeyRotation": true}, protect)
	assert.True(t, plandiff.Compare(prod(key), prod(key)).Empty())
	assert.True(t, plandiff.Compare(nil, nil).Empty())
	assert.False(t, plandiff.Compare(prod(key), prod()).Empty())
	assert.False(t, plandiff.Compare(prod(key), nil).Empty(), "a stack on one side only is a difference")
	changed := res("aws:kms/key:Key", "data", map[string]any{"enableKeyRotation": false}, protect)
	assert.False(t, plandiff.Compare(prod(key), prod(changed)).Empty())
}

func TestSecretValuesNeverReachTheReport(t *testing.T) {
	old := prod(res("aws:secretsmanager/secretVersion:SecretVersion", "token",
		map[string]any{"secretString": `{"password":"hunter2"}`, "tags": map[string]any{"Name": "token"}}, secrets("secretString")))
	new := prod(res("aws:secretsmanager/secretVersion:SecretVersion", "token",
		map[string]any{"secretString": `{"password":"correct-horse"}`, "tags": map[string]any{"Name": "token"}}, secrets("secretString")),
		res("aws:ssm/parameter:Parameter", "added", map[string]any{"value": "s3cr3t-added"}, secrets("value")))
	report := plandiff.Compare(old, new)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	text := out.String()
	assert.Contains(t, text, "~ secretString: [secret] changed")
	for _, value := range []string{"hunter2", "correct-horse", "s3cr3t-added", "password"} {
		assert.NotContains(t, text, value, "a secret, or its JSON document, leaks into Write")
	}
	data, err := json.Marshal(report)
	require.NoError(t, err)
	for _, value := range []string{"hunter2", "correct-horse"} {
		assert.NotContains(t, string(data), value, "a secret leaks into the report's data")
	}
}

func TestWriteMarksAProtectedReplacement(t *testing.T) {
	db := func(identifier string) *offline.Resource {
		return res(rdsType, "db", map[string]any{"identifier": identifier, "tags": map[string]any{"Name": "db"}}, protect, retain)
	}
	report := plandiff.Compare(prod(db("refarch-prod-db")), prod(db("refarch-prod-db-v2")))
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	why := "identifier forces a new aws_db_instance (inferred from the force-new table: " + rdsDoc + ")"
	assert.Equal(t, `plandiff: 1 stack(s) compared; !! 1 protected and 0 other stateful resource(s) would be replaced or deleted

== prod: 0 to add, 0 to delete, 1 to change (1 replaced)
!! REPLACE protected stateful aws:rds/instance:Instance "db": `+why+`
  ~ aws:rds/instance:Instance "db"  !! REPLACE  (protected, stateful, retainOnDelete)
      urn: urn:pulumi:prod::refarch::aws:rds/instance:Instance::db
      replace: `+why+`
      note: `+"`pulumi up`"+` refuses to replace or delete it while it stays protected (https://www.pulumi.com/docs/iac/concepts/options/protect/)
      note: retainOnDelete: the old physical resource stays in AWS, out of the stack's state, and the new one starts empty
      ~ identifier: "refarch-prod-db" => "refarch-prod-db-v2"  [forces replacement]
`, out.String())
	require.Len(t, report.ProtectedReplacements(), 1)
	assert.Equal(t, `prod: !! REPLACE protected stateful aws:rds/instance:Instance "db": `+why, report.ProtectedReplacements()[0].String())
}

func TestWriteListsAddedRemovedAndOneSidedStacks(t *testing.T) {
	queue := res("aws:sqs/queue:Queue", "jobs", map[string]any{"name": "jobs"})
	bucket := res("aws:s3/bucketV2:BucketV2", "logs", map[string]any{"bucket": "refarch-prod-logs"}, retain)
	old := append(prod(bucket), &offline.Plan{Stack: "stage", Resources: []*offline.Resource{queue}})
	new := append(prod(queue), &offline.Plan{Stack: "dev"})
	var out bytes.Buffer
	require.NoError(t, plandiff.Compare(old, new).Write(&out))
	assert.Equal(t, `plandiff: 3 stack(s) compared; !! 0 protected and 1 other stateful resource(s) would be replaced or deleted

== dev: only in the new plans (0 resources), not compared: a new stack, or its plan failed on the target branch

== stage: only in the old plans (1 resources), not compared: the change no longer plans this stack, or its plan failed

== prod: 1 to add, 1 to delete, 0 to change (0 replaced)
!! DELETE stateful aws:s3/bucketV2:BucketV2 "logs": removed from the program; retainOnDelete keeps it in AWS, out of the stack's state
  + aws:sqs/queue:Queue "jobs"
      urn: urn:pulumi:prod::refarch::aws:sqs/queue:Queue::jobs
  - aws:s3/bucketV2:BucketV2 "logs"  (stateful, retainOnDelete)
      urn: urn:pulumi:prod::refarch::aws:s3/bucketV2:BucketV2::logs
      note: retainOnDelete: it stays in AWS, out of the stack's state
`, out.String())

	out.Reset()
	require.NoError(t, plandiff.Compare(prod(queue), prod(queue)).Write(&out))
	assert.Equal(t, "plandiff: 1 stack(s) compared, no changes\n\n== prod: no changes\n", out.String())
}

func TestListsAreMatchedByIdentity(t *testing.T) {
	containers := func(env ...string) string {
		var vars []string
		for _, e := range env {
			name, value, _ := strings.Cut(e, "=")
			vars = append(vars, `{"name":"`+name+`","value":"`+value+`"}`)
		}
		return `[{"name":"app","image":"app@sha256:1","environment":[` + strings.Join(vars, ",") + `]}]`
	}
	task := func(defs string, zones ...any) *offline.Resource {
		return res("aws:ecs/taskDefinition:TaskDefinition", "app", map[string]any{"containerDefinitions": defs, "zones": zones})
	}
	got := plandiff.Compare(
		prod(task(containers("A=1", "C=3", "D=4"), "us-west-2a", "us-west-2b")),
		prod(task(containers("A=1", "B=2", "C=3", "D=5"), "us-west-2c", "us-west-2a", "us-west-2b")))
	require.Len(t, got.Stacks, 1)
	require.Len(t, got.Stacks[0].Changed, 1)
	assert.Equal(t, []plandiff.InputChange{
		{Path: "containerDefinitions[0].environment[1]", Kind: plandiff.KindAdded, New: `{"name":"B","value":"2"}`, Label: `name "B"`},
		{Path: "containerDefinitions[0].environment[3].value", Kind: plandiff.KindChanged, Old: `"4"`, New: `"5"`, Label: `name "D"`},
		{Path: "zones[0]", Kind: plandiff.KindAdded, New: `"us-west-2c"`},
	}, got.Stacks[0].Changed[0].Inputs)

	// The same elements in another order: one change, the order.
	got = plandiff.Compare(prod(task(containers("A=1", "B=2"))), prod(task(containers("B=2", "A=1"))))
	require.Len(t, got.Stacks[0].Changed, 1)
	assert.Equal(t, []plandiff.InputChange{{
		Path: "containerDefinitions[0].environment", Kind: plandiff.KindChanged,
		Old: `["A","B"]`, New: `["B","A"]`, Label: "order of name",
	}}, got.Stacks[0].Changed[0].Inputs)
}

func TestProviderChanges(t *testing.T) {
	const (
		west  = prefix + "pulumi:providers:aws::aws-prod"
		east  = prefix + "pulumi:providers:aws::aws-prod-us-east-1"
		other = prefix + "pulumi:providers:aws::aws-prod-2"
	)
	providerRes := func(name, region string) *offline.Resource {
		return res("pulumi:providers:aws", name, map[string]any{"region": region, "allowedAccountIds": []any{"555555555555"}})
	}
	key := func(ref string) *offline.Resource {
		return res("aws:kms/key:Key", "data", map[string]any{"enableKeyRotation": true}, provider(ref), protect)
	}
	providers := []*offline.Resource{providerRes("aws-prod", "us-west-2"), providerRes("aws-prod-us-east-1", "us-east-1"), providerRes("aws-prod-2", "us-west-2")}

	t.Run("to another region: a replacement", func(t *testing.T) {
		got := plandiff.Compare(prod(append(providers, key(west+"::id-1"))...), prod(append(providers, key(east+"::id-2"))...))
		require.Len(t, got.Stacks[0].Changed, 1)
		c := got.Stacks[0].Changed[0]
		assert.True(t, c.Replace)
		assert.False(t, c.Inferred)
		assert.Equal(t, "provider changes from aws-prod (account 555555555555, region us-west-2) to aws-prod-us-east-1 (account 555555555555, region us-east-1): a resource cannot follow its provider to another account or region, so the new provider would create its own", c.ReplaceReason)
		assert.Equal(t, []plandiff.InputChange{{Path: "provider", Kind: plandiff.KindChanged, Old: `"` + west + `"`, New: `"` + east + `"`}}, c.Options)
		assert.Len(t, got.ProtectedReplacements(), 1)
	})
	t.Run("to another provider for the same account and region: an update", func(t *testing.T) {
		got := plandiff.Compare(prod(append(providers, key(west+"::id-1"))...), prod(append(providers, key(other+"::id-3"))...))
		require.Len(t, got.Stacks[0].Changed, 1)
		c := got.Stacks[0].Changed[0]
		assert.False(t, c.Replace)
		assert.Equal(t, []string{"provider changes from aws-prod to aws-prod-2 with the same account 555555555555, region us-west-2: no replacement expected"}, c.Notes)
		assert.Empty(t, got.ProtectedReplacements())
	})
}

func TestForceNewTableConditions(t *testing.T) {
	cache := func(engine, nodeType, version string) *offline.Resource {
		return res("aws:elasticache/cluster:Cluster", "cache", map[string]any{"engine": engine, "nodeType": nodeType, "engineVersion": version})
	}
	tests := []struct {
		name     string
		old, new *offline.Resource
		replace  bool
	}{
		{"memcached node type", cache("memcached", "cache.r7g.large", "1.6.22"), cache("memcached", "cache.r7g.xlarge", "1.6.22"), true},
		{"redis node type", cache("redis", "cache.r7g.large", "7.1"), cache("redis", "cache.r7g.xlarge", "7.1"), false},
		{"engine upgrade", cache("memcached", "cache.r7g.large", "1.6.6"), cache("memcached", "cache.r7g.large", "1.6.22"), false},
		{"engine downgrade", cache("memcached", "cache.r7g.large", "1.6.22"), cache("memcached", "cache.r7g.large", "1.6.6"), true},
		{"engine", cache("memcached", "cache.r7g.large", "7.1"), cache("redis", "cache.r7g.large", "7.1"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := plandiff.Compare(prod(tt.old), prod(tt.new))
			require.Len(t, got.Stacks[0].Changed, 1)
			assert.Equal(t, tt.replace, got.Stacks[0].Changed[0].Replace, got.Stacks[0].Changed[0].ReplaceReason)
		})
	}
	assert.Contains(t, plandiff.ForceNewInputs(rdsType), "identifier")
	assert.NotContains(t, plandiff.ForceNewInputs(rdsType), "dbSubnetGroupName", "RDS moves an instance between subnet groups in place")
	assert.Nil(t, plandiff.ForceNewInputs("aws:sqs/queue:Queue"))
}

// The real format: the dev stack planned by the real program, masked and
// printed as cmd/plan -json prints it, decoded twice.
func TestCompareDecodedRealPlans(t *testing.T) {
	p, err := offline.RunStack(stacks.Run, "dev", offline.Options{StackOutputs: stackrefs.New("")})
	require.NoError(t, err)
	data, err := json.MarshalIndent([]*offline.Plan{p.Masked()}, "", "  ")
	require.NoError(t, err)
	decode := func() []*offline.Plan {
		plans, err := offline.DecodePlans(bytes.NewReader(data))
		require.NoError(t, err)
		require.Len(t, plans, 1)
		return plans
	}
	old, new := decode(), decode()
	report := plandiff.Compare(old, new)
	assert.True(t, report.Empty())
	assert.Equal(t, []plandiff.StackDiff{{Stack: "dev"}}, report.Stacks)

	dbs := new[0].ByType(rdsType)
	require.NotEmpty(t, dbs, "the dev stack has a database")
	db := dbs[0]
	oldIdentifier := db.String("identifier")
	require.NotEmpty(t, oldIdentifier)
	db.Inputs["identifier"] = oldIdentifier + "-v2"

	var policyRes *offline.Resource
	var oldAction string
	for _, r := range new[0].ByType("aws:iam/rolePolicy:RolePolicy") {
		doc, err := r.JSON("policy")
		require.NoError(t, err)
		if action, ok := offline.Lookup(doc, "Statement[0].Action[0]"); ok {
			policyRes, oldAction = r, action.(string)
			statement := doc.(map[string]any)["Statement"].([]any)[0].(map[string]any)
			statement["Action"].([]any)[0] = "s3:DeleteBucket"
			text, err := json.Marshal(doc)
			require.NoError(t, err)
			r.Inputs["policy"] = string(text)
			break
		}
	}
	require.NotNil(t, policyRes, "the dev stack has a role policy whose first statement lists actions")

	report = plandiff.Compare(old, new)
	require.Len(t, report.Stacks, 1)
	s := report.Stacks[0]
	assert.Empty(t, s.Added)
	assert.Empty(t, s.Removed)
	require.Len(t, s.Changed, 2, "exactly the two changes made")
	byURN := map[string]plandiff.Change{}
	for _, c := range s.Changed {
		byURN[c.URN] = c
	}

	dbChange, ok := byURN[db.URN]
	require.True(t, ok)
	assert.Equal(t, []plandiff.InputChange{{
		Path: "identifier", Kind: plandiff.KindChanged, ForcesReplacement: true,
		Old: `"` + oldIdentifier + `"`, New: `"` + oldIdentifier + `-v2"`,
	}}, dbChange.Inputs)
	assert.Empty(t, dbChange.Options)
	assert.True(t, dbChange.Replace)
	assert.True(t, dbChange.Inferred)
	assert.True(t, dbChange.Stateful)
	assert.Equal(t, db.Protect, dbChange.Protected)

	policyChange, ok := byURN[policyRes.URN]
	require.True(t, ok)
	require.Len(t, policyChange.Inputs, 1)
	in := policyChange.Inputs[0]
	assert.Equal(t, "policy.Statement[0].Action[0]", in.Path)
	assert.Equal(t, `"`+oldAction+`"`, in.Old)
	assert.Equal(t, `"s3:DeleteBucket"`, in.New)
	assert.False(t, policyChange.Replace)

	findings := report.Destructive()
	require.Len(t, findings, 1)
	assert.Equal(t, db.URN, findings[0].URN)
	assert.Equal(t, "replace", findings[0].Op)
	var out bytes.Buffer
	require.NoError(t, report.Write(&out))
	assert.Contains(t, out.String(), "~ identifier: \""+oldIdentifier+"\" => \""+oldIdentifier+"-v2\"  [forces replacement]")
	assert.Contains(t, out.String(), "~ policy.Statement[0].Action[0]")
}
