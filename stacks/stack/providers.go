package stack

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/deployaccess"
	"github.com/refarch/refarch/components/iampolicy"
)

// USEast1 is the region CloudFront reads its ACM certificates from.
const USEast1 = "us-east-1"

// Providers are the explicit AWS providers of one stack. Pulumi.yaml disables
// the default aws provider (pulumi:disable-default-providers), so every
// resource must name one of these and none can land in another account.
type Providers struct {
	// Account deploys into the stack's account and region.
	Account *aws.Provider
	// USEast1 deploys into the stack's account in us-east-1, where CloudFront
	// requires the certificates of its distributions.
	USEast1 *aws.Provider
	// SharedServices, in application stacks only (nil elsewhere), acts in
	// the shared-services account through that account's narrow delegate
	// role for this environment (DelegateRoleName): it may only write this
	// environment's DNS delegation and VPC peering there. With
	// refarch:access preview it reads through shared-services' preview
	// role instead. It lets one
	// `pulumi up` of an application stack wire both sides of what the two
	// accounts share, without handing it the shared-services deploy role.
	SharedServices *aws.Provider
	// Management, in the security stack only (nil elsewhere), acts in the
	// organization's management account through the delegate role the
	// management stack creates for security (DelegateRoleName("security")):
	// it may only designate the security account the delegated
	// administrator of the audit and detection services, which only the
	// management account may do. With refarch:access preview it reads
	// through management's preview role instead.
	Management *aws.Provider
}

// DelegateRoleName is the role an application environment assumes in the
// shared-services account; the shared-services stack creates one per
// environment, trusting only the principals that may deploy it.
func DelegateRoleName(env string) string { return Namespace + "-delegate-" + env }

// DefaultTags returns the tags every resource of the stack carries, through
// the providers' default_tags: who owns it, what pays for it, where it came
// from.
func (c *Config) DefaultTags() map[string]string {
	return map[string]string{
		"Project":     Namespace,
		"Environment": c.Stack,
		"ManagedBy":   "pulumi",
		"Owner":       c.Owner,
		"CostCenter":  c.CostCenter,
	}
}

// PreviewRoleName is the read-only role of every account that previews
// assume (components/deployaccess, created by cmd/bootstrap).
const PreviewRoleName = deployaccess.DefaultPreviewRoleName

// KeyAdministrators are the principals that administer every KMS key the
// stack creates: the deploy role, which updates assume and which must be
// able to change the key policies it writes (KMS refuses a policy that
// locks its caller out), and which may never use the keys. It is the
// deploy role also while previewing with the preview role: a preview shows
// the policies an update would write.
func (c *Config) KeyAdministrators() []string {
	return []string{c.DeployRoleARN()}
}

// DeployRoleARN is the deploy role of the stack's account.
func (c *Config) DeployRoleARN() string {
	return iampolicy.RoleARN(c.Partition, c.AccountID, c.DeployRoleName)
}

// ProviderRoleARN is the role the providers assume in account (the
// stack's own, or shared-services from an application stack):
// refarch:access decides between changing and reading.
func (c *Config) ProviderRoleARN(account string) string {
	if c.Access == AccessPreview {
		return iampolicy.RoleARN(c.Partition, account, PreviewRoleName)
	}
	if account == c.AccountID {
		return c.DeployRoleARN()
	}
	return iampolicy.RoleARN(c.Partition, account, DelegateRoleName(c.Stack))
}

// NewProviders creates the stack's providers. Explicit providers ignore the
// aws:* stack configuration, so region, role and tags are all passed here.
func NewProviders(ctx *pulumi.Context, c *Config) (*Providers, error) {
	account, err := newAccountProvider(ctx, "aws-"+c.Stack, c, c.Region)
	if err != nil {
		return nil, err
	}
	usEast1, err := newAccountProvider(ctx, "aws-"+c.Stack+"-"+USEast1, c, USEast1)
	if err != nil {
		return nil, err
	}
	providers := &Providers{Account: account, USEast1: usEast1}
	if c.Role == RoleApp {
		shared := c.Accounts["shared-services"]
		providers.SharedServices, err = newProvider(ctx, "aws-"+c.Stack+"-shared-services", c, c.Region, shared.ID, c.ProviderRoleARN(shared.ID))
		if err != nil {
			return nil, err
		}
	}
	if c.Role == RoleSecurity {
		mgmt := c.Accounts["management"]
		providers.Management, err = newProvider(ctx, "aws-"+c.Stack+"-management", c, c.Region, mgmt.ID, c.ProviderRoleARN(mgmt.ID))
		if err != nil {
			return nil, err
		}
	}
	return providers, nil
}

// newAccountProvider creates a provider for the stack's own account.
func newAccountProvider(ctx *pulumi.Context, name string, c *Config, region string) (*aws.Provider, error) {
	return newProvider(ctx, name, c, region, c.AccountID, c.ProviderRoleARN(c.AccountID))
}

// newProvider pins a provider to one account twice over: it assumes a role
// of that account, and allowedAccountIds makes the provider refuse to act if
// the credentials resolve to any other account.
func newProvider(ctx *pulumi.Context, name string, c *Config, region, account, roleARN string) (*aws.Provider, error) {
	tags := pulumi.StringMap{}
	for k, v := range c.DefaultTags() {
		tags[k] = pulumi.String(v)
	}
	p, err := aws.NewProvider(ctx, name, &aws.ProviderArgs{
		Region:            pulumi.String(region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(account)},
		AssumeRole: &aws.ProviderAssumeRoleArgs{
			RoleArn:     pulumi.String(roleARN),
			SessionName: pulumi.String("refarch-" + c.Stack),
		},
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: tags},
	})
	if err != nil {
		return nil, fmt.Errorf("provider %q: %w", name, err)
	}
	return p, nil
}
