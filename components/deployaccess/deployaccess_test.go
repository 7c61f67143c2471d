package deployaccess_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/deployaccess"
	"github.com/refarch/refarch/offline"
)

const (
	roleTyp     = "aws:iam/role:Role"
	policyTyp   = "aws:iam/rolePolicy:RolePolicy"
	attachTyp   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	oidcTyp     = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	org         = "0b6a1f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b"
	project     = "1c7b2a2f-4d6e-4f80-9bac-1d2e3f4a5b6c"
	repo        = "github.com/example-org/refarch"
	issuer      = "oidc.circleci.com/org/" + org
	providerARN = "arn:aws:iam::123456789012:oidc-provider/" + issuer
	// offline.UnitAccount, where RunComponent deploys.
	self = "123456789012"
)

func validArgs() *deployaccess.DeployAccessArgs {
	return &deployaccess.DeployAccessArgs{
		CircleCI:           deployaccess.CircleCI{OrgID: org, ProjectID: project, VCSOrigin: repo},
		OperatorsAccountID: "111111111111",
		State: deployaccess.StateAccess{
			BucketName: "refarch-state-111111111111", KeyAccountID: "111111111111", KeyRegion: "eu-west-1", KeyAlias: "alias/refarch-state",
		},
	}
}

func run(t *testing.T, args *deployaccess.DeployAccessArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := deployaccess.NewDeployAccess(ctx, "access", args, pulumi.Provider(p))
		return err
	})
}

func mustRun(t *testing.T, args *deployaccess.DeployAccessArgs) *offline.Plan {
	t.Helper()
	p, err := run(t, args)
	require.NoError(t, err)
	return p
}

func TestOneCircleCIProviderWithTheOrganizationAsAudience(t *testing.T) {
	p := mustRun(t, validArgs())
	require.Len(t, p.ByType(oidcTyp), 1, "an account holds one provider per issuer")
	o := p.Require(t, oidcTyp, "access-circleci")
	assert.Equal(t, "https://"+issuer, o.String("url"))
	assert.Equal(t, []string{org}, o.Strings("clientIdLists"))
}

func TestDeployRoleTrustsMainPeopleWithMFAAndItselfOnly(t *testing.T) {
	p := mustRun(t, validArgs())
	role := p.Require(t, roleTyp, "access-deploy")
	assert.Equal(t, "refarch-deploy", role.String("name"))
	assert.Equal(t, 3600, role.Int("maxSessionDuration"))
	trust := role.Statements(t, "assumeRolePolicy")
	require.Len(t, trust, 3)

	ci := trust["CircleCIDeployBranch"]
	assert.Equal(t, map[string]any{"Federated": []any{providerARN}}, ci["Principal"])
	assert.Equal(t, []any{"sts:AssumeRoleWithWebIdentity"}, ci["Action"])
	assert.Equal(t, map[string]any{
		"StringEquals": map[string]any{issuer + ":aud": []any{org}},
		"StringLike":   map[string]any{issuer + ":sub": []any{"org/" + org + "/project/" + project + "/user/*/vcs-origin/" + repo + "/vcs-ref/refs/heads/main"}},
	}, ci["Condition"], "only pipelines of main, from this repository and project")

	people := trust["OperatorsWithMFA"]
	assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::111111111111:root"}}, people["Principal"])
	assert.Equal(t, map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": []any{"true"}}}, people["Condition"])

	itself := trust["ItselfForTheProviders"]
	assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::" + self + ":root"}}, itself["Principal"])
	assert.Equal(t, map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{"arn:aws:iam::" + self + ":role/refarch-deploy"}}}, itself["Condition"])

	att := p.Require(t, attachTyp, "access-deploy-0")
	assert.Equal(t, "arn:aws:iam::aws:policy/AdministratorAccess", att.String("policyArn"))
	assert.Equal(t, role.Output("name"), att.Get("role"))
}

func TestDeployRoleReadsAndWritesTheStateThroughItsAlias(t *testing.T) {
	p := mustRun(t, validArgs())
	st := p.Require(t, policyTyp, "access-deploy-state").Statements(t, "policy")
	assert.Equal(t, []any{"s3:ListBucket", "s3:GetBucketLocation"}, st["StateList"]["Action"])
	assert.Equal(t, []any{"arn:aws:s3:::refarch-state-111111111111"}, st["StateList"]["Resource"])
	assert.Equal(t, []any{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, st["StateReadWrite"]["Action"])
	assert.Equal(t, []any{"arn:aws:s3:::refarch-state-111111111111/*"}, st["StateReadWrite"]["Resource"])
	key := st["StateKeyUse"]
	assert.Equal(t, []any{"arn:aws:kms:eu-west-1:111111111111:key/*"}, key["Resource"])
	assert.Equal(t, map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": []any{"alias/refarch-state"}}}, key["Condition"],
		"only the key carrying the state alias")
}

func TestPreviewRoleIsReadOnlyAndTrustsEveryBranch(t *testing.T) {
	args := validArgs()
	args.PreviewTrustedRoleARNs = []string{"arn:aws:iam::444444444444:role/refarch-preview", "arn:aws:iam::555555555555:role/refarch-preview"}
	p := mustRun(t, args)
	role := p.Require(t, roleTyp, "access-preview")
	assert.Equal(t, "refarch-preview", role.String("name"))
	trust := role.Statements(t, "assumeRolePolicy")
	require.Len(t, trust, 3)
	assert.Equal(t, []any{"org/" + org + "/project/" + project + "/user/*/vcs-origin/" + repo + "/vcs-ref/refs/heads/*"},
		trust["CircleCIAnyBranch"]["Condition"].(map[string]any)["StringLike"].(map[string]any)[issuer+":sub"], "every pull request's branch")
	assert.NotContains(t, trust, "OperatorsWithMFA")
	others := trust["OtherAccountsPreviewRoles"]
	assert.Equal(t, map[string]any{"AWS": []any{"arn:aws:iam::444444444444:root", "arn:aws:iam::555555555555:root"}}, others["Principal"])
	assert.Equal(t, map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{
		"arn:aws:iam::444444444444:role/refarch-preview", "arn:aws:iam::555555555555:role/refarch-preview",
	}}}, others["Condition"])

	// ReadOnlyAccess and its own policy: nothing that writes.
	var managed []string
	for _, att := range p.ByType(attachTyp) {
		if att.Get("role") == role.Output("name") {
			managed = append(managed, att.String("policyArn"))
		}
	}
	assert.Equal(t, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, managed)
	st := p.Require(t, policyTyp, "access-preview-state").Statements(t, "policy")
	assert.Len(t, st, 5)
	assert.Equal(t, []any{"s3:GetObject"}, st["StateRead"]["Action"])
	// Every run of the program asks Secrets Manager for random passwords,
	// a call that reads and writes nothing.
	assert.Equal(t, []any{"secretsmanager:GetRandomPassword"}, st["RandomPasswords"]["Action"])
	assert.Equal(t, []any{"kms:Decrypt", "kms:DescribeKey"}, st["StateKeyDecrypt"]["Action"])
	assert.Equal(t, []any{"sts:AssumeRole"}, st["AssumeItselfAndPreviewRoles"]["Action"])
	assert.Equal(t, []any{"arn:aws:iam::" + self + ":role/refarch-preview"}, st["AssumeItselfAndPreviewRoles"]["Resource"])
}

func TestPreviewRoleMayAssumeTheNamedPreviewRoles(t *testing.T) {
	args := validArgs()
	args.PreviewAssumableRoleARNs = []string{"arn:aws:iam::222222222222:role/refarch-preview"}
	p := mustRun(t, args)
	st := p.Require(t, policyTyp, "access-preview-state").Statements(t, "policy")
	assert.Equal(t, []any{"arn:aws:iam::" + self + ":role/refarch-preview", "arn:aws:iam::222222222222:role/refarch-preview"},
		st["AssumeItselfAndPreviewRoles"]["Resource"])
}

func TestECRPushRoleOnlyWithArgsAndOnlyPushes(t *testing.T) {
	p := mustRun(t, validArgs())
	assert.Nil(t, p.Find(roleTyp, "access-ecr-push"), "no push role unless asked")

	args := validArgs()
	args.ECRPush = &deployaccess.ECRPushArgs{Repositories: []string{"frontend", "backend"}}
	p = mustRun(t, args)
	role := p.Require(t, roleTyp, "access-ecr-push")
	assert.Equal(t, "refarch-ecr-push", role.String("name"))
	trust := role.Statements(t, "assumeRolePolicy")
	require.Len(t, trust, 1, "pipelines of main only: no people, no other branch")
	assert.Equal(t, []any{"org/" + org + "/project/" + project + "/user/*/vcs-origin/" + repo + "/vcs-ref/refs/heads/main"},
		trust["CircleCIDeployBranch"]["Condition"].(map[string]any)["StringLike"].(map[string]any)[issuer+":sub"])
	st := p.Require(t, policyTyp, "access-ecr-push").Statements(t, "policy")
	require.Len(t, st, 2)
	assert.Equal(t, []any{"ecr:GetAuthorizationToken"}, st["RegistryToken"]["Action"])
	assert.Equal(t, []any{"*"}, st["RegistryToken"]["Resource"], "GetAuthorizationToken takes no resource")
	assert.Equal(t, []any{
		"arn:aws:ecr:" + offline.UnitRegion + ":" + self + ":repository/frontend",
		"arn:aws:ecr:" + offline.UnitRegion + ":" + self + ":repository/backend",
	}, st["PushToTheRepositories"]["Resource"])
	assert.NotContains(t, st["PushToTheRepositories"]["Action"], "ecr:DeleteRepository")
	for _, r := range p.ByType(attachTyp) {
		assert.NotEqual(t, role.Output("name"), r.Get("role"), "the push role holds no managed policy")
	}
}

func TestReleaseRecordsOnlyWithArgsReadByPreviewsWrittenByDeploys(t *testing.T) {
	p := mustRun(t, validArgs())
	assert.Nil(t, p.Find(policyTyp, "access-deploy-release"), "no release records, no permission")
	assert.NotContains(t, p.Require(t, policyTyp, "access-preview-state").Statements(t, "policy"), "ReadTheReleaseRecords")

	args := validArgs()
	args.ReleaseRecords = "/refarch/release"
	p = mustRun(t, args)
	records := []any{"arn:aws:ssm:" + offline.UnitRegion + ":" + self + ":parameter/refarch/release/*"}

	deploy := p.Require(t, policyTyp, "access-deploy-release")
	assert.Equal(t, p.Require(t, roleTyp, "access-deploy").Output("name"), deploy.Get("role"))
	assert.Equal(t, "release", deploy.String("name"))
	st := deploy.Statements(t, "policy")
	require.Len(t, st, 1)
	rw := st["ReadAndWriteTheReleaseRecords"]
	assert.Equal(t, []any{"ssm:GetParameter", "ssm:GetParameterHistory", "ssm:PutParameter"}, rw["Action"],
		"the update job writes a record; a person rolls back to an earlier one")
	assert.Equal(t, records, rw["Resource"], "the records of this account and region only")

	read := p.Require(t, policyTyp, "access-preview-state").Statements(t, "policy")["ReadTheReleaseRecords"]
	require.NotNil(t, read, "a preview reads what the stack runs")
	assert.Equal(t, []any{"ssm:GetParameter"}, read["Action"], "the preview role never writes a record")
	assert.Equal(t, records, read["Resource"])
	assert.Nil(t, p.Find(policyTyp, "access-ecr-push"), "the push role is not involved")
}

func TestCheckParameterPath(t *testing.T) {
	for path, ok := range map[string]bool{
		"/refarch/release": true, "/acme-platform/release.v2": true, "/r": true,
		"refarch/release": false, "/refarch/release/": false, "/refarch//release": false, "/refarch/re lease": false,
		"/aws/release": false, "/SSM-releases": false, "/refarch/release/*": false, "": false,
	} {
		assert.Equal(t, ok, deployaccess.CheckParameterPath(path) == "", path)
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(a *deployaccess.DeployAccessArgs)
		field, rule string
	}{
		{"org id not a UUID", func(a *deployaccess.DeployAccessArgs) { a.CircleCI.OrgID = "my-org" }, "Args.CircleCI.OrgID", "lower-case UUID"},
		{"project id upper case", func(a *deployaccess.DeployAccessArgs) { a.CircleCI.ProjectID = "1C7B2A2F-4D6E-4F80-9BAC-1D2E3F4A5B6C" }, "Args.CircleCI.ProjectID", "lower-case UUID"},
		{"repository with scheme", func(a *deployaccess.DeployAccessArgs) { a.CircleCI.VCSOrigin = "https://github.com/a/b" }, "Args.CircleCI.VCSOrigin", "no scheme"},
		{"operators account", func(a *deployaccess.DeployAccessArgs) { a.OperatorsAccountID = "1234" }, "Args.OperatorsAccountID", "12-digit"},
		{"branch pattern", func(a *deployaccess.DeployAccessArgs) { a.DeployBranch = "release/*" }, "Args.DeployBranch", "no wildcard"},
		{"same role twice", func(a *deployaccess.DeployAccessArgs) { a.PreviewRoleName = "refarch-deploy" }, "Args.PreviewRoleName", "is also Args.DeployRoleName"},
		{"bad role name", func(a *deployaccess.DeployAccessArgs) { a.DeployRoleName = "deploy role" }, "Args.DeployRoleName", "IAM role name"},
		{"trusted not a role", func(a *deployaccess.DeployAccessArgs) {
			a.PreviewTrustedRoleARNs = []string{"arn:aws:iam::444444444444:user/bob"}
		}, "Args.PreviewTrustedRoleARNs[0]", "role"},
		{"bucket name", func(a *deployaccess.DeployAccessArgs) { a.State.BucketName = "State_Bucket" }, "Args.State.BucketName", ""},
		{"alias of AWS", func(a *deployaccess.DeployAccessArgs) { a.State.KeyAlias = "alias/aws/s3" }, "Args.State.KeyAlias", "customer alias"},
		{"key region", func(a *deployaccess.DeployAccessArgs) { a.State.KeyRegion = "mars-1" }, "Args.State.KeyRegion", ""},
		{"push without repositories", func(a *deployaccess.DeployAccessArgs) { a.ECRPush = &deployaccess.ECRPushArgs{} }, "Args.ECRPush.Repositories", "at least one"},
		{"push repository name", func(a *deployaccess.DeployAccessArgs) {
			a.ECRPush = &deployaccess.ECRPushArgs{Repositories: []string{"Frontend"}}
		}, "Args.ECRPush.Repositories[0]", "ECR repository name"},
		{"session of a day", func(a *deployaccess.DeployAccessArgs) { a.MaxSessionHours = 24 }, "Args.MaxSessionHours", "between 1 and 12"},
		{"release records path", func(a *deployaccess.DeployAccessArgs) { a.ReleaseRecords = "refarch/release/" }, "Args.ReleaseRecords", "Parameter Store path"},
		{"alert topic name", func(a *deployaccess.DeployAccessArgs) { a.AlertTopic = "alerts of prod" }, "Args.AlertTopic", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := validArgs()
			tt.mutate(args)
			p, err := run(t, args)
			offline.RequireProblem(t, err, tt.field, tt.rule)
			if p != nil {
				assert.Empty(t, p.ByType(roleTyp), "nothing is registered")
				assert.Empty(t, p.ByType(oidcTyp), "nothing is registered")
			}
		})
	}
}
