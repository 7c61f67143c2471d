package organization_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/organization"
	"github.com/refarch/refarch/offline"
)

const (
	management = offline.UnitAccount
	security   = "111111111111"
	prod       = "555555555555"
)

func args() *organization.OrganizationArgs {
	return &organization.OrganizationArgs{
		ManagementAccountID: management,
		Accounts: []organization.Account{
			{Key: "security", Name: "refarch-security", Email: "aws-security@example.com", Unit: organization.UnitSecurity, ID: security},
			{Key: "prod", Name: "refarch-prod", Email: "aws-prod@example.com", Unit: organization.UnitProd, ID: prod},
			{Key: "qa", Name: "refarch-qa", Email: "aws-qa@example.com", Unit: organization.UnitSDLC},
		},
		Policies: []organization.Policy{
			{Name: "deny-leave", Description: "no account leaves", Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`, Targets: []string{organization.RootTarget}},
			{Name: "no-users", Description: "users in security only", Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`, Targets: []string{organization.UnitWorkloads, organization.UnitInfrastructure}},
		},
		DelegateRole: &organization.DelegateRoleArgs{RoleName: "refarch-delegate-security", TrustedAccountID: security, TrustedRoleARN: "arn:aws:iam::" + security + ":role/refarch-deploy"},
		Protect:      true,
	}
}

func run(t *testing.T, a *organization.OrganizationArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := organization.NewOrganization(ctx, "org", a, pulumi.Provider(p))
		return err
	})
}

func TestOrganizationHasAllFeaturesAndTrustsOnlyTheAuditServices(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	org := p.Require(t, "aws:organizations/organization:Organization", "org")
	assert.Equal(t, "ALL", org.String("featureSet"), "service control policies need all features")
	assert.Equal(t, []string{"SERVICE_CONTROL_POLICY"}, org.Strings("enabledPolicyTypes"))
	assert.Equal(t, []string{"access-analyzer.amazonaws.com", "cloudtrail.amazonaws.com", "config.amazonaws.com",
		"guardduty.amazonaws.com", "securityhub.amazonaws.com"}, org.Strings("awsServiceAccessPrincipals"))
	assert.True(t, org.Protect)
	assert.True(t, org.RetainOnDelete, "deleting the organization would remove every account from it")
}

func TestUnitsFollowTheDesign(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	names := map[string]string{}
	for _, ou := range p.ByType("aws:organizations/organizationalUnit:OrganizationalUnit") {
		names[strings.TrimPrefix(ou.Name, "org-")] = ou.String("name")
		assert.True(t, ou.Protect, ou.Name)
	}
	assert.Equal(t, map[string]string{"security": "Security", "infrastructure": "Infrastructure", "workloads": "Workloads", "prod": "Prod", "sdlc": "SDLC"}, names)
	workloads := p.Require(t, "aws:organizations/organizationalUnit:OrganizationalUnit", "org-workloads")
	for _, child := range []string{"org-prod", "org-sdlc"} {
		assert.Equal(t, workloads.ID, p.Require(t, "aws:organizations/organizationalUnit:OrganizationalUnit", child).String("parentId"), child)
	}
	assert.Regexp(t, `^r-`, p.Require(t, "aws:organizations/organizationalUnit:OrganizationalUnit", "org-security").String("parentId"), "top-level units sit under the root")
}

func TestAccountsAreNeverClosedAndLandInTheirUnit(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	units := map[string]string{}
	for _, ou := range p.ByType("aws:organizations/organizationalUnit:OrganizationalUnit") {
		units[ou.ID] = ou.String("name")
	}
	got := map[string]string{}
	for _, acct := range p.ByType("aws:organizations/account:Account") {
		assert.False(t, acct.Bool("closeOnDeletion"), "%s: removing an account from the program never closes it", acct.Name)
		assert.True(t, acct.Protect, acct.Name)
		assert.True(t, acct.RetainOnDelete, acct.Name)
		assert.ElementsMatch(t, []string{"name", "email", "roleName", "iamUserAccessToBilling"}, acct.IgnoreChanges, "an adopted account is never replaced")
		got[acct.String("name")] = units[acct.String("parentId")]
	}
	assert.Equal(t, map[string]string{"refarch-security": "Security", "refarch-prod": "Prod", "refarch-qa": "SDLC"}, got)
}

func TestPoliciesAreAttachedWhereTheySay(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	ids := map[string]string{}
	for _, ou := range p.ByType("aws:organizations/organizationalUnit:OrganizationalUnit") {
		ids[ou.ID] = ou.String("name")
	}
	policies := map[string]string{}
	for _, pol := range p.ByType("aws:organizations/policy:Policy") {
		assert.Equal(t, "SERVICE_CONTROL_POLICY", pol.String("type"))
		policies[pol.ID] = pol.String("name")
	}
	var got []string
	for _, at := range p.ByType("aws:organizations/policyAttachment:PolicyAttachment") {
		target := ids[at.String("targetId")]
		if strings.HasPrefix(at.String("targetId"), "r-") {
			target = "root"
		}
		got = append(got, policies[at.String("policyId")]+"@"+target)
	}
	assert.ElementsMatch(t, []string{"deny-leave@root", "no-users@Workloads", "no-users@Infrastructure"}, got)
}

func TestDelegateRoleTrustsOnlyTheSecurityDeployRole(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	role := p.Require(t, "aws:iam/role:Role", "org-delegate")
	assert.Equal(t, "refarch-delegate-security", role.String("name"))
	trust := role.String("assumeRolePolicy")
	assert.Contains(t, trust, `"arn:aws:iam::111111111111:root"`)
	assert.Contains(t, trust, `"aws:PrincipalArn":["arn:aws:iam::111111111111:role/refarch-deploy"]`)
	perms := p.Require(t, "aws:iam/rolePolicy:RolePolicy", "org-delegate").String("policy")
	for _, action := range []string{"guardduty:EnableOrganizationAdminAccount", "securityhub:EnableOrganizationAdminAccount",
		"organizations:RegisterDelegatedAdministrator", "cloudtrail:RegisterOrganizationDelegatedAdmin"} {
		assert.Contains(t, perms, action)
	}
	for _, never := range []string{"organizations:*", "organizations:LeaveOrganization", "organizations:CreateAccount", "organizations:AttachPolicy"} {
		assert.NotContains(t, perms, never, "the delegate role only designates administrators")
	}
}

func TestImportCommandNamesTheResourceThePlanHas(t *testing.T) {
	p, err := run(t, args())
	require.NoError(t, err)
	cmd := organization.ImportCommand("refarch", "management", "org", "default_provider", "prod", prod)
	fields := strings.Fields(cmd)
	require.GreaterOrEqual(t, len(fields), 4)
	typ, name, id := fields[len(fields)-3], fields[len(fields)-2], fields[len(fields)-1]
	acct := p.Require(t, typ, name)
	assert.Equal(t, "refarch-prod", acct.String("name"))
	assert.Equal(t, prod, id)
	assert.Contains(t, cmd, "--parent org=urn:pulumi:management::refarch::refarch:organization:Organization::org")
}

func TestBadArgumentsAreRefused(t *testing.T) {
	cases := []struct {
		name        string
		edit        func(a *organization.OrganizationArgs)
		field, rule string
	}{
		{"member is the management account", func(a *organization.OrganizationArgs) { a.Accounts[1].ID = management }, "Args.Accounts[1].ID", "management account"},
		{"email not an address", func(a *organization.OrganizationArgs) { a.Accounts[0].Email = "aws-security" }, "Args.Accounts[0].Email", "e-mail"},
		{"same address twice", func(a *organization.OrganizationArgs) { a.Accounts[2].Email = a.Accounts[1].Email }, "Args.Accounts[2].Email", "another account's"},
		{"account name too long", func(a *organization.OrganizationArgs) { a.Accounts[2].Name = strings.Repeat("x", 51) }, "Args.Accounts[2].Name", "1-50"},
		{"unknown unit", func(a *organization.OrganizationArgs) { a.Accounts[2].Unit = "sandbox" }, "Args.Accounts[2].Unit", "unit"},
		{"unit name not ASCII", func(a *organization.OrganizationArgs) {
			a.Units = append([]organization.Unit(nil), organization.DefaultUnits...)
			a.Units[0].Name = "Sécurité"
		}, "Args.Units[0].Name", "ASCII"},
		{"policy too large", func(a *organization.OrganizationArgs) { a.Policies[0].Content = strings.Repeat("x", 5121) }, "Args.Policies[0].Content", "5120"},
		{"too many policies on one target", func(a *organization.OrganizationArgs) {
			for i := 0; i < 4; i++ {
				a.Policies = append(a.Policies, organization.Policy{Name: "p" + string(rune('a'+i)), Description: "d", Content: "{}", Targets: []string{organization.RootTarget}})
			}
		}, "Args.Policies", "FullAWSAccess"},
		{"delegate role of another account", func(a *organization.OrganizationArgs) {
			a.DelegateRole.TrustedRoleARN = "arn:aws:iam::222222222222:role/refarch-deploy"
		}, "Args.DelegateRole.TrustedRoleARN", "role ARN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := args()
			tc.edit(a)
			p, err := run(t, a)
			offline.RequireRefused(t, p, err, "refarch:organization:Organization", tc.field, tc.rule)
		})
	}
}
