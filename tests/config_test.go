package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/stacks/stack"
)

// directory returns the account directory of Pulumi.yaml, edited by edit,
// as the JSON text the CLI would pass.
func directory(t *testing.T, edit func(map[string]map[string]string)) string {
	t.Helper()
	cfg := rawConfig(t, "prod")
	var accounts map[string]map[string]string
	require.NoError(t, json.Unmarshal([]byte(cfg.Values["refarch:accounts"]), &accounts))
	edit(accounts)
	out, err := json.Marshal(accounts)
	require.NoError(t, err)
	return string(out)
}

// TestConfigRejectsBadValues sets one bad value at a time in a real stack
// file and checks that the run fails before registering anything, with a
// problem naming the key.
func TestConfigRejectsBadValues(t *testing.T) {
	ids := accountOf(t)
	cases := []struct {
		name  string
		stack string
		set   map[string]string
		unset []string
		key   string // the key the error must name
		rule  string // a fragment of the rule
	}{
		{"cidr with host bits", "prod", map[string]string{"refarch:vpcCidr": "10.30.0.1/16"}, nil, "refarch:vpcCidr", "host bits"},
		{"cidr not a cidr", "dev", map[string]string{"refarch:vpcCidr": "10.10.0.0"}, nil, "refarch:vpcCidr", "CIDR"},
		{"cidr public", "stage", map[string]string{"refarch:vpcCidr": "8.8.0.0/16"}, nil, "refarch:vpcCidr", "RFC 1918"},
		{"cidr too large", "stage", map[string]string{"refarch:vpcCidr": "10.0.0.0/8"}, nil, "refarch:vpcCidr", "/16 and /24"},
		{"cidr differs from directory", "prod", map[string]string{"refarch:vpcCidr": "10.31.0.0/16"}, nil, "refarch:vpcCidr", "accounts.prod.vpcCidr"},
		{"cidr overlap between accounts", "prod", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			a["prod"]["vpcCidr"] = "10.10.128.0/17"
		})}, nil, "refarch:accounts.prod.vpcCidr", "overlaps refarch:accounts.dev.vpcCidr"},
		{"vpn pool overlaps a vpc", "shared-services", map[string]string{"refarch:vpnClientCidr": "10.0.4.0/22"}, nil, "refarch:vpnClientCidr", "overlaps refarch:accounts.shared-services.vpcCidr"},
		{"one availability zone", "dev", map[string]string{"refarch:azCount": "1"}, nil, "refarch:azCount", "between 2 and 6"},
		{"more zones than the region", "prod", map[string]string{"refarch:azCount": "5"}, nil, "refarch:azCount", "us-west-2"},
		{"zones not a number", "prod", map[string]string{"refarch:azCount": "three"}, nil, "refarch:azCount", "whole number"},
		{"short account id", "prod", map[string]string{"refarch:accountId": "55555555555"}, nil, "refarch:accountId", "12-digit"},
		{"account id of another account", "prod", map[string]string{"refarch:accountId": ids["dev"]}, nil, "refarch:accountId", "accounts.prod.id"},
		{"directory id malformed", "security", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			a["dev"]["id"] = "dev-account"
		})}, nil, "refarch:accounts.dev.id", "12-digit"},
		{"directory id shared", "security", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			a["stage"]["id"] = a["dev"]["id"]
		})}, nil, "refarch:accounts.stage.id", "also the id"},
		{"directory missing an account", "dev", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			delete(a, "security")
		})}, nil, "refarch:accounts.security", "the directory must list the organization's management, security and shared-services accounts"},
		{"directory missing a vpc", "dev", map[string]string{"refarch:accounts": directory(t, func(a map[string]map[string]string) {
			delete(a["stage"], "vpcCidr")
		})}, nil, "refarch:accounts.stage.vpcCidr", "has a VPC"},
		{"directory id stored as a number", "dev", map[string]string{"refarch:accounts": strings.Replace(directory(t, func(map[string]map[string]string) {}), `"`+ids["dev"]+`"`, ids["dev"], 1)}, nil, "refarch:accounts", "pulumi config set --path --type string"},
		{"directory with an unknown field", "dev", map[string]string{"refarch:accounts": `{"dev":{"id":"` + ids["dev"] + `","cidr":"10.10.0.0/16"}}`}, nil, "refarch:accounts.dev.cidr", "did you mean vpcCidr or id?"},
		{"prod without alert email", "prod", nil, []string{"refarch:alertEmails"}, "refarch:alertEmails", "required"},
		{"security without alert email", "security", map[string]string{"refarch:alertEmails": "[]"}, nil, "refarch:alertEmails", "at least one"},
		{"malformed alert email", "stage", map[string]string{"refarch:alertEmails": `["oncall at example.com"]`}, nil, "refarch:alertEmails[0]", "e-mail"},
		{"retention CloudWatch refuses", "prod", map[string]string{"refarch:logRetentionDays": "45"}, nil, "refarch:logRetentionDays", "CloudWatch"},
		{"prod without deletion protection", "prod", map[string]string{"refarch:deletionProtection": "false"}, nil, "refarch:deletionProtection", "must be true in prod"},
		{"unknown region", "stage", map[string]string{"refarch:region": "us-west-9"}, nil, "refarch:region", "region"},
		{"bad domain", "prod", map[string]string{"refarch:domain": "Example..com"}, nil, "refarch:domain", "DNS name"},
		{"bad deploy role", "prod", map[string]string{"refarch:deployRoleName": "deploy role"}, nil, "refarch:deployRoleName", "IAM role name"},
		{"missing cost center", "dev", nil, []string{"refarch:costCenter"}, "refarch:costCenter", "required"},
		{"tag value too long", "dev", map[string]string{"refarch:owner": strings.Repeat("x", 257)}, nil, "refarch:owner", "256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rejects(t, tc.stack, tc.set, tc.key, tc.rule, tc.unset...)
		})
	}
}

// TestConfigReportsEveryProblemAtOnce checks that one run lists all broken
// keys, not just the first.
func TestConfigReportsEveryProblemAtOnce(t *testing.T) {
	_, err := planWith(t, "prod", map[string]string{
		"refarch:accountId":          "123",
		"refarch:azCount":            "9",
		"refarch:logRetentionDays":   "2",
		"refarch:deletionProtection": "false",
	})
	verr := configError(t, err)
	for _, key := range []string{"refarch:accountId", "refarch:azCount", "refarch:logRetentionDays", "refarch:deletionProtection"} {
		assert.True(t, verr.Has(key), "missing problem for %s in:\n%v", key, verr)
	}
	assert.Contains(t, verr.Error(), `stack "prod"`)
}

// TestConfigRoleRequirements checks the keys each role requires or ignores.
func TestConfigRoleRequirements(t *testing.T) {
	t.Run("dev needs no alert recipients", func(t *testing.T) {
		_, err := planWith(t, "dev", nil, "refarch:alertEmails")
		require.NoError(t, err)
	})
	t.Run("security has no VPC to configure", func(t *testing.T) {
		_, err := planWith(t, "security", nil, "refarch:vpcCidr", "refarch:domain")
		require.NoError(t, err)
	})
	t.Run("an application stack needs its VPC block and domain", func(t *testing.T) {
		_, err := planWith(t, "stage", nil, "refarch:vpcCidr", "refarch:domain")
		verr := configError(t, err)
		assert.True(t, verr.Has("refarch:vpcCidr"))
		assert.True(t, verr.Has("refarch:domain"))
	})
}

// TestLoadReadsTypedValues checks that the sample's prod file (as
// committed, testdata/sample) becomes the typed values it states.
func TestLoadReadsTypedValues(t *testing.T) {
	cfg := sampleConfig(t, "prod")
	assert.Equal(t, stack.RoleApp, cfg.Role)
	assert.Equal(t, "555555555555", cfg.AccountID)
	assert.Equal(t, "us-west-2", cfg.Region)
	assert.Equal(t, "aws", cfg.Partition)
	assert.Equal(t, "10.30.0.0/16", cfg.VpcCIDR.String())
	assert.Equal(t, 3, cfg.AZCount)
	assert.Equal(t, 365, cfg.LogRetentionDays)
	assert.True(t, cfg.DeletionProtection)
	assert.Equal(t, []string{"oncall@example.com", "platform-alerts@example.com"}, cfg.AlertEmails)
	assert.Equal(t, "prod.example.com", cfg.EnvDomain())
	assert.Len(t, cfg.Accounts, 6)
	assert.Equal(t, stack.Account{ID: "666666666666"}, cfg.Accounts["management"], "management: an id only")
	assert.Equal(t, "arn:aws:iam::555555555555:role/refarch-deploy", cfg.DeployRoleARN())
}
