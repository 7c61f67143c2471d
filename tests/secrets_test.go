package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServicesReadManagedSecretsByReference checks the application side of
// the Secrets Manager pattern: the backend's managed secret is created with
// the account's secrets key, reaches the container only by reference, and
// the execution role may decrypt it through Secrets Manager only.
func TestServicesReadManagedSecretsByReference(t *testing.T) {
	for _, stackName := range []string{"dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			secret := p.Require(t, "aws:secretsmanager/secret:Secret", stackName+"/backend/SESSION_SIGNING_KEY")
			key := p.Require(t, "aws:kms/key:Key", "refarch-"+stackName+"-secrets")
			assert.Equal(t, key.Output("arn"), secret.Get("kmsKeyId"), "encrypted with the account's secrets key, not aws/secretsmanager")
			assert.False(t, secret.Has("secretString"), "the value is set out of band, never in the program or state")
			assert.Empty(t, p.ByType("aws:secretsmanager/secretVersion:SecretVersion"))
			assert.Equal(t, stackName != "dev", secret.Protect, "protected where deletion protection is on")

			task := p.Require(t, "aws:ecs/taskDefinition:TaskDefinition", stackName+"-backend")
			defs, err := task.JSON("containerDefinitions")
			require.NoError(t, err)
			var found bool
			for _, d := range defs.([]any) {
				container := d.(map[string]any)
				for _, e := range container["environment"].([]any) {
					assert.NotEqual(t, "SESSION_SIGNING_KEY", e.(map[string]any)["name"], "never a plain variable")
				}
				for _, s := range container["secrets"].([]any) {
					ref := s.(map[string]any)
					if ref["name"] == "SESSION_SIGNING_KEY" {
						found = true
						assert.Equal(t, secret.Output("arn"), ref["valueFrom"])
					}
				}
			}
			assert.True(t, found, "the backend gets SESSION_SIGNING_KEY from its secret")

			exec := p.Require(t, "aws:iam/rolePolicy:RolePolicy", stackName+"-backend-exec").Statements(t, "policy")
			assert.Contains(t, exec["ReadSecrets"]["Resource"], secret.Output("arn"))
			decrypt := exec["DecryptSecrets"]
			require.NotNil(t, decrypt, "the execution role decrypts with the secrets key")
			assert.Equal(t, []any{key.Output("arn")}, decrypt["Resource"])
			assert.NotEmpty(t, decrypt["Condition"], "through Secrets Manager only")
		})
	}
}

func TestManagedSecretsValidation(t *testing.T) {
	services := func(managed string) string {
		return `[{"name":"backend","image":"backend:1.2.3","managedSecrets":` + managed + `,"environment":{"API_KEY":"x"}}]`
	}
	cases := map[string]struct{ managed, rule string }{
		"not a variable name": {`["session-key"]`, "environment variable name"},
		"listed twice":        {`["TOKEN","TOKEN"]`, "listed twice"},
		"also in environment": {`["API_KEY"]`, "one source"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := planWith(t, "dev", map[string]string{"refarch:services": services(tc.managed)})
			verr := configError(t, err)
			assert.Contains(t, verr.Error(), "refarch:services[0].managedSecrets")
			assert.Contains(t, verr.Error(), tc.rule)
			assert.Empty(t, p.Resources)
		})
	}
}

// TestMigrationReadsTheRotatedMasterSecret checks the one reader of the
// database's master secret: the backend's migration job takes username and
// password from the Postgres component's own secret (which the rotator
// writes in AWS's JSON structure), by reference, and its execution role may
// read that secret and decrypt it with the database's key, through Secrets
// Manager only.
func TestMigrationReadsTheRotatedMasterSecret(t *testing.T) {
	for _, stackName := range []string{"dev", "stage", "prod"} {
		t.Run(stackName, func(t *testing.T) {
			p := plan(t, stackName)
			master := p.Require(t, "aws:secretsmanager/secret:Secret", "refarch-"+stackName+"-db/master")
			arn := master.Output("arn").(string)
			task := p.Require(t, "aws:ecs/taskDefinition:TaskDefinition", stackName+"-backend-migrate")
			defs, err := task.JSON("containerDefinitions")
			require.NoError(t, err)
			refs := map[string]any{}
			for _, d := range defs.([]any) {
				for _, s := range d.(map[string]any)["secrets"].([]any) {
					ref := s.(map[string]any)
					refs[ref["name"].(string)] = ref["valueFrom"]
				}
			}
			assert.Equal(t, map[string]any{"DB_USERNAME": arn + ":username::", "DB_PASSWORD": arn + ":password::"}, refs,
				"the JSON keys of the master secret, by reference")

			exec := p.Require(t, "aws:iam/rolePolicy:RolePolicy", stackName+"-backend-migrate-exec").Statements(t, "policy")
			assert.Equal(t, []any{arn}, exec["ReadSecrets"]["Resource"], "the secret itself, without the JSON key")
			assert.Equal(t, master.Get("kmsKeyId"), exec["DecryptSecrets"]["Resource"].([]any)[0], "the database's key")
			assert.NotEmpty(t, exec["DecryptSecrets"]["Condition"], "through Secrets Manager only")
		})
	}
}
