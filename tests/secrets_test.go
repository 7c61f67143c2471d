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
