package clientgroup_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/clientgroup"
	"github.com/refarch/refarch/offline"
)

const sgType = "aws:ec2/securityGroup:SecurityGroup"

func run(name string, args *clientgroup.ClientGroupArgs) (*offline.Plan, error) {
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := clientgroup.NewClientGroup(ctx, name, args, pulumi.Provider(p))
		return err
	})
}

func TestClientGroupIsEmptyAndInItsVPC(t *testing.T) {
	p, err := run("prod-data-clients", &clientgroup.ClientGroupArgs{
		VpcID: pulumi.String("vpc-0abc"),
		Tags:  map[string]string{"Stack": "prod"},
	})
	require.NoError(t, err)
	comp := p.Require(t, "refarch:clientgroup:ClientGroup", "prod-data-clients")
	sg := p.Require(t, sgType, "prod-data-clients")
	assert.Equal(t, comp.URN, sg.Parent, "the group is the component's child")
	assert.Equal(t, "vpc-0abc", sg.String("vpcId"))
	assert.Equal(t, "Members reach the data stores", sg.String("description"), "the documented default")
	assert.Equal(t, map[string]any{"Name": "prod-data-clients", "Stack": "prod"}, sg.Get("tags"))
	assert.False(t, sg.Has("ingress"), "nothing connects to the clients")
	assert.False(t, sg.Has("egress"), "the stores add the egress to themselves; the group itself allows none")
	assert.Empty(t, p.ByType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"))
	assert.Empty(t, p.ByType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"))
}

func TestClientGroupRefusesBadArgsBeforeRegistering(t *testing.T) {
	for _, tc := range []struct {
		name  string
		group string
		args  *clientgroup.ClientGroupArgs
		field string
		rule  string
	}{
		{"no VPC", "data-clients", &clientgroup.ClientGroupArgs{}, "Args.VpcID", "is required"},
		{"long description", "data-clients", &clientgroup.ClientGroupArgs{VpcID: pulumi.String("vpc-1"), Description: strings.Repeat("x", 256)},
			"Args.Description", "at most 255"},
		{"non-ASCII description", "data-clients", &clientgroup.ClientGroupArgs{VpcID: pulumi.String("vpc-1"), Description: "Clients → stores"},
			"Args.Description", "must be ASCII"},
		{"bad name", "Data_Clients", &clientgroup.ClientGroupArgs{VpcID: pulumi.String("vpc-1")}, "name", "lower-case letters"},
		{"long name", "a" + strings.Repeat("b", 247), &clientgroup.ClientGroupArgs{VpcID: pulumi.String("vpc-1")}, "name", "at most 247"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := run(tc.group, tc.args)
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Empty(t, p.ByType(sgType), "nothing is registered")
		})
	}
}
