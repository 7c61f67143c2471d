package securitybaseline_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/components/validate"
)

func TestInvalidArgsRegisterNothing(t *testing.T) {
	cases := []struct {
		name  string
		base  func() *sb.SecurityBaselineArgs
		edit  func(a *sb.SecurityBaselineArgs)
		field string
		rule  string
	}{
		{"no account", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AccountID = "" }, "Args.AccountID", "12-digit"},
		{"unknown region", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Region = "us-west-9" }, "Args.Region", "region"},
		{"no key administrator", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.KeyAdministrators = nil }, "Args.KeyAdministrators", "at least one"},
		{"administrator not an ARN", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.KeyAdministrators = []string{"refarch-deploy"} }, "Args.KeyAdministrators[0]", "ARN"},
		{"no alert topic", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AlertTopicARN = nil }, "Args.AlertTopicARN", "required"},
		{"bad trail bucket", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Audit.TrailBucket = "Org_Audit" }, "Args.Audit.TrailBucket", "S3 bucket name"},
		{"config bucket is the trail bucket", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Audit.ConfigBucket = a.Audit.TrailBucket }, "Args.Audit.ConfigBucket", "Object Lock"},
		{"bad trail name", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Audit.TrailName = "a--b" }, "Args.Audit.TrailName", "trail name"},
		{"retention CloudWatch refuses", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.LogRetentionDays = 45 }, "Args.LogRetentionDays", "CloudWatch"},
		{"not a config rule", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.ConfigRules = []string{"cloud-trail-enabled"} }, "Args.ConfigRules[0]", "managed rule"},
		{"unknown guardduty feature", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.DisabledGuardDutyFeatures = []string{"S3"} }, "Args.DisabledGuardDutyFeatures[0]", "one of"},
		{"trusting itself", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AccountRoles.TrustedAccountID = a.AccountID }, "Args.AccountRoles.TrustedAccountID", "identity account"},
		{"no persona", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AccountRoles.Personas = nil }, "Args.AccountRoles.Personas", "at least one"},
		{"persona without policy", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AccountRoles.Personas[0].PolicyARNs = nil }, "Args.AccountRoles.Personas[0].PolicyARNs", "managed policies"},
		{"policy not an ARN", workloadArgs, func(a *sb.SecurityBaselineArgs) {
			a.AccountRoles.Personas[0].PolicyARNs = []string{"AdministratorAccess"}
		}, "Args.AccountRoles.Personas[0].PolicyARNs[0]", "managed IAM policy"},
		{"session too long", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AccountRoles.Personas[1].MaxSessionHours = 13 }, "Args.AccountRoles.Personas[1].MaxSessionHours", "between 1 and 12"},
		{"duplicate persona", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.AccountRoles.Personas[1].RoleName = "full-access" }, "Args.AccountRoles.Personas[1].RoleName", "two personas"},
		{"unknown operating system", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Patching.OperatingSystem = "WINDOWS" }, "Args.Patching.OperatingSystem", "one of"},
		{"schedule with five fields", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Patching.Schedule = "cron(0 3 * * SUN)" }, "Args.Patching.Schedule", "cron("},
		{"schedule with both day fields", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Patching.Schedule = "cron(0 3 * * SUN *)" }, "Args.Patching.Schedule", "'?'"},
		{"approval delay too long", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Patching.ApproveAfterDays = 361 }, "Args.Patching.ApproveAfterDays", "360"},
		{"window too short", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Patching.WindowHours = 1 }, "Args.Patching.WindowHours", "between 2 and 24"},
		{"bad time zone", workloadArgs, func(a *sb.SecurityBaselineArgs) { a.Patching.Timezone = "UTC+2" }, "Args.Patching.Timezone", "IANA"},
		{"archive without writers", archiveArgs, func(a *sb.SecurityBaselineArgs) { a.Archive.Writers = nil }, "Args.Archive.Writers", "accounts"},
		{"archive refusing itself", archiveArgs, func(a *sb.SecurityBaselineArgs) { a.Archive.Writers = a.Archive.Writers[1:] }, "Args.Archive.Writers", "own account"},
		{"archive naming another own trail", archiveArgs, func(a *sb.SecurityBaselineArgs) { a.Archive.Writers[0].TrailName = "renamed" }, "Args.Archive.Writers[0].TrailName", "refuse its own trail"},
		{"writer twice", archiveArgs, func(a *sb.SecurityBaselineArgs) { a.Archive.Writers[1].AccountID = account }, "Args.Archive.Writers[1].AccountID", "twice"},
		{"logs expire while locked", archiveArgs, func(a *sb.SecurityBaselineArgs) { a.Archive.ExpireDays = 300 }, "Args.Archive.ExpireDays", "LockDays"},
		{"component name too long", workloadArgs, nil, "name", "at most 40"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.base()
			name := "base"
			if tc.edit != nil {
				tc.edit(args)
			} else {
				name = "a-component-name-much-longer-than-forty-characters"
			}
			p, err := runNamed(t, name, args)
			require.Error(t, err)
			var verr *validate.Error
			require.ErrorAs(t, err, &verr)
			assert.True(t, verr.Has(tc.field), "error must name %s:\n%v", tc.field, err)
			assert.Contains(t, err.Error(), tc.rule)
			assert.Empty(t, p.ByType("refarch:securitybaseline:SecurityBaseline"), "nothing registered before validation")
		})
	}
}

func TestValidationReportsEveryProblemAtOnce(t *testing.T) {
	args := workloadArgs()
	args.AccountID = "1"
	args.LogRetentionDays = 2
	args.AccountRoles.Personas[0].PolicyARNs = nil
	_, err := run(t, args)
	var verr *validate.Error
	require.ErrorAs(t, err, &verr)
	for _, f := range []string{"Args.AccountID", "Args.LogRetentionDays", "Args.AccountRoles.Personas[0].PolicyARNs"} {
		assert.True(t, verr.Has(f), f)
	}
}

func TestDefaultsDoNotModifyTheCallersArgs(t *testing.T) {
	args := workloadArgs()
	mustRun(t, args)
	assert.Empty(t, args.Audit.TrailName)
	assert.Zero(t, args.AccountRoles.Personas[0].MaxSessionHours)
}

func TestChecks(t *testing.T) {
	good := map[string]func(string) string{
		"cron(30 2 ? * MON-FRI *)":   sb.CheckSchedule,
		"rate(7 days)":               sb.CheckSchedule,
		"alice.smith":                validate.CheckUserName,
		"refarch-audit-111111111111": sb.CheckBucketName,
		"Europe/Berlin":              sb.CheckTimezone,
	}
	for v, check := range good {
		assert.Empty(t, check(v), v)
	}
	bad := map[string]func(string) string{
		"rate(0 days)": sb.CheckSchedule,
		"Alice":        validate.CheckUserName,
		"alice smith":  validate.CheckUserName,
		"192.168.1.10": sb.CheckBucketName,
		"a..b":         sb.CheckBucketName,
	}
	for v, check := range bad {
		assert.NotEmpty(t, check(v), v)
	}
}
