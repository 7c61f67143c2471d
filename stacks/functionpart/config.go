package functionpart

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/function"
	"github.com/refarch/refarch/components/restoredrill"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
)

// The functions, by the name of their folder under workloads/functions/.
const (
	AlertNotifier = "alert-notifier"
	SecretRotator = "secret-rotator"
	EdgeProbe     = "edge-probe"
	HelloHTTP     = "hello-http"
	RestoreDrill  = "restore-drill"
)

// Settings size one function (refarch:functions.<name>). Zero values keep
// the function's default.
type Settings struct {
	// MemoryMB is the function's memory, 128-10240.
	MemoryMB int `json:"memoryMb"`
	// TimeoutSeconds is its timeout, 1-900.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// ReservedConcurrency reserves (and caps) its concurrency; 0 leaves
	// it unreserved.
	ReservedConcurrency int `json:"reservedConcurrency"`
}

// defaults are each function's sizes: the smallest memory, and timeouts
// that cover what the handler waits for (the notifier's 5-second webhook
// call and secret read, the probe's 5-second requests in parallel, the
// rotator's wait of up to 4 minutes for RDS to apply a new master
// password, which RDS applies "as soon as possible", asynchronously).
// Source: https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html
var defaults = map[string]Settings{
	AlertNotifier: {MemoryMB: 128, TimeoutSeconds: 30},
	SecretRotator: {MemoryMB: 128, TimeoutSeconds: 300},
	EdgeProbe:     {MemoryMB: 128, TimeoutSeconds: 30},
	HelloHTTP:     {MemoryMB: 128, TimeoutSeconds: 10},
	// The validator downloads RDS's CA bundle, connects over TLS (10 s at
	// most) and makes a handful of AWS calls.
	RestoreDrill: {MemoryMB: 128, TimeoutSeconds: 60},
}

// MinRotatorTimeoutSeconds is the shortest timeout of the secret rotator:
// enough for its setSecret and testSecret steps to wait a couple of
// minutes for RDS (workloads/functions/secret-rotator bounds its waits by the
// invocation's deadline).
const MinRotatorTimeoutSeconds = 120

// Names are the functions a role deploys: the notifier everywhere (every
// account has an alert topic), the others in the application stacks.
func Names(role stack.Role) []string {
	if role == stack.RoleApp {
		return []string{AlertNotifier, EdgeProbe, HelloHTTP, RestoreDrill, SecretRotator}
	}
	return []string{AlertNotifier}
}

// Config configures the stack's Lambda functions (components/function).
// Pulumi.yaml declares every key under the "functions" marker.
type Config struct {
	// Functions size the functions, by name (refarch:functions), with
	// the defaults applied.
	Functions map[string]Settings
	// DrillSchedule is when the database's restore drill runs, a cron
	// expression (refarch:dbRestoreDrillSchedule; application stacks).
	DrillSchedule string
	// DrillTargetMinutes is the longest a drill's restore may take before
	// its alarm fires (refarch:dbRestoreTargetMinutes; application stacks).
	DrillTargetMinutes int
}

// Load reads and validates the section; problems go to r.
func (s *Config) Load(r *stack.Reader, c *stack.Config) {
	var set map[string]Settings
	r.Object("functions", false, &set)
	if c.Role == stack.RoleApp {
		s.loadDrill(r)
	}
	names := Names(c.Role)
	s.Functions = map[string]Settings{}
	for _, n := range names {
		s.Functions[n] = defaults[n]
	}
	for _, n := range slices.Sorted(maps.Keys(set)) {
		if !slices.Contains(names, n) {
			r.Problems.Addf(stack.Key("functions")+"."+n, n, "is not a function of this stack: one of %v", names)
			continue
		}
		d := s.Functions[n]
		if v := set[n]; v.MemoryMB != 0 {
			d.MemoryMB = v.MemoryMB
		}
		if v := set[n]; v.TimeoutSeconds != 0 {
			d.TimeoutSeconds = v.TimeoutSeconds
		}
		d.ReservedConcurrency = set[n].ReservedConcurrency
		s.Functions[n] = d
		if n == SecretRotator && d.TimeoutSeconds < MinRotatorTimeoutSeconds {
			r.Problems.Addf(stack.Key("functions")+"."+n+".timeoutSeconds", fmt.Sprint(d.TimeoutSeconds),
				"must be at least %d: a rotation of the database's master password waits for RDS to apply it, asynchronously (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-modify-db-instance-request/master-user-password.html)",
				MinRotatorTimeoutSeconds)
		}
		// The component's rules, on placeholder code: only the sizes are
		// the section's.
		args := s.args(n, pulumi.NewFileArchive("placeholder.zip"))
		args.KMSKeyARN = pulumi.String("placeholder")
		prefix := stack.Key("functions") + "." + n + "."
		stack.RecordComponentProblems(&r.Problems, args.Validate(), func(prob validate.Problem) (validate.Problem, bool) {
			field, ok := sizeFields[prob.Field]
			if ok {
				prob.Field = prefix + field
			}
			return prob, ok
		})
	}
}

// sizeFields name the component's fields by their configuration key.
var sizeFields = map[string]string{
	"Args.MemoryMB":            "memoryMb",
	"Args.TimeoutSeconds":      "timeoutSeconds",
	"Args.ReservedConcurrency": "reservedConcurrency",
}

// args are a function's arguments from its settings.
func (s *Config) args(name string, code pulumi.ArchiveInput) *function.FunctionArgs {
	set := s.Functions[name]
	return &function.FunctionArgs{
		Code:                code,
		MemoryMB:            set.MemoryMB,
		TimeoutSeconds:      set.TimeoutSeconds,
		ReservedConcurrency: set.ReservedConcurrency,
	}
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "functions", Part: "stacks/functionpart", Feeds: "components/function (memory, timeout, reserved concurrency of each function)",
		Rule: "keys among the stack's functions (alert-notifier everywhere; edge-probe, hello-http, restore-drill, secret-rotator in application stacks); memoryMb 128-10240, timeoutSeconds 1-900, reservedConcurrency 0-1000 (0: unreserved)"},
	{Name: "dbRestoreDrillSchedule", Part: "stacks/functionpart", Feeds: "components/restoredrill (Args.Schedule)",
		Rule: "a cron expression, daily, weekly (one day) or monthly (one day, 1-28); application stacks"},
	{Name: "dbRestoreTargetMinutes", Part: "stacks/functionpart", Feeds: "components/restoredrill (Args.TargetRestoreMinutes)",
		Rule: "a positive number of minutes; required in application stacks"},
}

// drillFields name the restore drill's arguments by their key.
var drillFields = map[string]string{
	"Args.Schedule":             "dbRestoreDrillSchedule",
	"Args.TargetRestoreMinutes": "dbRestoreTargetMinutes",
}

// loadDrill reads the restore drill's keys and records the component's
// rules on them under the keys (the schedule's form, a positive target).
func (s *Config) loadDrill(r *stack.Reader) {
	s.DrillSchedule = r.Str("dbRestoreDrillSchedule")
	s.DrillTargetMinutes = r.Int("dbRestoreTargetMinutes", 0)
	// The component's rules, on placeholder wiring: only the schedule and
	// the target are the section's.
	placeholder := pulumi.String("placeholder")
	args := &restoredrill.RestoreDrillArgs{
		DBInstanceARN: placeholder, DBSubnetGroupName: placeholder, ValidatorARN: placeholder,
		SecurityGroupIDs:     pulumi.StringArray{placeholder},
		Schedule:             s.DrillSchedule,
		TargetRestoreMinutes: s.DrillTargetMinutes,
	}
	stack.RecordComponentProblems(&r.Problems, args.Validate(), stack.ByField(drillFields))
}
