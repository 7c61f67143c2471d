// Package deployaccess provides DeployAccess: how pipelines and people get
// into one AWS account to preview and deploy its stack, with no long-lived
// key anywhere.
//
// Each account gets CircleCI's OIDC identity provider for the organization
// and two roles, and the registry's account a third:
//
//   - the deploy role (refarch-deploy), which `pulumi up` runs as: trusted by
//     pipelines of the deploy branch only (main), by the operators' people
//     with MFA, and by itself (the stacks' providers assume it again);
//     AdministratorAccess by default; it may read and write the state and
//     use the state key, and with Args.ReleaseRecords read and write the
//     release records;
//   - the preview role (refarch-preview), which every pull request's
//     `pulumi preview` runs as: trusted by pipelines of any branch of the
//     repository, by itself and by the preview roles named in
//     Args.PreviewTrustedRoleARNs; ReadOnlyAccess, read of the state and
//     decrypt with the state key, with Args.ReleaseRecords read of the
//     release records, and nothing else;
//   - with Args.ECRPush, the ECR push role (refarch-ecr-push): trusted by
//     pipelines of the deploy branch only; it may push to the named
//     repositories and nothing else.
//
// Why the deploy role trusts one branch: CircleCI runs the configuration
// file of the branch it builds, so a role trusting a branch trusts whatever
// that branch's config does with it. Pull requests therefore get a role that
// cannot change anything; only code merged to main, after review, deploys.
// The branch is in the OIDC token's subject, which IAM compares.
// Source: https://circleci.com/docs/openid-connect-tokens/#format-of-the-openid-connect-id-token
//
// An account holds one OIDC provider per issuer URL, so this component is
// the only place the CircleCI provider is created (cmd/bootstrap creates one
// DeployAccess per account, before any stack).
// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
package deployaccess

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/awsenv"
	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/validate"
)

// DeployAccess is the account's OIDC provider and roles.
type DeployAccess struct {
	pulumi.ResourceState

	// OIDCProviderARN is CircleCI's identity provider.
	OIDCProviderARN pulumi.StringOutput `pulumi:"oidcProviderArn"`
	// DeployRoleARN, PreviewRoleARN and ECRPushRoleARN are the roles' ARNs
	// (ECRPushRoleARN "" without Args.ECRPush).
	DeployRoleARN  pulumi.StringOutput `pulumi:"deployRoleArn"`
	PreviewRoleARN pulumi.StringOutput `pulumi:"previewRoleArn"`
	ECRPushRoleARN pulumi.StringOutput `pulumi:"ecrPushRoleArn"`

	// Roles are the roles and their policies, for whatever must wait until
	// they exist (a KMS key policy naming them): pass them to DependsOn.
	Roles []pulumi.Resource
}

// NewDeployAccess creates a DeployAccess in the account of the provider in
// opts. It validates args before registering anything.
func NewDeployAccess(ctx *pulumi.Context, name string, args *DeployAccessArgs, opts ...pulumi.ResourceOption) (*DeployAccess, error) {
	if args == nil {
		args = &DeployAccessArgs{}
	}
	if err := validate.Component("deploy access arguments", name, CheckName(name), args); err != nil {
		return nil, fmt.Errorf("deploy access %q: %w", name, err)
	}
	c := &DeployAccess{}
	if err := ctx.RegisterComponentResource("refarch:deployaccess:DeployAccess", name, c, opts...); err != nil {
		return nil, fmt.Errorf("deploy access %q: registering the component: %w", name, err)
	}
	child := pulumi.Parent(c)
	env, err := awsenv.Lookup(ctx, child)
	if err != nil {
		return nil, fmt.Errorf("deploy access %q: looking up the account: %w", name, err)
	}
	a := args.withDefaults(env.Partition)
	b := &builder{ctx: ctx, name: name, a: &a, env: env, child: child, c: c}
	if err := b.build(); err != nil {
		return nil, fmt.Errorf("deploy access %q: %w", name, err)
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"oidcProviderArn": c.OIDCProviderARN,
		"deployRoleArn":   c.DeployRoleARN,
		"previewRoleArn":  c.PreviewRoleARN,
		"ecrPushRoleArn":  c.ECRPushRoleARN,
	})
}

type builder struct {
	ctx   *pulumi.Context
	name  string
	a     *DeployAccessArgs
	env   awsenv.Env
	child pulumi.ResourceOption
	c     *DeployAccess
}

// trustFunc builds a role's trust policy from the OIDC provider's ARN.
type trustFunc func(providerARN string) iampolicy.Document

func (b *builder) build() error {
	provider, err := iam.NewOpenIdConnectProvider(b.ctx, b.name+"-circleci", &iam.OpenIdConnectProviderArgs{
		Url: pulumi.String("https://" + Issuer(b.a.CircleCI.OrgID)),
		// CircleCI's tokens carry the organization id as their audience.
		// No thumbprint: IAM verifies the issuer's certificate through its
		// own trusted certificate authorities.
		// Source: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html
		ClientIdLists: pulumi.StringArray{pulumi.String(b.a.CircleCI.OrgID)},
	}, b.child)
	if err != nil {
		return fmt.Errorf("CircleCI OIDC provider: %w", err)
	}
	b.c.OIDCProviderARN = provider.Arn

	deploy, err := b.role("deploy", b.a.DeployRoleName, "Runs pulumi up of this account's stack: pipelines of "+b.a.DeployBranch+", operators with MFA",
		provider, func(arn string) iampolicy.Document { return deployTrust(b.a, b.env, arn) })
	if err != nil {
		return err
	}
	for i, arn := range b.a.DeployPolicyARNs {
		att, err := iam.NewRolePolicyAttachment(b.ctx, fmt.Sprintf("%s-deploy-%d", b.name, i), &iam.RolePolicyAttachmentArgs{
			Role: deploy.Name, PolicyArn: pulumi.String(arn),
		}, b.child)
		if err != nil {
			return fmt.Errorf("deploy role: policy %s: %w", arn, err)
		}
		b.c.Roles = append(b.c.Roles, att)
	}
	if err := b.inline("deploy-state", deploy, "state", deployState(b.a, b.env)); err != nil {
		return fmt.Errorf("deploy role: %w", err)
	}
	if b.a.ReleaseRecords != "" {
		if err := b.inline("deploy-release", deploy, "release", deployRelease(b.a, b.env)); err != nil {
			return fmt.Errorf("deploy role: %w", err)
		}
	}
	b.c.DeployRoleARN = deploy.Arn

	preview, err := b.role("preview", b.a.PreviewRoleName, "Runs pulumi preview of this account's stack, read-only: pipelines of any branch",
		provider, func(arn string) iampolicy.Document { return previewTrust(b.a, b.env, arn) })
	if err != nil {
		return err
	}
	readOnly, err := iam.NewRolePolicyAttachment(b.ctx, b.name+"-preview-read-only", &iam.RolePolicyAttachmentArgs{
		Role: preview.Name, PolicyArn: pulumi.String(iampolicy.ManagedPolicyARN(b.env.Partition, ReadOnlyPolicy)),
	}, b.child)
	if err != nil {
		return fmt.Errorf("preview role: %s: %w", ReadOnlyPolicy, err)
	}
	b.c.Roles = append(b.c.Roles, readOnly)
	if err := b.inline("preview-state", preview, "state-read", previewPolicy(b.a, b.env)); err != nil {
		return fmt.Errorf("preview role: %w", err)
	}
	b.c.PreviewRoleARN = preview.Arn

	b.c.ECRPushRoleARN = pulumi.String("").ToStringOutput()
	if e := b.a.ECRPush; e != nil {
		push, err := b.role("ecr-push", e.RoleName, "Pushes the service images to ECR: pipelines of "+b.a.DeployBranch,
			provider, func(arn string) iampolicy.Document { return pushTrust(b.a, arn) })
		if err != nil {
			return err
		}
		if err := b.inline("ecr-push", push, "push", pushPolicy(e, b.env)); err != nil {
			return fmt.Errorf("ECR push role: %w", err)
		}
		b.c.ECRPushRoleARN = push.Arn
	}
	return nil
}

// role creates one role with a fixed name (pipelines assume it by ARN) whose
// trust names the OIDC provider.
func (b *builder) role(suffix, name, description string, provider *iam.OpenIdConnectProvider, trust trustFunc) (*iam.Role, error) {
	role, err := iam.NewRole(b.ctx, b.name+"-"+suffix, &iam.RoleArgs{
		Name:        pulumi.String(name),
		Description: pulumi.String(description),
		AssumeRolePolicy: iampolicy.StringOutput([]pulumi.Input{provider.Arn}, func(v []any) (iampolicy.Document, error) {
			return trust(v[0].(string)), nil
		}),
		MaxSessionDuration: pulumi.Int(b.a.MaxSessionHours * 3600),
	}, b.child)
	if err != nil {
		return nil, fmt.Errorf("role %s: %w", name, err)
	}
	b.c.Roles = append(b.c.Roles, role)
	return role, nil
}

// inline attaches an inline policy to a role.
func (b *builder) inline(suffix string, role *iam.Role, policyName string, doc iampolicy.Document) error {
	policy, err := doc.JSON()
	if err != nil {
		return fmt.Errorf("policy %s: %w", policyName, err)
	}
	rp, err := iam.NewRolePolicy(b.ctx, b.name+"-"+suffix, &iam.RolePolicyArgs{
		Role: role.Name, Name: pulumi.String(policyName), Policy: pulumi.String(policy),
	}, b.child)
	if err != nil {
		return fmt.Errorf("policy %s: %w", policyName, err)
	}
	b.c.Roles = append(b.c.Roles, rp)
	return nil
}
