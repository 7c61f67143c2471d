package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
)

const directory = `{"management":{"id":"666666666666"},"security":{"id":"111111111111","email":"sec@example.com"},` +
	`"shared-services":{"id":"222222222222","vpcCidr":"10.0.0.0/16","email":"ss@example.com"},` +
	`"dev":{"id":"333333333333","vpcCidr":"10.10.0.0/16","email":"dev@example.com"},` +
	`"stage":{"id":"444444444444","vpcCidr":"10.20.0.0/16","email":"stage@example.com"},` +
	`"prod":{"id":"555555555555","vpcCidr":"10.30.0.0/16","email":"prod@example.com"}}`

// values are a project configuration as the CLI hands it to the program.
func values() map[string]string {
	return map[string]string{
		"refarch:accounts":          directory,
		"refarch:region":            "us-west-2",
		"refarch:deployRoleName":    "refarch-deploy",
		"refarch:circleciOrgId":     "0b6a1f1e-3c5d-4e7f-8a9b-0c1d2e3f4a5b",
		"refarch:circleciProjectId": "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f",
		"refarch:ciRepository":      "github.com/example-org/refarch",
		"refarch:ecrRepositories":   `["frontend","backend"]`,
	}
}

func goodFlags() flags {
	return flags{Profiles: []string{"security-admin"}, Backend: "file:///var/lib/refarch/bootstrap"}
}

// env answers like os.LookupEnv from a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

var passphrase = map[string]string{"PULUMI_CONFIG_PASSPHRASE": "correct horse"}

func TestSettingsComeFromTheProjectFiles(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse")
	root, err := offline.FindProjectDir(".")
	require.NoError(t, err)
	cfg, err := settings(root, flags{Profiles: []string{"security-admin"}})
	require.NoError(t, err)

	// What the program itself reads from the same files (any valid values:
	// an organization writes its own into Pulumi.yaml and the stack files).
	raw, err := offline.LoadStackConfig(root, "security")
	require.NoError(t, err)
	want, err := stacks.Load("security", stack.MapSource(raw.Values))
	require.NoError(t, err)
	security := want.Accounts["security"].ID
	var deployRoles, previewRoles []string
	for _, name := range stack.Names() {
		id := want.Accounts[name].ID
		require.NotEmpty(t, id, "refarch:accounts.%s.id", name)
		deployRoles = append(deployRoles, "arn:"+want.Partition+":iam::"+id+":role/"+want.DeployRoleName)
		previewRoles = append(previewRoles, "arn:"+want.Partition+":iam::"+id+":role/"+stack.PreviewRoleName)
	}

	assert.Equal(t, security, cfg.SecurityAccount, "Pulumi.yaml's directory: security's id")
	assert.Equal(t, want.Region, cfg.Region, "Pulumi.security.yaml's region")
	assert.Equal(t, want.Partition, cfg.Partition)
	assert.Equal(t, "refarch-state-"+security, cfg.BucketName)
	assert.Equal(t, stack.Names(), cfg.Stacks)
	assert.Equal(t, deployRoles, cfg.DeployRoleARNs, "refarch:deployRoleName in every account, in deployment order")
	assert.Equal(t, []string{"arn:" + want.Partition + ":iam::" + security + ":role/" + want.DeployRoleName}, cfg.KeyAdministrators, "the security account's deploy role")
	assert.Equal(t, filepath.Join(home, ".refarch", "bootstrap"), cfg.BackendDir, "the default backend, ~ expanded")
	assert.Equal(t, map[string]string{
		"PULUMI_BACKEND_URL":       "file://" + filepath.ToSlash(filepath.Join(home, ".refarch", "bootstrap")),
		"PULUMI_CONFIG_PASSPHRASE": "correct horse",
	}, cfg.Env)
	assert.Equal(t, map[string]string{"management": "security-admin", "security": "security-admin", "shared-services": "security-admin", "dev": "security-admin", "stage": "security-admin", "prod": "security-admin"},
		cfg.Profiles, "a bare -profile serves every account")
	assert.Equal(t, previewRoles, cfg.PreviewRoleARNs)
	assert.Equal(t, want.CI, cfg.CI, "Pulumi.yaml's CircleCI project")
	assert.NotEmpty(t, cfg.CI.OrgID)
	var repos []string
	require.NoError(t, json.Unmarshal([]byte(raw.Values["refarch:ecrRepositories"]), &repos))
	assert.NotEmpty(t, repos)
	assert.Equal(t, repos, cfg.ECRRepositories)
	assert.False(t, cfg.Preview)
}

func TestProfilesPerAccount(t *testing.T) {
	f := goodFlags()
	f.Profiles = []string{"org-admin", "security=sec-admin", "prod=prod-admin"}
	cfg, err := loadConfig(stack.MapSource(values()), f, env(passphrase), "/home/op")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"management": "org-admin", "security": "sec-admin", "shared-services": "org-admin", "dev": "org-admin", "stage": "org-admin", "prod": "prod-admin"}, cfg.Profiles)

	var list []string
	pf := listFlag{&list}
	require.NoError(t, pf.Set("org-admin, prod=prod-admin"))
	require.NoError(t, pf.Set("dev=dev-admin"))
	assert.Equal(t, []string{"org-admin", "prod=prod-admin", "dev=dev-admin"}, list)
}

func TestFlagsOverrideTheDefaults(t *testing.T) {
	f := goodFlags()
	f.Bucket = "acme-pulumi-state"
	f.Admins = []string{"arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:role/refarch-deploy"}
	f.Preview = true
	cfg, err := loadConfig(stack.MapSource(values()), f, env(map[string]string{"PULUMI_CONFIG_PASSPHRASE_FILE": "/run/passphrase"}), "/home/op")
	require.NoError(t, err)
	assert.Equal(t, "acme-pulumi-state", cfg.BucketName)
	assert.Equal(t, []string{"arn:aws:iam::111111111111:role/refarch-deploy", "arn:aws:iam::111111111111:user/alice"}, cfg.KeyAdministrators,
		"the deploy role first, each administrator once")
	assert.Equal(t, "/var/lib/refarch/bootstrap", cfg.BackendDir)
	assert.Equal(t, "file:///var/lib/refarch/bootstrap", cfg.Env["PULUMI_BACKEND_URL"])
	assert.Equal(t, "/run/passphrase", cfg.Env["PULUMI_CONFIG_PASSPHRASE_FILE"], "the passphrase file is passed on")
	assert.NotContains(t, cfg.Env, "PULUMI_CONFIG_PASSPHRASE")
	assert.True(t, cfg.Preview)

	var admins []string
	a := listFlag{&admins}
	require.NoError(t, a.Set("arn:aws:iam::111111111111:user/alice, arn:aws:iam::111111111111:user/bob"))
	require.NoError(t, a.Set("arn:aws:iam::111111111111:user/carol"))
	assert.Equal(t, []string{"arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob", "arn:aws:iam::111111111111:user/carol"}, admins)
}

func TestBackendFolder(t *testing.T) {
	cases := []struct{ url, dir, rule string }{
		{"file://~/.refarch/bootstrap", "/home/op/.refarch/bootstrap", ""},
		{"file://~", "/home/op", ""},
		{"file:///srv/state", "/srv/state", ""},
		{"s3://refarch-state-111111111111", "", "must be a file:// URL"},
		{"/srv/state", "", "must be a file:// URL"},
		{"file://", "", "must name a folder"},
	}
	for _, tc := range cases {
		dir, rule := backendDir(tc.url, "/home/op")
		assert.Equal(t, tc.dir, dir, tc.url)
		if tc.rule == "" {
			assert.Empty(t, rule, tc.url)
		} else {
			assert.Contains(t, rule, tc.rule, tc.url)
		}
	}
	_, rule := backendDir("file://~/x", "")
	assert.Contains(t, rule, "home folder is unknown")
	dir, rule := backendDir("file://relative/state", "/home/op")
	assert.Empty(t, rule)
	assert.True(t, filepath.IsAbs(dir), "a relative folder is made absolute: %s", dir)
}

func TestBadSettingsAreRefusedNamingEach(t *testing.T) {
	cases := []struct {
		name        string
		values      func(map[string]string)
		flags       func(*flags)
		env         map[string]string
		field, rule string
	}{
		{name: "account id of 11 digits", values: func(v map[string]string) {
			v["refarch:accounts"] = strings.Replace(directory, "333333333333", "33333333333", 1)
		}, field: "refarch:accounts.dev.id", rule: "12-digit"},
		{name: "account id with letters", values: func(v map[string]string) {
			v["refarch:accounts"] = strings.Replace(directory, "555555555555", "55555555555x", 1)
		}, field: "refarch:accounts.prod.id", rule: "12-digit"},
		{name: "account missing", values: func(v map[string]string) {
			v["refarch:accounts"] = strings.Replace(directory, `"management":{"id":"666666666666"},`, "", 1)
		}, field: "refarch:accounts.management", rule: "is required"},
		{name: "two stacks in one account", values: func(v map[string]string) {
			v["refarch:accounts"] = strings.Replace(directory, "444444444444", "333333333333", 1)
		}, field: "refarch:accounts.stage.id", rule: "also the id of refarch:accounts.dev"},
		{name: "misspelt field", values: func(v map[string]string) {
			v["refarch:accounts"] = strings.Replace(directory, `"security":{"id"`, `"security":{"ID"`, 1)
		}, field: "refarch:accounts.security.ID", rule: ""},
		{name: "no directory", values: func(v map[string]string) { delete(v, "refarch:accounts") }, field: "refarch:accounts", rule: "is required"},
		{name: "unknown region", values: func(v map[string]string) { v["refarch:region"] = "us-west-9" }, field: "refarch:region", rule: "AWS region"},
		{name: "no region", values: func(v map[string]string) { delete(v, "refarch:region") }, field: "refarch:region", rule: "is required"},
		{name: "bad deploy role name", values: func(v map[string]string) { v["refarch:deployRoleName"] = "refarch deploy" }, field: "refarch:deployRoleName", rule: "IAM role name"},
		{name: "no profile for prod", flags: func(f *flags) {
			f.Profiles = []string{"management=org-admin", "security=sec-admin", "shared-services=ss-admin", "dev=dev-admin", "stage=stage-admin"}
		}, field: "-profile", rule: "is required for prod"},
		{name: "profile of an unknown stack", flags: func(f *flags) { f.Profiles = []string{"admin", "staging=x"} }, field: "-profile", rule: "names no stack"},
		{name: "no profile for management", flags: func(f *flags) {
			f.Profiles = []string{"security=sec-admin", "shared-services=ss-admin", "dev=dev-admin", "stage=stage-admin", "prod=prod-admin"}
		}, field: "-profile", rule: "is required for management"},
		{name: "two default profiles", flags: func(f *flags) { f.Profiles = []string{"admin", "other"} }, field: "-profile", rule: "second default"},
		{name: "stack named twice", flags: func(f *flags) { f.Profiles = []string{"admin", "dev=a", "dev=b"} }, field: "-profile", rule: "names dev twice"},
		{name: "empty profile", flags: func(f *flags) { f.Profiles = []string{"admin", "dev="} }, field: "-profile", rule: "<stack>=<profile>"},
		{name: "org id not a UUID", values: func(v map[string]string) { v["refarch:circleciOrgId"] = "example-org" }, field: "refarch:circleciOrgId", rule: "UUID"},
		{name: "repository with a scheme", values: func(v map[string]string) { v["refarch:ciRepository"] = "https://github.com/a/b" }, field: "refarch:ciRepository", rule: "no scheme"},
		{name: "dotted bucket", flags: func(f *flags) { f.Bucket = "refarch.state" }, field: "-bucket", rule: "dots"},
		{name: "upper-case bucket", flags: func(f *flags) { f.Bucket = "Refarch-State" }, field: "-bucket", rule: "lower-case"},
		{name: "bucket too long", flags: func(f *flags) { f.Bucket = strings.Repeat("r", 64) }, field: "-bucket", rule: "3-63"},
		{name: "administrator not an ARN", flags: func(f *flags) { f.Admins = []string{"alice"} }, field: "-admin[0]", rule: "ARN"},
		{name: "backend in S3", flags: func(f *flags) { f.Backend = "s3://refarch-state" }, field: "-backend", rule: "file://"},
		{name: "no passphrase", env: map[string]string{}, field: "PULUMI_CONFIG_PASSPHRASE", rule: "must be set"},
		{name: "empty passphrase file", env: map[string]string{"PULUMI_CONFIG_PASSPHRASE_FILE": ""}, field: "PULUMI_CONFIG_PASSPHRASE", rule: "must be set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := values()
			if tc.values != nil {
				tc.values(v)
			}
			f := goodFlags()
			if tc.flags != nil {
				tc.flags(&f)
			}
			e := passphrase
			if tc.env != nil {
				e = tc.env
			}
			cfg, err := loadConfig(stack.MapSource(v), f, env(e), "/home/op")
			assert.Nil(t, cfg)
			offline.RequireProblem(t, err, tc.field, tc.rule)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			assert.Len(t, verr.Problems, 1, "exactly the one problem: %v", err)
		})
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	v := values()
	v["refarch:accounts"] = strings.Replace(directory, "222222222222", "2222", 1)
	v["refarch:region"] = "mars-1"
	_, err := loadConfig(stack.MapSource(v), flags{Bucket: "Bad.Bucket", Backend: "https://example.com"}, env(nil), "")
	var verr *validate.Error
	require.ErrorAs(t, err, &verr)
	for _, field := range []string{"refarch:accounts.shared-services.id", "refarch:region", "-profile", "-bucket", "-backend", "PULUMI_CONFIG_PASSPHRASE"} {
		assert.True(t, verr.Has(field), "%s is reported: %v", field, err)
	}
	assert.Contains(t, err.Error(), "invalid bootstrap settings (6 problems)")
	assert.Contains(t, err.Error(), `refarch:accounts.shared-services.id = "2222": must be a 12-digit AWS account id`)
}
