package dns_test

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
)

// parentAccount owns the parent zone in the delegation tests.
const parentAccount = "222222222222"

// providers are the explicit providers a test program uses, as the stacks
// do: the environment's account and region (offline.RunComponent's
// "unit"), its us-east-1 twin, and the account owning the parent zone.
type providers struct {
	account, usEast1, parent *aws.Provider
}

// run runs program under the harness with the default aws provider
// disabled, as Pulumi.yaml does.
func run(t *testing.T, program func(ctx *pulumi.Context, p *providers) error) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, account *aws.Provider) error {
		p := &providers{account: account}
		var err error
		if p.usEast1, err = aws.NewProvider(ctx, "us-east-1", &aws.ProviderArgs{
			Region:            pulumi.String("us-east-1"),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(offline.UnitAccount)},
		}); err != nil {
			return err
		}
		if p.parent, err = aws.NewProvider(ctx, "parent", &aws.ProviderArgs{
			Region:            pulumi.String(offline.UnitRegion),
			AllowedAccountIds: pulumi.StringArray{pulumi.String(parentAccount)},
		}); err != nil {
			return err
		}
		return program(ctx, p)
	})
}

// requireProblem asserts err is a validation error naming field with a rule
// containing rule.
func requireProblem(t *testing.T, err error, field, rule string) {
	t.Helper()
	require.Error(t, err)
	var verr *validate.Error
	require.True(t, errors.As(err, &verr), "want a *validate.Error, got %v", err)
	require.True(t, verr.Has(field), "error must name %s:\n%v", field, verr)
	assert.Contains(t, verr.Error(), rule)
}

// dependsOn reports whether r waits for the resource with URN dep.
func dependsOn(r *offline.Resource, dep string) bool {
	for _, d := range r.DependsOn {
		if d == dep {
			return true
		}
	}
	return false
}
