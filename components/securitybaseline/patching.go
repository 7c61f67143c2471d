package securitybaseline

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PatchGroupTag is the tag key that puts an instance in a patch group.
// "Patch Group" (with the space) works without instance metadata tags,
// which the baseline keeps disabled.
// Source: https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-patch-groups.html
const PatchGroupTag = "Patch Group"

// patching auto-approves security updates (Security Hub SSM.2 measures the
// result): a patch baseline approving the Security classification after
// Patching.ApproveAfterDays, the account's default for its operating
// system and registered for the patch group; a daily scan association
// (compliance data) and a maintenance window installing approved patches,
// rebooting if needed, both targeting instances by the PatchGroupTag tag.
func (b *builder) patching() error {
	ctx, n, p := b.ctx, b.name, b.a.Patching
	baseline, err := ssm.NewPatchBaseline(ctx, n+"-security-updates", &ssm.PatchBaselineArgs{
		Name:            pulumi.String(n + "-security-updates"),
		Description:     pulumi.String("Security updates, approved automatically"),
		OperatingSystem: pulumi.String(p.OperatingSystem),
		ApprovalRules: ssm.PatchBaselineApprovalRuleArray{&ssm.PatchBaselineApprovalRuleArgs{
			ApproveAfterDays:  pulumi.Int(p.ApproveAfterDays),
			ComplianceLevel:   pulumi.String("CRITICAL"),
			EnableNonSecurity: pulumi.Bool(false),
			PatchFilters: ssm.PatchBaselineApprovalRulePatchFilterArray{&ssm.PatchBaselineApprovalRulePatchFilterArgs{
				Key:    pulumi.String("CLASSIFICATION"),
				Values: pulumi.StringArray{pulumi.String("Security")},
			}},
		}},
	}, b.child)
	if err != nil {
		return err
	}
	if _, err := ssm.NewDefaultPatchBaseline(ctx, n+"-security-updates", &ssm.DefaultPatchBaselineArgs{
		BaselineId:      baseline.ID(),
		OperatingSystem: pulumi.String(p.OperatingSystem),
	}, b.child); err != nil {
		return err
	}
	if _, err := ssm.NewPatchGroup(ctx, n+"-security-updates", &ssm.PatchGroupArgs{
		BaselineId: baseline.ID(),
		PatchGroup: pulumi.String(p.PatchGroup),
	}, b.child); err != nil {
		return err
	}
	byTag := pulumi.StringArray{pulumi.String(p.PatchGroup)}
	if _, err := ssm.NewAssociation(ctx, n+"-patch-scan", &ssm.AssociationArgs{
		AssociationName:    pulumi.String(n + "-patch-scan"),
		Name:               pulumi.String("AWS-RunPatchBaseline"),
		ScheduleExpression: pulumi.String("rate(1 day)"),
		ComplianceSeverity: pulumi.String("HIGH"),
		Parameters:         pulumi.StringMap{"Operation": pulumi.String("Scan")},
		Targets: ssm.AssociationTargetArray{&ssm.AssociationTargetArgs{
			Key: pulumi.String("tag:" + PatchGroupTag), Values: byTag,
		}},
	}, b.child); err != nil {
		return err
	}
	window, err := ssm.NewMaintenanceWindow(ctx, n+"-patching", &ssm.MaintenanceWindowArgs{
		Name:                     pulumi.String(n + "-patching"),
		Description:              pulumi.String("Installs approved security updates"),
		Schedule:                 pulumi.String(p.Schedule),
		ScheduleTimezone:         pulumi.String(p.Timezone),
		Duration:                 pulumi.Int(p.WindowHours),
		Cutoff:                   pulumi.Int(1),
		AllowUnassociatedTargets: pulumi.Bool(false),
	}, b.child)
	if err != nil {
		return err
	}
	target, err := ssm.NewMaintenanceWindowTarget(ctx, n+"-patching", &ssm.MaintenanceWindowTargetArgs{
		WindowId:     window.ID(),
		Name:         pulumi.String(n + "-patch-group"),
		ResourceType: pulumi.String("INSTANCE"),
		Targets: ssm.MaintenanceWindowTargetTargetArray{&ssm.MaintenanceWindowTargetTargetArgs{
			Key: pulumi.String("tag:" + PatchGroupTag), Values: byTag,
		}},
	}, b.child)
	if err != nil {
		return err
	}
	_, err = ssm.NewMaintenanceWindowTask(ctx, n+"-patching", &ssm.MaintenanceWindowTaskArgs{
		WindowId:       window.ID(),
		Name:           pulumi.String(n + "-install-patches"),
		TaskType:       pulumi.String("RUN_COMMAND"),
		TaskArn:        pulumi.String("AWS-RunPatchBaseline"),
		Priority:       pulumi.Int(1),
		MaxConcurrency: pulumi.String("50%"),
		MaxErrors:      pulumi.String("1"),
		Targets: ssm.MaintenanceWindowTaskTargetArray{&ssm.MaintenanceWindowTaskTargetArgs{
			Key: pulumi.String("WindowTargetIds"), Values: pulumi.StringArray{target.ID()},
		}},
		TaskInvocationParameters: &ssm.MaintenanceWindowTaskTaskInvocationParametersArgs{
			RunCommandParameters: &ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersArgs{
				Comment: pulumi.String("Install approved security updates"),
				Parameters: ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersParameterArray{
					&ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersParameterArgs{
						Name: pulumi.String("Operation"), Values: pulumi.StringArray{pulumi.String("Install")},
					},
					&ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersParameterArgs{
						Name: pulumi.String("RebootOption"), Values: pulumi.StringArray{pulumi.String("RebootIfNeeded")},
					},
				},
				CloudwatchConfig: &ssm.MaintenanceWindowTaskTaskInvocationParametersRunCommandParametersCloudwatchConfigArgs{
					CloudwatchOutputEnabled: pulumi.Bool(true),
					CloudwatchLogGroupName:  b.patchLogGroup.Name,
				},
			},
		},
	}, b.child)
	if err != nil {
		return err
	}
	b.c.PatchGroup = pulumi.String(p.PatchGroup).ToStringOutput()
	return nil
}
