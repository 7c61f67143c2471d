package postgres

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// parameterGroup creates the parameter group of the engine's major
// version. Its family is derived from Args.EngineVersion: a group of one
// family cannot serve another major version, and an autonamed group is
// replaced (created anew, then the old one deleted) when the family
// changes, so a major upgrade does not fail on the old group.
// Source: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.Process.html
func (b *builder) parameterGroup() error {
	params := rds.ParameterGroupParameterArray{}
	// Sorted, so the same arguments always produce the same inputs.
	for _, name := range slices.Sorted(maps.Keys(b.args.Parameters)) {
		params = append(params, rds.ParameterGroupParameterArgs{
			Name:  pulumi.String(name),
			Value: pulumi.String(b.args.Parameters[name]),
			// Every default is dynamic; "pending-reboot" lets an added
			// static parameter wait for the next reboot instead of failing.
			ApplyMethod: pulumi.String(applyMethod(name)),
		})
	}
	group, err := rds.NewParameterGroup(b.ctx, b.name, &rds.ParameterGroupArgs{
		Family:      pulumi.String(Family(b.args.EngineVersion)),
		Description: pulumi.Sprintf("PostgreSQL %s: TLS required, SCRAM passwords, audit and slow-query logging", b.name),
		Parameters:  params,
		Tags:        tags(b.name),
	}, b.child)
	if err != nil {
		return fmt.Errorf("parameter group: %w", err)
	}
	b.paramGroupName = group.Name
	return nil
}

// applyMethod is "immediate" for the parameters PostgreSQL reloads without a
// restart (all of DefaultParameters) and "pending-reboot" for any other.
func applyMethod(name string) string {
	if _, dynamic := DefaultParameters[name]; dynamic {
		return "immediate"
	}
	return "pending-reboot"
}
