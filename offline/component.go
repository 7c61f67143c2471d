package offline

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// UnitAccount and UnitRegion are where RunComponent's provider deploys.
const (
	UnitAccount = "123456789012"
	UnitRegion  = "us-west-2"
)

// RunComponent runs a component unit test: program gets an explicit aws
// provider for UnitAccount in UnitRegion (the default provider is disabled,
// as in the project) and builds the components under test with it.
func RunComponent(program func(ctx *pulumi.Context, provider *aws.Provider) error) (*Plan, error) {
	cfg := &StackConfig{
		Project: "unit",
		Stack:   "test",
		Values:  map[string]string{"pulumi:disable-default-providers": `["aws"]`},
	}
	return Run(func(ctx *pulumi.Context) error {
		provider, err := aws.NewProvider(ctx, "unit", &aws.ProviderArgs{
			Region:            pulumi.String(UnitRegion),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(UnitAccount)},
		})
		if err != nil {
			return err
		}
		return program(ctx, provider)
	}, cfg, Options{})
}
