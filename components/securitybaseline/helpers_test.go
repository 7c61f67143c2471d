package securitybaseline_test

import (
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	sb "github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/offline"
)

const (
	account         = offline.UnitAccount
	identityAccount = "111111111111"
	otherWriter     = "222222222222"
	deployRole      = "arn:aws:iam::" + account + ":role/refarch-deploy"
	topicARN        = "arn:aws:sns:us-west-2:" + account + ":alerts"
)

// workloadArgs are the arguments of a workload account: persona roles,
// delivering to an archive elsewhere.
func workloadArgs() *sb.SecurityBaselineArgs {
	return &sb.SecurityBaselineArgs{
		AccountID:         account,
		Region:            offline.UnitRegion,
		KeyAdministrators: []string{deployRole},
		AlertTopicARN:     pulumi.String(topicARN),
		Audit: sb.AuditArgs{
			TrailBucket:     "org-audit-trail",
			ConfigBucket:    "org-audit-config",
			ReaderAccountID: identityAccount,
		},
		AccountRoles: &sb.AccountRolesArgs{
			TrustedAccountID: identityAccount,
			Personas: []sb.PersonaRole{
				{RoleName: "full-access", PolicyARNs: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
				{RoleName: "read-only", PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}, MaxSessionHours: 4},
			},
		},
	}
}

// archiveArgs are the arguments of the archive account: no roles, the
// archive admitting itself and one other writer.
func archiveArgs() *sb.SecurityBaselineArgs {
	a := workloadArgs()
	a.AccountRoles = nil
	a.Audit.ReaderAccountID = ""
	a.Archive = &sb.ArchiveArgs{
		Writers: []sb.Writer{
			{AccountID: account, TrailName: "base-trail"},
			{AccountID: otherWriter, TrailName: "other-trail"},
		},
		LockDays: 365,
	}
	return a
}

func run(t *testing.T, args *sb.SecurityBaselineArgs) (*offline.Plan, error) {
	t.Helper()
	return runNamed(t, "base", args)
}

func runNamed(t *testing.T, name string, args *sb.SecurityBaselineArgs) (*offline.Plan, error) {
	t.Helper()
	return offline.RunComponent(func(ctx *pulumi.Context, p *aws.Provider) error {
		_, err := sb.NewSecurityBaseline(ctx, name, args, pulumi.Provider(p))
		return err
	})
}

func mustRun(t *testing.T, args *sb.SecurityBaselineArgs) *offline.Plan {
	t.Helper()
	p, err := run(t, args)
	require.NoError(t, err)
	return p
}
