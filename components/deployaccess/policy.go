package deployaccess

import (
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/statebackend"
)

// CircleCIIssuerHost is the host of CircleCI's per-organization OIDC
// issuers (https://oidc.circleci.com/org/<organization id>).
// Source: https://circleci.com/docs/openid-connect-tokens/
const CircleCIIssuerHost = "oidc.circleci.com"

// Issuer is the OIDC issuer of an organization's tokens, without scheme: the
// prefix of the condition keys IAM derives from it (<issuer>:sub,
// <issuer>:aud).
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
func Issuer(orgID string) string { return CircleCIIssuerHost + "/org/" + orgID }

// Subject is the OIDC subject (the sub claim of $CIRCLE_OIDC_TOKEN_V2) of
// any user's pipeline of the project, from the repository, on ref (an IAM
// StringLike pattern such as refs/heads/main or refs/heads/*).
// Source: https://circleci.com/docs/openid-connect-tokens/#format-of-the-openid-connect-id-token
func Subject(ci CircleCI, ref string) string {
	return fmt.Sprintf("org/%s/project/%s/user/*/vcs-origin/%s/vcs-ref/%s", ci.OrgID, ci.ProjectID, ci.VCSOrigin, ref)
}

// AnyBranch is the ref pattern of the preview role: every branch of the
// repository, so every pull request can be previewed.
const AnyBranch = "refs/heads/*"

// BranchRef is the ref of one branch.
func BranchRef(branch string) string { return "refs/heads/" + branch }

// pipeline admits CircleCI jobs of the project whose ref matches, with
// their OIDC token.
func pipeline(sid string, ci CircleCI, providerARN, ref string) iampolicy.Statement {
	issuer := Issuer(ci.OrgID)
	return iampolicy.Statement{
		Sid:       sid,
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"Federated": {providerARN}},
		Action:    []string{"sts:AssumeRoleWithWebIdentity"},
		Condition: iampolicy.Conditions{
			"StringEquals": {issuer + ":aud": {ci.OrgID}},
			"StringLike":   {issuer + ":sub": {Subject(ci, ref)}},
		},
	}
}

// rolesByARN admits the named roles, each named through its account's root
// with a condition on aws:PrincipalArn: IAM refuses a trust policy naming a
// role that does not exist yet, and a role that is deleted and created again
// keeps its trust (a principal named directly would be a stale unique id).
// Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
func rolesByARN(sid, partition string, accounts, roles []string) iampolicy.Statement {
	roots := make([]string, 0, len(accounts))
	for _, acct := range accounts {
		root := iampolicy.RootARN(partition, acct)
		if !slices.Contains(roots, root) {
			roots = append(roots, root)
		}
	}
	return iampolicy.Statement{
		Sid:       sid,
		Effect:    iampolicy.Allow,
		Principal: iampolicy.Principal{"AWS": roots},
		Action:    []string{"sts:AssumeRole"},
		Condition: iampolicy.Conditions{"ArnEquals": {"aws:PrincipalArn": roles}},
	}
}

// itself lets a session of the role assume the role again: the stacks'
// providers always assume their account's role (stacks/stack), also when the
// CLI already runs as it, and IAM no longer lets a role assume itself
// unless its trust policy says so.
// Source: https://aws.amazon.com/blogs/security/announcing-an-update-to-iam-role-trust-policy-behavior/
func itself(env awsenv.Env, roleName string) iampolicy.Statement {
	return rolesByARN("ItselfForTheProviders", env.Partition, []string{env.Account}, []string{iampolicy.RoleARN(env.Partition, env.Account, roleName)})
}

// deployTrust admits pipelines of the deploy branch, the operators' people
// with MFA, and the role itself.
func deployTrust(a *DeployAccessArgs, env awsenv.Env, providerARN string) iampolicy.Document {
	return iampolicy.New(
		pipeline("CircleCIDeployBranch", a.CircleCI, providerARN, BranchRef(a.DeployBranch)),
		iampolicy.Statement{
			Sid:       "OperatorsWithMFA",
			Effect:    iampolicy.Allow,
			Principal: iampolicy.Principal{"AWS": {iampolicy.RootARN(env.Partition, a.OperatorsAccountID)}},
			Action:    []string{"sts:AssumeRole"},
			Condition: iampolicy.Conditions{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}},
		},
		itself(env, a.DeployRoleName),
	)
}

// previewTrust admits pipelines of any branch, the role itself and the
// other accounts' preview roles of PreviewTrustedRoleARNs.
func previewTrust(a *DeployAccessArgs, env awsenv.Env, providerARN string) iampolicy.Document {
	doc := iampolicy.New(
		pipeline("CircleCIAnyBranch", a.CircleCI, providerARN, AnyBranch),
		itself(env, a.PreviewRoleName),
	)
	if len(a.PreviewTrustedRoleARNs) > 0 {
		accounts := make([]string, len(a.PreviewTrustedRoleARNs))
		for i, arn := range a.PreviewTrustedRoleARNs {
			accounts[i] = accountOf(arn)
		}
		doc.Statement = append(doc.Statement, rolesByARN("OtherAccountsPreviewRoles", env.Partition, accounts, a.PreviewTrustedRoleARNs))
	}
	return doc
}

// pushTrust admits pipelines of the deploy branch only.
func pushTrust(a *DeployAccessArgs, providerARN string) iampolicy.Document {
	return iampolicy.New(pipeline("CircleCIDeployBranch", a.CircleCI, providerARN, BranchRef(a.DeployBranch)))
}

// stateKey is the statement resource and condition naming the state key by
// its alias: any key of the key's account and region that carries the
// alias. The alias is known before the key exists, and the key's own
// policy is what admits these roles at all.
// Source: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases
func stateKey(sid string, env awsenv.Env, s StateAccess, actions []string) iampolicy.Statement {
	return iampolicy.Statement{
		Sid:       sid,
		Effect:    iampolicy.Allow,
		Action:    actions,
		Resource:  []string{iampolicy.ARN(env.Partition, "kms", s.KeyRegion, s.KeyAccountID, "key/*")},
		Condition: iampolicy.Conditions{"ForAnyValue:StringEquals": {"kms:ResourceAliases": {s.KeyAlias}}},
	}
}

// deployState lets the deploy role do with the state what the Pulumi CLI
// does during an update: list the bucket, read and write its objects
// (checkpoints, history, locks), use the key. The bucket's policy and the
// key's policy must admit the role as well (components/statebackend).
func deployState(a *DeployAccessArgs, env awsenv.Env) iampolicy.Document {
	bucket := iampolicy.BucketARN(env.Partition, a.State.BucketName)
	return iampolicy.New(
		iampolicy.Statement{Sid: "StateList", Effect: iampolicy.Allow, Action: statebackend.BucketActions, Resource: []string{bucket}},
		iampolicy.Statement{Sid: "StateReadWrite", Effect: iampolicy.Allow, Action: statebackend.ObjectActions, Resource: []string{bucket + "/*"}},
		stateKey("StateKeyUse", env, a.State, statebackend.KeyUseActions),
	)
}

// previewPolicy lets the preview role read the state (a preview takes no
// lock and writes nothing: https://github.com/pulumi/pulumi/blob/v3.274.1/pkg/backend/diy/backend.go,
// where only updates, imports, refreshes and destroys lock), decrypt with
// the key, assume itself and PreviewAssumableRoleARNs, and ask Secrets
// Manager for random passwords, which every run of the stacks' program does
// (secretsmanager:GetRandomPassword reads and stores nothing, and names no
// resource: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
func previewPolicy(a *DeployAccessArgs, env awsenv.Env) iampolicy.Document {
	bucket := iampolicy.BucketARN(env.Partition, a.State.BucketName)
	assumable := append([]string{iampolicy.RoleARN(env.Partition, env.Account, a.PreviewRoleName)}, a.PreviewAssumableRoleARNs...)
	doc := iampolicy.New(
		iampolicy.Statement{Sid: "StateList", Effect: iampolicy.Allow, Action: statebackend.BucketActions, Resource: []string{bucket}},
		iampolicy.Statement{Sid: "StateRead", Effect: iampolicy.Allow, Action: statebackend.ReadObjectActions, Resource: []string{bucket + "/*"}},
		stateKey("StateKeyDecrypt", env, a.State, statebackend.KeyReadActions),
		iampolicy.Statement{Sid: "AssumeItselfAndPreviewRoles", Effect: iampolicy.Allow, Action: []string{"sts:AssumeRole"}, Resource: assumable},
		iampolicy.Statement{Sid: "RandomPasswords", Effect: iampolicy.Allow, Action: []string{"secretsmanager:GetRandomPassword"}, Resource: []string{"*"}},
	)
	if a.AlertTopic != "" {
		doc.Statement = append(doc.Statement, alertStatements(a, env)...)
	}
	if a.ReleaseRecords != "" {
		// A preview reads what the stack runs, as an update does; the
		// managed ReadOnlyAccess is not relied on for it.
		doc.Statement = append(doc.Statement, iampolicy.Statement{
			Sid: "ReadTheReleaseRecords", Effect: iampolicy.Allow, Action: ReleaseReadActions, Resource: []string{releaseRecords(a, env)},
		})
	}
	return doc
}

// alertPublishActions are what publishing to an SSE-KMS topic takes of
// the topic's key: SNS generates a data key to encrypt the message and
// decrypts it to deliver it, on behalf of the publisher.
// Source: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse
var alertPublishActions = []string{"kms:Decrypt", "kms:GenerateDataKey*"}

// alertStatements let the preview role publish to Args.AlertTopic and use
// its key, the one whose alias is alias/<AlertTopic>, through SNS only.
// The key's id is not known before the stack creates it: the
// kms:ResourceAliases condition names it by alias (multi-valued, hence
// ForAnyValue), kms:ViaService keeps its use to SNS.
// Sources: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases,
// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service,
// https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
func alertStatements(a *DeployAccessArgs, env awsenv.Env) []iampolicy.Statement {
	return []iampolicy.Statement{
		{
			Sid: "PublishDriftAlerts", Effect: iampolicy.Allow, Action: []string{"sns:Publish"},
			Resource: []string{iampolicy.ARN(env.Partition, "sns", env.Region, env.Account, a.AlertTopic)},
		},
		{
			Sid: "UseTheAlertKeyThroughSNS", Effect: iampolicy.Allow, Action: alertPublishActions,
			Resource: []string{iampolicy.ARN(env.Partition, "kms", env.Region, env.Account, "key/*")},
			Condition: iampolicy.Conditions{
				"StringEquals":             {"kms:ViaService": keypolicy.ServiceEndpoints(env.Region, []string{"sns"})},
				"ForAnyValue:StringEquals": {"kms:ResourceAliases": {"alias/" + a.AlertTopic}},
			},
		},
	}
}

// ReleaseReadActions are what reading a release record takes: the AWS
// provider's parameter lookup calls GetParameter.
// Sources: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
var ReleaseReadActions = []string{"ssm:GetParameter"}

// ReleaseWriteActions are what the deploy role may also do with the
// release records: write one (aws ssm put-parameter --overwrite, the
// pipeline's update job or a person rolling back) and list a record's
// earlier values to roll back to (aws ssm get-parameter-history).
// Sources: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html,
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
var ReleaseWriteActions = []string{"ssm:GetParameterHistory", "ssm:PutParameter"}

// releaseRecords is the ARN pattern of the release records: every
// parameter below Args.ReleaseRecords in the account and region. A
// hierarchical parameter's ARN is parameter/ followed by its name without
// the leading slash.
// Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html#awssystemsmanager-resources-for-iam-policies
func releaseRecords(a *DeployAccessArgs, env awsenv.Env) string {
	return iampolicy.ARN(env.Partition, "ssm", env.Region, env.Account, "parameter"+a.ReleaseRecords+"/*")
}

// deployRelease lets the deploy role read and write the release records
// (Args.ReleaseRecords), whatever managed policies it holds.
func deployRelease(a *DeployAccessArgs, env awsenv.Env) iampolicy.Document {
	return iampolicy.New(iampolicy.Statement{
		Sid:      "ReadAndWriteTheReleaseRecords",
		Effect:   iampolicy.Allow,
		Action:   append(slices.Clone(ReleaseReadActions), ReleaseWriteActions...),
		Resource: []string{releaseRecords(a, env)},
	})
}

// PushActions are what the ECR push role may do on its repositories: what
// `ko build` (and `docker push`) calls to upload layers and put a manifest,
// and to check what is there already.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
var PushActions = []string{
	"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
	"ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
}

// pushPolicy lets the role get a registry token (an account-wide action,
// which takes no resource but *) and push to its repositories only.
// Source: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
func pushPolicy(e *ECRPushArgs, env awsenv.Env) iampolicy.Document {
	repos := make([]string, len(e.Repositories))
	for i, r := range e.Repositories {
		repos[i] = iampolicy.ARN(env.Partition, "ecr", env.Region, env.Account, "repository/"+r)
	}
	return iampolicy.New(
		iampolicy.Statement{Sid: "RegistryToken", Effect: iampolicy.Allow, Action: []string{"ecr:GetAuthorizationToken"}, Resource: []string{"*"}},
		iampolicy.Statement{Sid: "PushToTheRepositories", Effect: iampolicy.Allow, Action: PushActions, Resource: repos},
	)
}

// accountOf returns the account field of an ARN
// (arn:partition:service:region:account:resource).
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
