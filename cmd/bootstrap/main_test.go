package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks/stack"
)

// unsetenv removes a variable for the test, restoring it afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	require.NoError(t, os.Unsetenv(key))
}

func TestRunRefusesBadInputBeforeAnyChange(t *testing.T) {
	unsetenv(t, "PULUMI_CONFIG_PASSPHRASE")
	unsetenv(t, "PULUMI_CONFIG_PASSPHRASE_FILE")
	backend := filepath.Join(t.TempDir(), "bootstrap")
	var out, errOut bytes.Buffer
	code := run([]string{"-bucket", "Refarch.State", "-backend", "file://" + backend}, &out, &errOut)
	assert.Equal(t, 1, code)
	for _, want := range []string{
		"invalid bootstrap settings (3 problems)",
		`-bucket = "Refarch.State": must not contain dots`,
		`-profile = "": is required`,
		`PULUMI_CONFIG_PASSPHRASE = "": must be set`,
	} {
		assert.Contains(t, errOut.String(), want)
	}
	assert.NoDirExists(t, backend, "nothing is created before the settings pass")
	assert.Empty(t, out.String())
}

// TestRunReadsTheDirectoryFromTheProjectFiles breaks an account id in a
// copy of the project and expects the problem to name its key.
func TestRunReadsTheDirectoryFromTheProjectFiles(t *testing.T) {
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
	src, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	raw, err := offline.LoadStackConfig(src, "security")
	require.NoError(t, err)
	var accounts map[string]stack.Account
	require.NoError(t, json.Unmarshal([]byte(raw.Values["refarch:accounts"]), &accounts))
	dev := accounts["dev"].ID
	require.NotEmpty(t, dev, "Pulumi.yaml's directory names dev's account")
	dir := t.TempDir()
	for _, name := range []string{"Pulumi.yaml", "Pulumi.security.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		if name == "Pulumi.yaml" {
			require.Equal(t, 1, bytes.Count(b, []byte(dev)), "dev's id appears once, in the directory")
			b = bytes.Replace(b, []byte(dev), []byte("3333-3333-3333"), 1)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}
	var out, errOut bytes.Buffer
	code := run([]string{"-profile", "security-admin", "-dir", dir, "-backend", "file://" + filepath.Join(dir, "state")}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), `refarch:accounts.dev.id = "3333-3333-3333": must be a 12-digit AWS account id`)
	assert.NotContains(t, errOut.String(), "goroutine", "no stack trace")
	assert.NoDirExists(t, filepath.Join(dir, "state"))
}

func TestRunWithoutTheSecurityStackFileSaysSo(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-profile", "p", "-dir", t.TempDir()}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "reading the project's configuration in")
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run([]string{"-profile", "p", "extra"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage: bootstrap -profile")
	errOut.Reset()
	assert.Equal(t, 2, run([]string{"-nope"}, &out, &errOut))
	assert.True(t, strings.Contains(errOut.String(), "flag provided but not defined"), errOut.String())
}
