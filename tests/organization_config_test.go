package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOrganizationConfigurationIsValidatedUpFront: what AWS Organizations
// would refuse, or what would lock the stacks out, is refused before any
// resource, naming the key and the rule.
func TestOrganizationConfigurationIsValidatedUpFront(t *testing.T) {
	units := `{"security":"Security","infrastructure":"Infrastructure","workloads":"Workloads","prod":"Prod","sdlc":"SDLC"}`
	cases := []struct {
		name, stack string
		set         map[string]string
		key, rule   string
	}{
		{"a unit name AWS refuses", "management", map[string]string{"refarch:organizationUnits": strings.Replace(units, `"Security"`, `"Sécurité"`, 1)},
			"refarch:organizationUnits.security", "ASCII"},
		{"a unit name too long", "management", map[string]string{"refarch:organizationUnits": strings.Replace(units, `"SDLC"`, `"`+strings.Repeat("x", 129)+`"`, 1)},
			"refarch:organizationUnits.sdlc", "1-128"},
		{"a unit missing", "management", map[string]string{"refarch:organizationUnits": strings.Replace(units, `,"sdlc":"SDLC"`, "", 1)},
			"refarch:organizationUnits.sdlc", "is required"},
		{"a unit the design does not have", "management", map[string]string{"refarch:organizationUnits": strings.Replace(units, `}`, `,"sandbox":"Sandbox"}`, 1)},
			"refarch:organizationUnits.sandbox", "not a unit of the design"},
		{"a region that does not exist", "management", map[string]string{"refarch:allowedRegions": `["us-west-2","us-east-1","us-west-9"]`},
			"refarch:allowedRegions[2]", "region"},
		{"an allow-list without the audit region", "management", map[string]string{"refarch:allowedRegions": `["us-east-1","eu-west-1"]`},
			"refarch:allowedRegions", "must include us-west-2"},
		{"an allow-list without CloudFront's region", "management", map[string]string{"refarch:allowedRegions": `["us-west-2"]`},
			"refarch:allowedRegions", "must include us-east-1"},
		{"an empty allow-list", "management", map[string]string{"refarch:allowedRegions": `[]`},
			"refarch:allowedRegions", "must list the regions"},
		{"an account e-mail that is not an address", "management", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			a["stage"]["email"] = "aws-stage.example.com"
		})}, "refarch:accounts.stage.email", "e-mail"},
		{"a member account id equal to the management account's", "management", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			a["dev"]["id"] = a["management"]["id"]
		})}, "refarch:accounts.dev.id", "also the id of refarch:accounts.management"},
		{"an account without an id outside the management stack", "prod", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			a["stage"]["id"] = ""
		})}, "refarch:accounts.stage.id", "the management stack creates"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, tc.set, tc.key, tc.rule)
		})
	}
}

// TestManagementCreatesTheAccountsWithoutAnID: an entry without an id is
// an account the management stack creates, with the entry's address, in
// its unit, and exports its id; every other stack needs the id.
func TestManagementCreatesTheAccountsWithoutAnID(t *testing.T) {
	p, err := planWith(t, "management", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
		a["stage"]["id"] = ""
	})})
	require.NoError(t, err)
	acct := p.Require(t, "aws:organizations/account:Account", "refarch-organization-stage")
	assert.Equal(t, stackConfig(t, "stage").Accounts["stage"].Email, acct.String("email"), "created with the entry's address")
	assert.False(t, acct.Bool("closeOnDeletion"), "a created account is never closed on delete")
	assert.True(t, acct.Protect)
	sdlc := p.Require(t, "aws:organizations/organizationalUnit:OrganizationalUnit", "refarch-organization-sdlc")
	assert.Equal(t, sdlc.ID, acct.String("parentId"), "stage lands in the SDLC unit")
}
