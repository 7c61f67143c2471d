package function

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// Lambda's limits and the defaults of FunctionArgs.
// Source: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const (
	// MinMemoryMB and MaxMemoryMB bound a function's memory.
	MinMemoryMB = 128
	MaxMemoryMB = 10240
	// MaxTimeoutSeconds is the longest a function may run.
	MaxTimeoutSeconds = 900
	// DefaultMemoryMB is the default memory: the smallest, enough for a
	// Go binary that waits on the network.
	DefaultMemoryMB = 128
	// DefaultTimeoutSeconds is the default timeout: a handler that talks
	// to a few AWS APIs and one HTTP endpoint, each with its own timeout.
	DefaultTimeoutSeconds = 30
	// DefaultLogRetentionDays keeps a month of logs.
	DefaultLogRetentionDays = 30
	// DefaultMaxRetries are Lambda's own two retries of an asynchronous
	// invocation, made explicit.
	// Source: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
	DefaultMaxRetries = 2
	// maxReservedConcurrency is an upper bound of our own: an account's
	// default quota is 1,000 concurrent executions.
	maxReservedConcurrency = 1000
)

// FunctionArgs configures a Function. Zero values mean the default.
type FunctionArgs struct {
	// Description of the function. Default the name.
	Description string
	// Code is the deployment package: a zip holding the executable
	// "bootstrap" for linux/arm64 (cmd/package-functions builds it).
	// Required.
	Code pulumi.ArchiveInput
	// CodeSHA256 is the base64 SHA-256 of the zip, when known: Lambda's
	// sourceCodeHash, so a rebuilt but identical zip is no change.
	// Default none (the engine compares the archive's own hash).
	CodeSHA256 string
	// MemoryMB is the function's memory (CPU grows with it). Default
	// DefaultMemoryMB; MinMemoryMB to MaxMemoryMB.
	MemoryMB int
	// TimeoutSeconds is how long an invocation may run. Default
	// DefaultTimeoutSeconds; 1 to MaxTimeoutSeconds. Its duration alarm
	// fires at 80% of it.
	TimeoutSeconds int
	// ReservedConcurrency reserves (and caps) concurrent executions, so a
	// flood of events can neither starve other functions nor run up the
	// bill. Default 0: unreserved, because Lambda refuses a reservation
	// that leaves the account fewer than 100 unreserved executions, and a
	// new account's quota may be as low as 10; 1 to 1000.
	// Source: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
	ReservedConcurrency int
	// Environment are plain, non-secret variables (a secret's ARN, never
	// its value: validate.CheckEnvName). Default none.
	Environment map[string]pulumi.StringInput
	// Permissions are what the function may do beyond writing its logs
	// and traces and sending to its dead-letter queue: named actions
	// only, never a wildcard. Default none.
	Permissions []Permission
	// KMSKeyARN encrypts the log group and the dead-letter queue. Its
	// policy must let CloudWatch Logs use it for /aws/lambda/<name>
	// (keypolicy.CloudWatchLogs) and the account's principals use it
	// through SQS (keypolicy.ViaServices "sqs"): the function's role gets
	// kms:GenerateDataKey and kms:Decrypt on it to write to its queue.
	// Default none: the function gets a key of its own with exactly that
	// policy (about 1 USD a month), administered by KeyAdministrators.
	KMSKeyARN pulumi.StringInput
	// KeyAdministrators administer the function's own key: IAM principal
	// ARNs, at least one. Required unless KMSKeyARN is given.
	KeyAdministrators []string
	// Protect protects and retains the function's own key and its log
	// group, so a careless destroy loses no logs. Default false.
	Protect bool
	// LogRetentionDays is how long the function's logs are kept. Default
	// DefaultLogRetentionDays; one of CloudWatch Logs' values.
	LogRetentionDays int
	// MaxRetries of an asynchronous invocation before the event goes to
	// the dead-letter queue. Default DefaultMaxRetries; 0 to 2. Set
	// NoRetries for 0.
	MaxRetries int
	// NoRetries sends a failed asynchronous event to the dead-letter queue
	// at once (for a scheduled function whose next run is as good as a
	// retry). Default false.
	NoRetries bool
	// VPC places the function in subnets, when set. Default none: the
	// function runs in Lambda's network and reaches AWS and the internet
	// directly.
	VPC *VPC
	// Invokers are the only sources that may invoke the function, each
	// through a resource policy restricted to its source ARN and this
	// account. Default none.
	Invokers []Invoker
	// Schedule, when set, invokes the function on an EventBridge Scheduler
	// expression ("rate(1 minute)", "cron(…)"), through a role that may
	// invoke this function only. Default none.
	// Source: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
	Schedule string
	// LoadBalancerTarget, when set, puts the function in a Lambda target
	// group of its own (Function.TargetGroupARN) that only that target
	// group's load balancer may invoke it through; route a listener's
	// path to it (ecscluster.Route). Default none.
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
	LoadBalancerTarget *LoadBalancerTarget
}

// LoadBalancerTarget configures a function's target group.
type LoadBalancerTarget struct {
	// HealthCheckPath is the path the load balancer invokes to check the
	// function (health checks of a Lambda target are off unless enabled;
	// they invoke the function every HealthCheckIntervalSeconds).
	// Default none: no health checks.
	HealthCheckPath string
}

// Permission is one statement of the function's role.
type Permission struct {
	// Actions are IAM actions, "service:Action", never a wildcard.
	// Required.
	Actions []string
	// Resources are the ARNs the actions apply to; "*" only for actions
	// that have no resource-level permissions (say so in Condition where
	// a condition key narrows them). Required.
	Resources []pulumi.StringInput
	// Condition narrows the statement. Default none.
	Condition iampolicy.Conditions
}

// VPC places a function in subnets.
type VPC struct {
	// SubnetIDs are the subnets (the application tier's). Required.
	SubnetIDs pulumi.StringArrayInput
	// SecurityGroupIDs are the function's groups (egress decides what it
	// reaches; nothing connects to a function). Required.
	SecurityGroupIDs pulumi.StringArrayInput
}

// Invoker is a source allowed to invoke the function.
type Invoker struct {
	// Name names the permission's statement. Required, unique.
	Name string
	// Principal is the invoking service: "sns.amazonaws.com",
	// "elasticloadbalancing.amazonaws.com",
	// "secretsmanager.amazonaws.com". Required.
	Principal string
	// SourceARN is the one topic, target group or secret that may invoke
	// it. Required.
	SourceARN pulumi.StringInput
}

var (
	principal = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com$`)
	schedule  = regexp.MustCompile(`^(rate|cron|at)\(.+\)$`)
)

func (a FunctionArgs) withDefaults() FunctionArgs {
	if a.MemoryMB == 0 {
		a.MemoryMB = DefaultMemoryMB
	}
	if a.TimeoutSeconds == 0 {
		a.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if a.LogRetentionDays == 0 {
		a.LogRetentionDays = DefaultLogRetentionDays
	}
	if a.MaxRetries == 0 && !a.NoRetries {
		a.MaxRetries = DefaultMaxRetries
	}
	a.Environment = maps.Clone(a.Environment)
	a.Permissions = slices.Clone(a.Permissions)
	a.Invokers = slices.Clone(a.Invokers)
	a.KeyAdministrators = slices.Clone(a.KeyAdministrators)
	return a
}

// Validate reports every problem of the arguments at once.
func (a *FunctionArgs) Validate() error { return a.withDefaults().validate() }

func (a FunctionArgs) validate() error {
	var p validate.Problems
	if a.Code == nil {
		p.Add("Args.Code", "", "is required: build the functions with `go run ./cmd/package-functions`")
	}
	if a.KMSKeyARN == nil {
		keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	}
	p.Check("Args.MemoryMB", fmt.Sprint(a.MemoryMB), validate.CheckRange(a.MemoryMB, MinMemoryMB, MaxMemoryMB))
	p.Check("Args.TimeoutSeconds", fmt.Sprint(a.TimeoutSeconds), validate.CheckRange(a.TimeoutSeconds, 1, MaxTimeoutSeconds))
	p.Check("Args.ReservedConcurrency", fmt.Sprint(a.ReservedConcurrency), validate.CheckRange(a.ReservedConcurrency, 0, maxReservedConcurrency))
	p.Check("Args.LogRetentionDays", fmt.Sprint(a.LogRetentionDays), validate.CheckLogRetention(a.LogRetentionDays))
	p.Check("Args.MaxRetries", fmt.Sprint(a.MaxRetries), validate.CheckRange(a.MaxRetries, 0, 2))
	if a.NoRetries && a.MaxRetries != 0 {
		p.Add("Args.MaxRetries", fmt.Sprint(a.MaxRetries), "contradicts NoRetries")
	}
	for _, name := range slices.Sorted(maps.Keys(a.Environment)) {
		field := "Args.Environment[" + name + "]"
		p.Check(field, name, validate.CheckEnvName(name))
		if a.Environment[name] == nil {
			p.Add(field, name, "has no value")
		}
	}
	for i, perm := range a.Permissions {
		field := fmt.Sprintf("Args.Permissions[%d]", i)
		if len(perm.Actions) == 0 {
			p.Add(field+".Actions", "", "is required")
		}
		for j, act := range perm.Actions {
			p.Check(fmt.Sprintf("%s.Actions[%d]", field, j), act, validate.CheckNamedAction(act))
		}
		if len(perm.Resources) == 0 {
			p.Add(field+".Resources", "", "is required")
		}
		for j, r := range perm.Resources {
			if r == nil {
				p.Add(fmt.Sprintf("%s.Resources[%d]", field, j), "", "has no value")
			}
		}
	}
	if a.VPC != nil && (a.VPC.SubnetIDs == nil || a.VPC.SecurityGroupIDs == nil) {
		p.Add("Args.VPC", "", "needs SubnetIDs and SecurityGroupIDs")
	}
	names := map[string]bool{}
	for i, inv := range a.Invokers {
		field := fmt.Sprintf("Args.Invokers[%d]", i)
		p.Check(field+".Name", inv.Name, validate.CheckName(inv.Name, 64))
		if names[inv.Name] {
			p.Add(field+".Name", inv.Name, "is used by two invokers")
		}
		names[inv.Name] = true
		if !principal.MatchString(inv.Principal) {
			p.Add(field+".Principal", inv.Principal, `must be an AWS service principal ("sns.amazonaws.com")`)
		}
		if inv.SourceARN == nil {
			p.Add(field+".SourceARN", "", "is required: a service principal without a source may be any account's resource")
		}
	}
	if t := a.LoadBalancerTarget; t != nil && t.HealthCheckPath != "" && !strings.HasPrefix(t.HealthCheckPath, "/") {
		p.Add("Args.LoadBalancerTarget.HealthCheckPath", t.HealthCheckPath, `must start with "/"`)
	}
	if a.Schedule != "" && !schedule.MatchString(a.Schedule) {
		p.Add("Args.Schedule", a.Schedule, "must be a Scheduler expression: rate(…), cron(…) or at(…)")
	}
	return p.Err("function arguments")
}
