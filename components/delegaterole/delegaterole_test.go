package delegaterole_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/delegaterole"
	"github.com/refarch/refarch/offline"
)

const (
	envAccount = "333333333333"
	security   = "111111111111"
)

func args() *delegaterole.DelegateRoleArgs {
	return &delegaterole.DelegateRoleArgs{
		RoleName:             "acme-delegate-dev",
		Environment:          "dev",
		Region:               offline.UnitRegion,
		AccountID:            offline.UnitAccount,
		EnvironmentAccountID: envAccount,
		OperatorsAccountID:   security,
		DeployRoleName:       "acme-deploy",
		ManagementVpcID:      pulumi.String("vpc-0mgmt"),
		RootZoneID:           pulumi.String("Z0ROOT"),
		DelegatedName:        "dev.example.com",
	}
}

func run(t *testing.T, a *delegaterole.DelegateRoleArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, provider *aws.Provider) error {
		_, err := delegaterole.NewDelegateRole(ctx, "delegate-dev", a, pulumi.Provider(provider))
		return err
	})
}

func TestTrustAdmitsOperatorsWithMFAAndTheEnvironmentsCIOnly(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	role := p.Require(t, "aws:iam/role:Role", "delegate-dev")
	assert.Equal(t, "acme-delegate-dev", role.String("name"), "a fixed name: the environment assumes it by ARN")
	assert.Equal(t, 3600, role.Int("maxSessionDuration"))
	trust := role.Statements(t, "assumeRolePolicy")
	require.Len(t, trust, 2)
	ops := trust["OperatorsWithMFA"]
	assert.Equal(t, []any{"arn:aws:iam::111111111111:root"}, ops["Principal"].(map[string]any)["AWS"])
	mfa, _ := offline.Lookup(ops, "Condition.Bool.aws:MultiFactorAuthPresent")
	assert.Equal(t, []any{"true"}, mfa)
	ci := trust["EnvironmentDeployRole"]
	arn, _ := offline.Lookup(ci, "Condition.ArnEquals.aws:PrincipalArn")
	assert.Equal(t, []any{"arn:aws:iam::333333333333:role/acme-deploy"}, arn, "only the environment's deploy role, named by condition")
}

func TestPolicyReachesThisEnvironmentOnly(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	policy := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "delegate-dev").Statements(t, "policy")
	accepter, _ := offline.Lookup(policy["PeeringsWithThisEnvironmentOnly"], "Condition.ArnLike.ec2:AccepterVpc")
	assert.Equal(t, []any{"arn:aws:ec2:us-west-2:333333333333:vpc/*"}, accepter)
	assert.Equal(t, []any{"arn:aws:ec2:us-west-2:123456789012:vpc/vpc-0mgmt"}, policy["RequestPeeringFromTheManagementVpc"]["Resource"])
	vpc, _ := offline.Lookup(policy["RoutesInTheManagementVpcOnly"], "Condition.ArnEquals.ec2:Vpc")
	assert.Equal(t, []any{"arn:aws:ec2:us-west-2:123456789012:vpc/vpc-0mgmt"}, vpc)
	names, _ := offline.Lookup(policy["DelegateThisEnvironmentsZoneOnly"], "Condition.ForAllValues:StringEquals.route53:ChangeResourceRecordSetsNormalizedRecordNames")
	types, _ := offline.Lookup(policy["DelegateThisEnvironmentsZoneOnly"], "Condition.ForAllValues:StringEquals.route53:ChangeResourceRecordSetsRecordTypes")
	assert.Equal(t, []any{"dev.example.com"}, names)
	assert.Equal(t, []any{"NS"}, types)
	assert.Equal(t, []any{"arn:aws:route53:::hostedzone/Z0ROOT"}, policy["DelegateThisEnvironmentsZoneOnly"]["Resource"])
	assoc := policy["AssociatePrivateZonesWithTheManagementVpcOnly"]
	vpcs, _ := offline.Lookup(assoc, "Condition.ForAllValues:StringEquals.route53:VPCs")
	assert.Equal(t, []any{"VPCId=vpc-0mgmt,VPCRegion=us-west-2"}, vpcs, "private zones may be associated with the management VPC only")
	null, _ := offline.Lookup(assoc, "Condition.Null.route53:VPCs")
	assert.Equal(t, []any{"false"}, null, "a request must name a VPC")
	assert.ElementsMatch(t, []any{"route53:AssociateVPCWithHostedZone", "route53:DisassociateVPCFromHostedZone", "route53:ListHostedZonesByVPC"}, assoc["Action"])

	without := args()
	without.RootZoneID = nil
	p, err = run(t, without)
	require.NoError(t, err)
	policy = p.Require(t, "aws:iam/rolePolicy:RolePolicy", "delegate-dev").Statements(t, "policy")
	assert.NotContains(t, policy, "DelegateThisEnvironmentsZoneOnly", "no root zone, no Route 53 permission")
	assert.Len(t, policy, 5)
}

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := map[string]struct {
		edit        func(*delegaterole.DelegateRoleArgs)
		field, rule string
	}{
		"same account":   {func(a *delegaterole.DelegateRoleArgs) { a.EnvironmentAccountID = offline.UnitAccount }, "Args.EnvironmentAccountID", "must differ"},
		"bad role name":  {func(a *delegaterole.DelegateRoleArgs) { a.RoleName = "delegate role" }, "Args.RoleName", "IAM role name"},
		"no vpc":         {func(a *delegaterole.DelegateRoleArgs) { a.ManagementVpcID = nil }, "Args.ManagementVpcID", "required"},
		"zone, no name":  {func(a *delegaterole.DelegateRoleArgs) { a.DelegatedName = "" }, "Args.DelegatedName", ""},
		"long sessions":  {func(a *delegaterole.DelegateRoleArgs) { a.MaxSessionHours = 13 }, "Args.MaxSessionHours", "between 1 and 12"},
		"operators typo": {func(a *delegaterole.DelegateRoleArgs) { a.OperatorsAccountID = "11111111111" }, "Args.OperatorsAccountID", "12-digit"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a := args()
			tc.edit(a)
			p, err := run(t, a)
			offline.RequireProblem(t, err, tc.field, tc.rule)
			assert.Empty(t, p.ByType("refarch:delegaterole:DelegateRole"), "nothing may be registered")
		})
	}
}
