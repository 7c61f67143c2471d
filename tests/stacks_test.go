package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

func TestEveryStackPlansClean(t *testing.T) {
	require.Equal(t, []string{"management", "security", "shared-services", "dev", "stage", "prod"}, stack.Names())
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			assert.Equal(t, stackName, p.Stack)
			assert.NotEmpty(t, p.Resources)
		})
	}
}

// delegatedTypes are the only resources an application stack may create in
// the shared-services account: its side of the VPC peering, its DNS
// delegation and the association of its private zone with the management
// VPC.
var delegatedTypes = map[string]bool{
	"aws:ec2/vpcPeeringConnection:VpcPeeringConnection": true,
	"aws:ec2/route:Route":                               true,
	"aws:route53/record:Record":                         true,
	"aws:route53/zoneAssociation:ZoneAssociation":       true,
}

// managementDelegatedTypes are the only resources the security stack may
// create in the management account: the designations of the delegated
// administrator, which only the management account may make.
var managementDelegatedTypes = map[string]bool{
	"aws:guardduty/organizationAdminAccount:OrganizationAdminAccount":                    true,
	"aws:securityhub/organizationAdminAccount:OrganizationAdminAccount":                  true,
	"aws:organizations/delegatedAdministrator:DelegatedAdministrator":                    true,
	"aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount": true,
}

// TestProvidersPinTheirAccount proves that no resource can land in the wrong
// account: each stack has a provider for its region and one for us-east-1,
// both assuming the deploy role of the stack's account and refusing any other
// account; application stacks have a third, pinned to shared-services through
// the environment's delegate role and used only for the delegated types.
// Every cloud resource and invoke names one of them.
// TestPreviewAccessAssumesTheReadOnlyRolesOnly proves refarch:access
// preview moves every provider, and nothing else, to the preview roles: the
// stack's own and, from an application stack, shared-services' (not the
// write-capable delegate role). The key policies still name the deploy role
// as administrator, so a preview shows what an update would write.
func TestPreviewAccessAssumesTheReadOnlyRolesOnly(t *testing.T) {
	for _, stackName := range []string{"security", "shared-services", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			deploy := plan(t, stackName)
			preview, err := planWith(t, stackName, map[string]string{"refarch:access": "preview"})
			require.NoError(t, err)
			for _, prov := range preview.Providers() {
				account := prov.Strings("allowedAccountIds")[0]
				assert.Equal(t, "arn:aws:iam::"+account+":role/refarch-preview", prov.String("assumeRole.roleArn"), prov.Name)
			}
			require.Equal(t, len(deploy.Resources), len(preview.Resources))
			for i, r := range deploy.Resources {
				if strings.HasPrefix(r.Type, "pulumi:providers:") {
					continue
				}
				assert.Equal(t, r.URN, preview.Resources[i].URN)
				assert.Equal(t, r.Inputs, preview.Resources[i].Inputs, "%s %q: only the providers change", r.Type, r.Name)
			}
			keys := preview.ByType("aws:kms/key:Key")
			require.NotEmpty(t, keys)
			for _, k := range keys {
				adm := k.Statements(t, "policy")["KeyAdministration"]
				assert.Equal(t, []string{"arn:aws:iam::" + accountOf(t)[stackName] + ":role/refarch-deploy"}, offline.Strings(adm["Principal"].(map[string]any)["AWS"]), k.Name)
			}
		})
	}
	_, err := planWith(t, "dev", map[string]string{"refarch:access": "write"})
	offline.RequireProblem(t, err, "refarch:access", "deploy (change the stack) or preview")
}

func TestProvidersPinTheirAccount(t *testing.T) {
	shared := accountOf(t)["shared-services"]
	for _, stackName := range stack.Names() {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			account := accountOf(t)[stackName]
			role, _ := stack.RoleOf(stackName)
			own := map[string]bool{}
			var delegate *offline.Resource
			for _, prov := range p.Providers() {
				assert.Equal(t, "pulumi:providers:aws", prov.Type)
				assert.Empty(t, prov.String("profile"), "no ambient profile may pick the account")
				assert.Empty(t, prov.String("accessKey"), "no static keys")
				assert.Equal(t, "refarch-"+stackName, prov.String("assumeRole.sessionName"))
				for _, tag := range []string{"Project", "Environment", "ManagedBy", "Owner", "CostCenter"} {
					assert.NotEmpty(t, prov.String("defaultTags.tags."+tag), "provider %s lacks default tag %s", prov.Name, tag)
				}
				assert.Equal(t, stackName, prov.String("defaultTags.tags.Environment"))
				if prov.Name == "aws-"+stackName+"-shared-services" || prov.Name == "aws-security-management" {
					delegate = prov
					continue
				}
				assert.Equal(t, []string{account}, prov.Strings("allowedAccountIds"), "provider %s", prov.Name)
				assert.Equal(t, "arn:aws:iam::"+account+":role/refarch-deploy", prov.String("assumeRole.roleArn"), "provider %s", prov.Name)
				own[prov.String("region")] = true
			}
			assert.Equal(t, map[string]bool{"us-west-2": true, "us-east-1": true}, own)
			switch role {
			case stack.RoleApp:
				require.NotNil(t, delegate, "application stacks reach shared-services through a delegate provider")
				assert.Equal(t, []string{shared}, delegate.Strings("allowedAccountIds"))
				assert.Equal(t, "arn:aws:iam::"+shared+":role/refarch-delegate-"+stackName, delegate.String("assumeRole.roleArn"))
				assert.Len(t, p.Providers(), 3)
			case stack.RoleSecurity:
				// Security designates itself the delegated administrator
				// through management's delegate role for it.
				require.NotNil(t, delegate, "security reaches the management account through a delegate provider")
				assert.Equal(t, []string{accountOf(t)["management"]}, delegate.Strings("allowedAccountIds"))
				assert.Equal(t, "arn:aws:iam::"+accountOf(t)["management"]+":role/refarch-delegate-security", delegate.String("assumeRole.roleArn"))
				assert.Len(t, p.Providers(), 3)
			default:
				assert.Nil(t, delegate)
				assert.Len(t, p.Providers(), 2)
			}

			for _, r := range p.Resources {
				if !r.Custom || strings.HasPrefix(r.Type, "pulumi:") {
					continue
				}
				prov := p.ProviderOf(r)
				require.NotNil(t, prov, "%s %q uses the default provider", r.Type, r.Name)
				if prov == delegate && role == stack.RoleSecurity {
					assert.True(t, managementDelegatedTypes[r.Type], "%s %q may not be created in the management account by security", r.Type, r.Name)
					continue
				}
				if prov == delegate {
					assert.True(t, delegatedTypes[r.Type], "%s %q may not be created in shared-services by %s", r.Type, r.Name, stackName)
					continue
				}
				assert.Equal(t, []string{account}, prov.Strings("allowedAccountIds"), "%s %q", r.Type, r.Name)
			}
			for _, inv := range p.Invokes {
				assert.NotEmpty(t, inv.Provider, "invoke %s uses the default provider", inv.Token)
			}
			for _, r := range p.Resources {
				if r.Remote {
					assert.NotEmpty(t, r.Providers["aws"], "remote component %s %q must hand its children the stack's aws provider", r.Type, r.Name)
				}
			}
		})
	}
}

// TestDefaultProviderIsDisabled checks the project file disables the default
// aws provider, which is what makes the pinning above enforced by the engine
// rather than by convention.
func TestDefaultProviderIsDisabled(t *testing.T) {
	dir := projectDir(t)
	for _, stackName := range stack.Names() {
		cfg, err := offline.LoadStackConfig(dir, stackName)
		require.NoError(t, err)
		assert.JSONEq(t, `["aws"]`, cfg.Values["pulumi:disable-default-providers"], "stack %s", stackName)
	}
}

// TestUnknownStackIsRefused checks the dispatch refuses a stack it has no
// composition for and lists the valid ones.
func TestUnknownStackIsRefused(t *testing.T) {
	dir := projectDir(t)
	cfg, err := offline.LoadStackConfig(dir, "dev")
	require.NoError(t, err)
	// A valid environment name without its directory entry.
	cfg.Stack = "qa"
	p, err := offline.Run(stacks.Run, cfg, offline.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refarch:accounts.qa`)
	assert.Contains(t, err.Error(), "one entry here and one stack file")
	assert.Empty(t, p.Resources)
	// A name no stack may have.
	cfg.Stack = "Q_A"
	p, err = offline.Run(stacks.Run, cfg, offline.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown stack "Q_A"`)
	assert.Contains(t, err.Error(), "management, security, shared-services")
	assert.Empty(t, p.Resources)

	for stackName, role := range map[string]stack.Role{
		"dev": stack.RoleApp, "stage": stack.RoleApp, "prod": stack.RoleApp, "qa": stack.RoleApp,
		"security": stack.RoleSecurity, "shared-services": stack.RoleSharedServices, "management": stack.RoleManagement,
	} {
		got, err := stack.RoleOf(stackName)
		require.NoError(t, err)
		assert.Equal(t, role, got, stackName)
	}
}
