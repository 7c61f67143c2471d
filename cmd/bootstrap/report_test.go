package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/statebackend"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

var fake = result{
	BucketName:      "refarch-state-111111111111",
	KeyARN:          "arn:aws:kms:us-west-2:111111111111:key/0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
	KeyAlias:        "alias/refarch-state",
	LoginURL:        "s3://refarch-state-111111111111?region=us-west-2",
	SecretsProvider: "awskms:///arn:aws:kms:us-west-2:111111111111:alias/refarch-state?region=us-west-2",
}

func TestPrintNextPrintsTheExactCommands(t *testing.T) {
	var out bytes.Buffer
	printNext(&out, fake, stack.Names())
	lines := strings.Split(out.String(), "\n")

	assert.Contains(t, lines, "  pulumi login 's3://refarch-state-111111111111?region=us-west-2'",
		"quoted: a bare ? is a shell glob")
	var inits, changes []string
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "  pulumi stack init "):
			inits = append(inits, l)
		case strings.HasPrefix(l, "  pulumi stack change-secrets-provider "):
			changes = append(changes, l)
		}
	}
	provider := `"awskms:///arn:aws:kms:us-west-2:111111111111:alias/refarch-state?region=us-west-2"`
	assert.Equal(t, []string{
		"  pulumi stack init management --secrets-provider " + provider,
		"  pulumi stack init security --secrets-provider " + provider,
		"  pulumi stack init shared-services --secrets-provider " + provider,
		"  pulumi stack init dev --secrets-provider " + provider,
		"  pulumi stack init stage --secrets-provider " + provider,
		"  pulumi stack init prod --secrets-provider " + provider,
	}, inits, "every stack, in deployment order, with the one shared key")
	assert.Equal(t, []string{
		"  pulumi stack change-secrets-provider -s management " + provider,
		"  pulumi stack change-secrets-provider -s security " + provider,
		"  pulumi stack change-secrets-provider -s shared-services " + provider,
		"  pulumi stack change-secrets-provider -s dev " + provider,
		"  pulumi stack change-secrets-provider -s stage " + provider,
		"  pulumi stack change-secrets-provider -s prod " + provider,
	}, changes)
	loginAt := strings.Index(out.String(), "pulumi login")
	assert.Less(t, loginAt, strings.Index(out.String(), "pulumi stack init"), "log in first")
	assert.Contains(t, out.String(), fake.KeyARN)
	assert.Contains(t, out.String(), "bucket  refarch-state-111111111111")
}

func TestResultComesFromTheStackOutputs(t *testing.T) {
	outputs := auto.OutputMap{
		outputBucketName:      {Value: fake.BucketName},
		outputKeyARN:          {Value: fake.KeyARN},
		outputKeyAlias:        {Value: fake.KeyAlias},
		outputLoginURL:        {Value: fake.LoginURL},
		outputSecretsProvider: {Value: fake.SecretsProvider},
	}
	r, err := resultOf(outputs)
	require.NoError(t, err)
	assert.Equal(t, fake, r)

	delete(outputs, outputLoginURL)
	outputs[outputKeyARN] = auto.OutputValue{Value: ""}
	_, err = resultOf(outputs)
	require.Error(t, err)
	assert.Equal(t, "the state stack exports no keyArn, loginUrl", err.Error())
}

func TestPrintPreviewSaysNothingChanged(t *testing.T) {
	var out bytes.Buffer
	printPreview(&out, map[apitype.OpType]int{apitype.OpCreate: 11, apitype.OpSame: 1})
	assert.Contains(t, out.String(), "nothing was changed (1 to same, 11 to create)")
	assert.Contains(t, out.String(), "without -preview")
}

// TestStackFilesNameTheSecretsProviderTheBootstrapPrints: every stack file
// encrypts its secrets with the state key the bootstrap creates, named as
// it prints it (the alias's ARN in the security account, from Pulumi.yaml's
// directory and the security stack's region).
func TestStackFilesNameTheSecretsProviderTheBootstrapPrints(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	cfg, err := settings(root, flags{Profiles: []string{"security-admin"}})
	require.NoError(t, err)
	alias := iampolicy.ARN(cfg.Partition, "kms", cfg.Region, cfg.SecurityAccount, statebackend.AliasName(stateName))
	want := fmt.Sprintf("awskms:///%s?region=%s", alias, cfg.Region)
	for _, s := range stack.Names() {
		raw, err := os.ReadFile(filepath.Join(root, "Pulumi."+s+".yaml"))
		require.NoError(t, err)
		var file struct {
			SecretsProvider string `yaml:"secretsprovider"`
		}
		require.NoError(t, yaml.Unmarshal(raw, &file))
		assert.Equal(t, want, file.SecretsProvider, "Pulumi.%s.yaml", s)
	}
}
