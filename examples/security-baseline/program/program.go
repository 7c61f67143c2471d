// Package program is the security-baseline example: refarch's
// SecurityBaseline applied to one account on its own, with the account's
// alert topic, and the audit archive (trail and AWS Config buckets) kept in
// that same account. No other account administers its findings, and it
// administers none.
//
// It is a package rather than the example's main so that its test can run
// it under refarch's offline engine; main.go only calls pulumi.Run(Program).
package program

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/refarch/refarch/components/alerttopic"
	sb "github.com/refarch/refarch/components/securitybaseline"
)

// Settings are the example's configuration, as Pulumi.yaml declares it.
type Settings struct {
	// AccountID and Region are where everything is created: the provider
	// refuses credentials of any other account.
	AccountID, Region string
	// DeployRoleARN is the role the provider assumes; "" uses the
	// credentials as they are.
	DeployRoleARN string
	// KeyAdministrators administer the KMS keys the components create.
	KeyAdministrators []string
	// AlertEmails receive the alerts (each confirms its subscription once).
	AlertEmails []string
	// AuditLockDays is the Object Lock retention of delivered trail logs.
	AuditLockDays int
	// Protect keeps the keys, log groups and archive when the stack is
	// destroyed.
	Protect bool
}

// Load reads the example's configuration. The engine has already applied
// Pulumi.yaml's defaults and refused a stack that misses a required key.
func Load(ctx *pulumi.Context) (*Settings, error) {
	cfg := config.New(ctx, "")
	s := &Settings{
		AccountID:     cfg.Require("accountId"),
		Region:        cfg.Require("region"),
		DeployRoleARN: cfg.Get("deployRoleArn"),
		AuditLockDays: cfg.RequireInt("auditLockDays"),
		Protect:       cfg.RequireBool("protect"),
	}
	if err := cfg.TryObject("keyAdministrators", &s.KeyAdministrators); err != nil {
		return nil, fmt.Errorf("security-baseline:keyAdministrators: %w", err)
	}
	if err := cfg.TryObject("alertEmails", &s.AlertEmails); err != nil {
		return nil, fmt.Errorf("security-baseline:alertEmails: %w", err)
	}
	return s, nil
}

// TrailBucket is the archive's CloudTrail bucket. S3 bucket names are
// global, so it carries the account id.
func TrailBucket(stack, account string) string { return stack + "-audit-trail-" + account }

// ConfigBucket is the archive's AWS Config bucket, a sibling of the trail
// bucket: AWS Config cannot deliver to a bucket with Object Lock.
func ConfigBucket(stack, account string) string { return stack + "-audit-config-" + account }

// Program creates the alert topic and the baseline, and exports where the
// audit records go.
func Program(ctx *pulumi.Context) error {
	s, err := Load(ctx)
	if err != nil {
		return err
	}
	provider, err := newProvider(ctx, s)
	if err != nil {
		return err
	}
	account := pulumi.Provider(provider)
	name := ctx.Stack()

	// Findings and alarms go to the topic first: the baseline needs it.
	alerts, err := alerttopic.NewAlertTopic(ctx, name+"-alerts", &alerttopic.AlertTopicArgs{
		AccountID:         s.AccountID,
		Region:            s.Region,
		KeyAdministrators: s.KeyAdministrators,
		Emails:            s.AlertEmails,
		Protect:           s.Protect,
	}, account)
	if err != nil {
		return err
	}

	trailName := name + "-trail"
	trailBucket, configBucket := TrailBucket(name, s.AccountID), ConfigBucket(name, s.AccountID)
	base, err := sb.NewSecurityBaseline(ctx, name, &sb.SecurityBaselineArgs{
		AccountID:         s.AccountID,
		Region:            s.Region,
		KeyAdministrators: s.KeyAdministrators,
		AlertTopicARN:     alerts.TopicARN,
		Audit: sb.AuditArgs{
			TrailBucket:  trailBucket,
			ConfigBucket: configBucket,
			TrailName:    trailName,
		},
		// The account keeps its own archive; it is its only writer. (In
		// an organization, one security account holds the archive and
		// lists every account's trail here.)
		Archive: &sb.ArchiveArgs{
			Writers:  []sb.Writer{{AccountID: s.AccountID, TrailName: trailName}},
			LockDays: s.AuditLockDays,
		},
		Protect: s.Protect,
	}, account)
	if err != nil {
		return err
	}

	ctx.Export("alertTopicArn", alerts.TopicARN)
	ctx.Export("trailArn", base.TrailARN)
	ctx.Export("trailBucket", pulumi.String(trailBucket))
	ctx.Export("configBucket", pulumi.String(configBucket))
	ctx.Export("detectorId", base.DetectorID)
	ctx.Export("dataKeyArn", base.DataKeyARN)
	ctx.Export("secretsKeyArn", base.SecretsKeyARN)
	ctx.Export("instancePolicyArn", base.InstancePolicyARN)
	ctx.Export("patchGroup", base.PatchGroup)
	return nil
}

// newProvider is the explicit provider every resource names: Pulumi.yaml
// disables the default one, so nothing lands in whatever account the
// ambient credentials happen to reach.
func newProvider(ctx *pulumi.Context, s *Settings) (*aws.Provider, error) {
	args := &aws.ProviderArgs{
		Region:            pulumi.String(s.Region),
		AllowedAccountIds: pulumi.StringArray{pulumi.String(s.AccountID)},
		DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: pulumi.StringMap{
			"Project":   pulumi.String(ctx.Project()),
			"Stack":     pulumi.String(ctx.Stack()),
			"ManagedBy": pulumi.String("pulumi"),
		}},
	}
	if s.DeployRoleARN != "" {
		args.AssumeRole = &aws.ProviderAssumeRoleArgs{
			RoleArn:     pulumi.String(s.DeployRoleARN),
			SessionName: pulumi.String(ctx.Project() + "-" + ctx.Stack()),
		}
	}
	p, err := aws.NewProvider(ctx, "aws", args)
	if err != nil {
		return nil, fmt.Errorf("the aws provider: %w", err)
	}
	return p, nil
}
