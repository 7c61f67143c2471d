package statebackend_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/statebackend"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

const (
	component = "refarch:statebackend:StateBackend"
	bucketTyp = "aws:s3/bucketV2:BucketV2"
	keyTyp    = "aws:kms/key:Key"
	bucket    = "refarch-state-123456789012"
	admin     = "arn:aws:iam::123456789012:role/refarch-deploy"
)

// deployRoles are the deploy roles of five accounts, the bucket's own first.
var deployRoles = []string{
	admin,
	"arn:aws:iam::222222222222:role/refarch-deploy",
	"arn:aws:iam::333333333333:role/refarch-deploy",
	"arn:aws:iam::444444444444:role/refarch-deploy",
	"arn:aws:iam::555555555555:role/refarch-deploy",
}

func validArgs() *statebackend.StateBackendArgs {
	return &statebackend.StateBackendArgs{
		BucketName:        bucket,
		DeployRoleARNs:    append([]string(nil), deployRoles...),
		KeyAdministrators: []string{admin},
	}
}

func run(t *testing.T, args *statebackend.StateBackendArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := statebackend.NewStateBackend(ctx, "state", args, pulumi.Provider(p))
		return err
	})
}

func mustRun(t *testing.T, args *statebackend.StateBackendArgs) *offline.Plan {
	t.Helper()
	p, err := run(t, args)
	require.NoError(t, err)
	return p
}

// settings are the bucket's separate V2 resources, by type.
var settings = []string{
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls",
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
	"aws:s3/bucketVersioningV2:BucketVersioningV2",
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
	"aws:s3/bucketPolicy:BucketPolicy",
}

func TestBucketIsVersionedEncryptedWithTheKeyPrivateAndOwnerEnforced(t *testing.T) {
	p := mustRun(t, validArgs())
	b := p.Require(t, bucketTyp, "state")
	key := p.Require(t, keyTyp, "state")
	assert.Equal(t, bucket, b.String("bucket"), "the name every stack logs in to, not an autoname")
	assert.False(t, b.Bool("forceDestroy"), "a bucket holding objects is never emptied to be deleted")

	for _, typ := range settings {
		r := p.Require(t, typ, "state")
		assert.Equal(t, b.Output("id"), r.Get("bucket"), "%s configures the state bucket", typ)
	}
	assert.Equal(t, "Enabled", p.Require(t, settings[2], "state").String("versioningConfiguration.status"))

	sse := p.Require(t, settings[3], "state")
	require.Len(t, sse.List("rules"), 1)
	assert.Equal(t, "aws:kms", sse.String("rules[0].applyServerSideEncryptionByDefault.sseAlgorithm"))
	assert.Equal(t, key.Output("arn"), sse.Get("rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId"), "the component's own key, by ARN")
	assert.True(t, sse.Bool("rules[0].bucketKeyEnabled"))

	pab := p.Require(t, settings[1], "state")
	for _, f := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, pab.Bool(f), f)
	}
	assert.Equal(t, "BucketOwnerEnforced", p.Require(t, settings[0], "state").String("rule.objectOwnership"))

	comp := p.Require(t, component, "state")
	for _, r := range p.Descendants(comp) {
		assert.Equal(t, comp.URN, r.Parent, "%s %s is a child of the component", r.Type, r.Name)
	}
	assert.Len(t, p.Descendants(comp), 3+len(settings), "bucket, key, alias and the settings, no more")
}

func TestLifecycleExpiresNoncurrentVersionsOnly(t *testing.T) {
	for days, want := range map[int]int{0: statebackend.DefaultNoncurrentVersionDays, 30: 30} {
		args := validArgs()
		args.NoncurrentVersionDays = days
		life := mustRun(t, args).Require(t, settings[4], "state")
		require.Len(t, life.List("rules"), 1)
		assert.Equal(t, "Enabled", life.String("rules[0].status"))
		assert.Equal(t, "", life.String("rules[0].filter.prefix"), "the whole bucket")
		assert.True(t, life.Has("rules[0].filter.prefix"))
		assert.Equal(t, want, life.Int("rules[0].noncurrentVersionExpiration.noncurrentDays"))
		assert.True(t, life.Bool("rules[0].expiration.expiredObjectDeleteMarker"))
		assert.False(t, life.Has("rules[0].expiration.days"), "a current checkpoint never expires")
		assert.Equal(t, 7, life.Int("rules[0].abortIncompleteMultipartUpload.daysAfterInitiation"))
	}
	assert.Equal(t, 90, statebackend.DefaultNoncurrentVersionDays)
}

func TestBucketPolicyAdmitsOnlyTheStatePrincipalsOverTLS(t *testing.T) {
	args := validArgs()
	args.StateAdministrators = []string{"arn:aws:iam::123456789012:role/break-glass"}
	p := mustRun(t, args)
	st := p.Require(t, settings[5], "state").Statements(t, "policy")
	require.Len(t, st, 5)
	arn := "arn:aws:s3:::" + bucket
	principals := append(append([]string(nil), deployRoles...), args.StateAdministrators...)

	tls := st["DenyWithoutTLS"]
	assert.Equal(t, "Deny", tls["Effect"])
	assert.Equal(t, map[string]any{"AWS": []any{"*"}}, tls["Principal"])
	assert.Equal(t, []string{"s3:*"}, offline.Strings(tls["Action"]))
	assert.ElementsMatch(t, []string{arn, arn + "/*"}, offline.Strings(tls["Resource"]))
	assert.Equal(t, []any{"false"}, offline.Condition(tls, "Bool", "aws:SecureTransport"))

	rw := st["StateReadWrite"]
	assert.Equal(t, "Allow", rw["Effect"])
	assert.Equal(t, principals, offline.Strings(rw["Principal"].(map[string]any)["AWS"]))
	assert.ElementsMatch(t, []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, offline.Strings(rw["Action"]))
	assert.Equal(t, []string{arn + "/*"}, offline.Strings(rw["Resource"]), "every object")

	list := st["StateList"]
	assert.Equal(t, "Allow", list["Effect"])
	assert.Equal(t, principals, offline.Strings(list["Principal"].(map[string]any)["AWS"]))
	assert.ElementsMatch(t, []string{"s3:ListBucket", "s3:GetBucketLocation"}, offline.Strings(list["Action"]))
	assert.Equal(t, []string{arn}, offline.Strings(list["Resource"]))

	others := st["DenyStateToEveryoneElse"]
	assert.Equal(t, "Deny", others["Effect"])
	assert.Equal(t, map[string]any{"AWS": []any{"*"}}, others["Principal"])
	assert.ElementsMatch(t, []string{"s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*"}, offline.Strings(others["Action"]))
	assert.Equal(t, principals, offline.Strings(offline.Condition(others, "ArnNotEquals", "aws:PrincipalArn")))

	versions := st["DenyDeletingVersions"]
	assert.Equal(t, "Deny", versions["Effect"])
	assert.Equal(t, map[string]any{"AWS": []any{"*"}}, versions["Principal"])
	assert.Equal(t, []string{"s3:DeleteObjectVersion"}, offline.Strings(versions["Action"]))
	assert.Nil(t, versions["Condition"], "nobody deletes a version: history expires through the lifecycle rule")

	for sid, s := range st {
		if s["Effect"] == "Allow" {
			assert.NotContains(t, offline.Strings(s["Action"]), "s3:*", sid)
			assert.NotContains(t, offline.Strings(s["Action"]), "s3:DeleteObjectVersion", sid)
		}
	}
	assert.Contains(t, p.Require(t, settings[5], "state").DependsOn, p.Require(t, settings[1], "state").URN,
		"the policy waits for the public access block")
}

func TestKeyPolicySeparatesAdministrationFromUse(t *testing.T) {
	p := mustRun(t, validArgs())
	key := p.Require(t, keyTyp, "state")
	st := key.Statements(t, "policy")
	require.Len(t, st, 2, "administration and use, nothing for the account root")

	adm := st["KeyAdministration"]
	assert.Equal(t, []string{admin}, offline.Strings(adm["Principal"].(map[string]any)["AWS"]))
	assert.ElementsMatch(t, keypolicy.AdministrationActions, offline.Strings(adm["Action"]))
	for _, action := range offline.Strings(adm["Action"]) {
		assert.NotContains(t, []string{"kms:*", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"}, action, "administrators do not use the key")
	}

	use := st["StateAndSecretsUse"]
	assert.Equal(t, "Allow", use["Effect"])
	assert.Equal(t, deployRoles, offline.Strings(use["Principal"].(map[string]any)["AWS"]), "the deploy roles of every account, by ARN")
	assert.Equal(t, []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey"}, offline.Strings(use["Action"]))
	assert.Nil(t, use["Condition"], "used directly by the CLI (secrets) and through S3 (objects)")

	for sid, s := range st {
		for _, who := range offline.Strings(s["Principal"].(map[string]any)["AWS"]) {
			assert.False(t, strings.HasSuffix(who, ":root"), "%s names an account root", sid)
		}
	}
}

// previewRoles are the read-only roles of two accounts.
var previewRoles = []string{
	"arn:aws:iam::222222222222:role/refarch-preview",
	"arn:aws:iam::333333333333:role/refarch-preview",
}

func TestPreviewRolesReadTheStateAndDecryptOnly(t *testing.T) {
	args := validArgs()
	args.PreviewRoleARNs = append([]string(nil), previewRoles...)
	p := mustRun(t, args)
	arn := "arn:aws:s3:::" + bucket
	readers := append(append([]string(nil), deployRoles...), previewRoles...)

	st := p.Require(t, settings[5], "state").Statements(t, "policy")
	require.Len(t, st, 7)
	assert.Equal(t, readers, offline.Strings(st["StateList"]["Principal"].(map[string]any)["AWS"]), "previews list the bucket")
	assert.Equal(t, deployRoles, offline.Strings(st["StateReadWrite"]["Principal"].(map[string]any)["AWS"]), "previews do not write")
	read := st["StateRead"]
	assert.Equal(t, previewRoles, offline.Strings(read["Principal"].(map[string]any)["AWS"]))
	assert.Equal(t, []string{"s3:GetObject"}, offline.Strings(read["Action"]))
	assert.Equal(t, []string{arn + "/*"}, offline.Strings(read["Resource"]))
	assert.Equal(t, readers, offline.Strings(offline.Condition(st["DenyStateToEveryoneElse"], "ArnNotEquals", "aws:PrincipalArn")))
	writes := st["DenyWritesToReaders"]
	assert.Equal(t, "Deny", writes["Effect"])
	assert.ElementsMatch(t, []string{"s3:PutObject*", "s3:DeleteObject*"}, offline.Strings(writes["Action"]))
	assert.Equal(t, deployRoles, offline.Strings(offline.Condition(writes, "ArnNotEquals", "aws:PrincipalArn")),
		"only the deploy roles pass: a preview role cannot write even if its own account allowed it")

	key := p.Require(t, keyTyp, "state").Statements(t, "policy")
	require.Len(t, key, 3)
	assert.Equal(t, deployRoles, offline.Strings(key["StateAndSecretsUse"]["Principal"].(map[string]any)["AWS"]))
	assert.Equal(t, previewRoles, offline.Strings(key["StateAndSecretsRead"]["Principal"].(map[string]any)["AWS"]))
	assert.Equal(t, []string{"kms:Decrypt", "kms:DescribeKey"}, offline.Strings(key["StateAndSecretsRead"]["Action"]))
}

func TestARoleEitherWritesOrReads(t *testing.T) {
	args := validArgs()
	args.PreviewRoleARNs = []string{deployRoles[1]}
	_, err := run(t, args)
	offline.RequireProblem(t, err, "Args.PreviewRoleARNs[0]", "also a deploy role")
}

func TestTheComponentsDependenciesHoldForEveryChild(t *testing.T) {
	p, err := offline.RunComponent(func(ctx *pulumi.Context, prov *aws.Provider) error {
		role, err := iam.NewRole(ctx, "deploy", &iam.RoleArgs{AssumeRolePolicy: pulumi.String("{}")}, pulumi.Provider(prov))
		if err != nil {
			return err
		}
		_, err = statebackend.NewStateBackend(ctx, "state", validArgs(), pulumi.Provider(prov), pulumi.DependsOn([]pulumi.Resource{role}))
		return err
	})
	require.NoError(t, err)
	role := p.Require(t, "aws:iam/role:Role", "deploy")
	for _, r := range []*offline.Resource{p.Require(t, keyTyp, "state"), p.Require(t, settings[5], "state")} {
		assert.Contains(t, r.DependsOn, role.URN, "%s names the roles, which must exist first", r.Type)
	}
}

func TestKeyRotatesAndItsAliasNamesIt(t *testing.T) {
	p := mustRun(t, validArgs())
	key := p.Require(t, keyTyp, "state")
	assert.True(t, key.Bool("enableKeyRotation"))
	assert.Equal(t, 30, key.Int("deletionWindowInDays"))
	assert.Contains(t, key.String("description"), "s3://"+bucket)
	alias := p.Require(t, "aws:kms/alias:Alias", "state")
	assert.Equal(t, "alias/state", alias.String("name"))
	assert.Equal(t, key.Output("keyId"), alias.Get("targetKeyId"))
	assert.Len(t, p.ByType(keyTyp), 1, "one key for the bucket and every stack's secrets")
}

func TestNothingCanBeLostByADestroy(t *testing.T) {
	p := mustRun(t, validArgs())
	for _, typ := range []string{bucketTyp, keyTyp} {
		r := p.Require(t, typ, "state")
		assert.True(t, r.Protect, "%s is protected", typ)
		assert.True(t, r.RetainOnDelete, "%s is retained on delete", typ)
	}
	comp := p.Require(t, component, "state")
	for _, r := range p.Descendants(comp) {
		assert.True(t, r.Protect, "%s: a destroy that deletes what is unprotected must not lift a guard", r.Type)
		assert.True(t, r.RetainOnDelete, "%s: deleting it from the stack keeps it in AWS", r.Type)
	}
}

func TestObjectLockIsOffByDefault(t *testing.T) {
	p := mustRun(t, validArgs())
	assert.False(t, p.Require(t, bucketTyp, "state").Bool("objectLockEnabled"))
	assert.Empty(t, p.ByType("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"))
}

func TestObjectLockRetainsEveryVersionInGovernanceMode(t *testing.T) {
	args := validArgs()
	args.ObjectLock = true
	args.NoncurrentVersionDays = 45
	p := mustRun(t, args)
	assert.True(t, p.Require(t, bucketTyp, "state").Bool("objectLockEnabled"), "chosen when the bucket is created")
	lock := p.Require(t, "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", "state")
	assert.Equal(t, "GOVERNANCE", lock.String("rule.defaultRetention.mode"))
	assert.Equal(t, 45, lock.Int("rule.defaultRetention.days"))
	assert.False(t, lock.Has("rule.defaultRetention.years"))
	assert.True(t, lock.Protect)
	assert.Equal(t, 45, p.Require(t, settings[4], "state").Int("rules[0].noncurrentVersionExpiration.noncurrentDays"),
		"versions expire no sooner than their retention ends")
}

func TestCommandsNameTheBucketAndTheAliasARN(t *testing.T) {
	var c *statebackend.StateBackend
	outputs := map[string]string{}
	_, err := offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		var err error
		c, err = statebackend.NewStateBackend(ctx, "refarch-state", validArgs(), pulumi.Provider(p))
		if err != nil {
			return err
		}
		for name, out := range map[string]pulumi.StringOutput{"bucket": c.BucketName, "key": c.KeyARN, "alias": c.KeyAlias} {
			out.ApplyT(func(v string) string {
				outputs[name] = v
				return v
			})
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, "s3://"+bucket+"?region=us-west-2", c.LoginURL)
	assert.Equal(t, "awskms:///arn:aws:kms:us-west-2:123456789012:alias/refarch-state?region=us-west-2", c.SecretsProvider,
		"the alias by ARN: an alias name alone resolves in the caller's account")
	assert.Equal(t, bucket, outputs["bucket"])
	assert.Equal(t, "alias/refarch-state", outputs["alias"])
	assert.True(t, strings.HasPrefix(outputs["key"], "arn:aws:kms:us-west-2:123456789012:key/"), outputs["key"])
}

func TestBadArgumentsAreRefusedBeforeAnythingIsRegistered(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(a *statebackend.StateBackendArgs)
		field, rule string
	}{
		{"no bucket", func(a *statebackend.StateBackendArgs) { a.BucketName = "" }, "Args.BucketName", "required"},
		{"dotted bucket", func(a *statebackend.StateBackendArgs) { a.BucketName = "refarch.state" }, "Args.BucketName", "dots"},
		{"upper-case bucket", func(a *statebackend.StateBackendArgs) { a.BucketName = "Refarch-State" }, "Args.BucketName", "lower-case"},
		{"bucket too long", func(a *statebackend.StateBackendArgs) { a.BucketName = strings.Repeat("s", 64) }, "Args.BucketName", "3-63"},
		{"no deploy role", func(a *statebackend.StateBackendArgs) { a.DeployRoleARNs = nil }, "Args.DeployRoleARNs", "at least one"},
		{"deploy role not an ARN", func(a *statebackend.StateBackendArgs) { a.DeployRoleARNs[2] = "refarch-deploy" }, "Args.DeployRoleARNs[2]", "ARN of an IAM role"},
		{"deploy role a user", func(a *statebackend.StateBackendArgs) {
			a.DeployRoleARNs[1] = "arn:aws:iam::222222222222:user/deploy"
		}, "Args.DeployRoleARNs[1]", "ARN of an IAM role"},
		{"deploy role twice", func(a *statebackend.StateBackendArgs) { a.DeployRoleARNs[4] = a.DeployRoleARNs[0] }, "Args.DeployRoleARNs[4]", "twice"},
		{"no administrators", func(a *statebackend.StateBackendArgs) { a.KeyAdministrators = nil }, "Args.KeyAdministrators", "at least one"},
		{"administrator not an ARN", func(a *statebackend.StateBackendArgs) { a.KeyAdministrators = []string{"alice"} }, "Args.KeyAdministrators[0]", "ARN"},
		{"state administrator a root", func(a *statebackend.StateBackendArgs) {
			a.StateAdministrators = []string{"arn:aws:iam::123456789012:root"}
		}, "Args.StateAdministrators[0]", "every principal"},
		{"too few days", func(a *statebackend.StateBackendArgs) { a.NoncurrentVersionDays = 3 }, "Args.NoncurrentVersionDays", "between 7 and 3650"},
		{"negative days", func(a *statebackend.StateBackendArgs) { a.NoncurrentVersionDays = -1 }, "Args.NoncurrentVersionDays", "between 7 and 3650"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := validArgs()
			tc.edit(args)
			p, err := run(t, args)
			offline.RequireRefused(t, p, err, component, tc.field, tc.rule)
			assert.Empty(t, p.ByType(bucketTyp))
			assert.Empty(t, p.ByType(keyTyp))
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	args := &statebackend.StateBackendArgs{BucketName: "Bad.Bucket", DeployRoleARNs: []string{"x"}, NoncurrentVersionDays: 1}
	var err error
	_, err = offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := statebackend.NewStateBackend(ctx, "State", args, pulumi.Provider(p))
		return err
	})
	var verr *validate.Error
	require.ErrorAs(t, err, &verr)
	for _, field := range []string{"name", "Args.BucketName", "Args.DeployRoleARNs[0]", "Args.KeyAdministrators", "Args.NoncurrentVersionDays"} {
		assert.True(t, verr.Has(field), "%s is reported: %v", field, err)
	}
	assert.Contains(t, err.Error(), `state backend "State"`)
}

func TestCallerArgsAreNotModified(t *testing.T) {
	args := validArgs()
	mustRun(t, args)
	assert.Zero(t, args.NoncurrentVersionDays, "defaults are applied to a copy")
	assert.NoError(t, args.Validate())
	assert.Equal(t, deployRoles, args.DeployRoleARNs)
}
