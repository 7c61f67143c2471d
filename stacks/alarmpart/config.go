package alarmpart

import (
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/alarms"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// Config configures the alarms of a stack (components/alarms). Pulumi.yaml declares every key under the "alarms"
// marker.
type Config struct {
	// Overrides change default alarms, by "<target kind>/<alarm kind>"
	// (refarch:alarmOverrides).
	Overrides map[string]alarms.Override
}

// Load reads and validates the section; problems go to r.
func (s *Config) Load(r *stack.Reader, _ *stack.Config) {
	r.Object("alarmOverrides", false, &s.Overrides)
	// The component's rules, on placeholder targets: only the overrides
	// are the section's.
	args := &alarms.AlarmsArgs{TopicARN: pulumi.String("placeholder"), Overrides: s.Overrides}
	stack.RecordComponentProblems(&r.Problems, args.Validate(), overrideProblem)
}

// overrideField is the component's name of an override's field.
var overrideField = regexp.MustCompile(`^Args\.Overrides\["([^"]+)"\](?:\.(\w+))?(.*)$`)

// overrideProblem names an override's problem by its configuration key:
// Args.Overrides["service/cpu"].PeriodSeconds is
// refarch:alarmOverrides.service/cpu.periodSeconds.
func overrideProblem(prob validate.Problem) (validate.Problem, bool) {
	m := overrideField.FindStringSubmatch(prob.Field)
	if m == nil {
		return prob, false
	}
	prob.Field = stack.Key("alarmOverrides") + "." + m[1]
	if m[2] != "" {
		prob.Field += "." + strings.ToLower(m[2][:1]) + m[2][1:] + m[3]
	}
	return prob, true
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "alarmOverrides", Part: "stacks/alarmpart", Feeds: "components/alarms (AlarmsArgs.Overrides)",
		Rule: "keys among alarms.OverrideKeys (loadBalancer/…, service/…, cache/…, host/…, distribution/…, function/…, probe/…, natGateway/…); fields threshold (not negative), periodSeconds (a multiple of 60, at most 86400), evaluationPeriods (1-100), disabled"},
}
