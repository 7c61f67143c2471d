package ecscluster

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/validate"
)

// Defaults of a Service's optional fields.
const (
	DefaultCPU               = 256
	DefaultMemory            = 512
	DefaultPort              = 8080
	DefaultMinCount          = 1
	DefaultMaxCount          = 4
	DefaultCPUTarget         = 60
	DefaultRequestsPerTarget = 1000
	// DefaultUser is a non-root uid:gid; a container never runs as root.
	DefaultUser = "1000:1000"
	// DefaultTargetProtocol is the protocol from the load balancer to the
	// tasks: TLS end to end.
	DefaultTargetProtocol = "HTTPS"
	// DefaultArchitecture is the CPU architecture of the tasks.
	DefaultArchitecture = "X86_64"
	// MaxTasks bounds MaxCount: ECS runs at most 5,000 tasks per service.
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
	MaxTasks = 5000
	// MaxRulesPerListener is how many services one load balancer can
	// route to: 100 rules (and 100 target groups) per Application Load
	// Balancer.
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
	MaxRulesPerListener = 100
	// MaxConditionValues is how many host and path values one listener
	// rule may hold.
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
	MaxConditionValues = 5
	// MaxBaseNameLength bounds "<cluster>-<service>", the logical name of
	// the service's target group: target group names are at most 32
	// characters and Pulumi's autonaming appends 8 ("-" and 7 hex).
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
	MaxBaseNameLength = 32 - 8
)

// ServiceSpec is the plain part of a Service: what a service is, as
// configuration describes it. Its json names are those of configuration, so
// a stack decodes a service straight into it (stacks/platformpart) and the
// component applies its defaults and rules; the wiring (listener,
// variables, groups, egress) is Service's own. Zero values mean the
// documented default.
type ServiceSpec struct {
	// Name names the service and its container (required): lower-case
	// letters, digits and inner hyphens, unique in the cluster, and short
	// enough that "<cluster>-<name>" fits MaxBaseNameLength.
	Name string `json:"name"`
	// Image is the container image (required): a repository and a tag or
	// digest ("<account>.dkr.ecr.<region>.amazonaws.com/web:1.4.2" or
	// "…/web@sha256:…"). Without Args.AllowLatestTag, a missing tag and
	// "latest" are refused. An ECR image in a repository of any account
	// gives the execution role pull rights on exactly that repository.
	Image string `json:"image"`
	// CPU is the task's size in CPU units; with Memory, a pair Fargate
	// offers (see FargateMemory). Default 256 (DefaultCPU).
	CPU int `json:"cpu"`
	// Memory is the task's memory in MiB; with CPU, a pair Fargate offers
	// (see FargateMemory). Default 512 (DefaultMemory).
	Memory int `json:"memory"`
	// Port is the container port the load balancer sends traffic to, a TLS
	// port unless TargetProtocol is HTTP. Default 8080 (DefaultPort); at
	// least 1024, because the container runs as a non-root user without
	// capabilities and cannot bind a lower port.
	Port int `json:"port"`
	// TargetProtocol is how the load balancer speaks to the task, and
	// probes its health: HTTPS, so the hop behind the load balancer is
	// encrypted too, or HTTP for a container that cannot speak TLS.
	// Default "HTTPS" (DefaultTargetProtocol). Load balancers do not validate the certificates of their
	// targets, so a certificate the container generates at start suffices.
	// Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-routing-configuration
	TargetProtocol string `json:"targetProtocol"`
	// Hosts are the host names the listener rule matches (wildcards
	// "*.example.com" allowed). Default none: any host.
	Hosts []string `json:"hosts"`
	// Paths are the path prefixes the rule matches, each "/<prefix>/*" or
	// the catch-all "/*" alone. Default "/<name>/*". Together with Hosts
	// at most MaxConditionValues values.
	Paths []string `json:"paths"`
	// HealthCheck is the target group's health check. Default: every
	// HealthCheck field at its own default.
	HealthCheck HealthCheck `json:"healthCheck"`
	// MinCount is the autoscaling's floor of running tasks. Default 1
	// (DefaultMinCount).
	MinCount int `json:"minCount"`
	// MaxCount is the autoscaling's ceiling, at most MaxTasks. Default 4
	// (DefaultMaxCount).
	MaxCount int `json:"maxCount"`
	// DesiredCount is the task count at creation only: afterwards the
	// autoscaler owns it, and deploys never reset it. Default MinCount.
	DesiredCount int `json:"desiredCount"`
	// CPUTarget is the average CPU utilization (percent) the autoscaler
	// keeps the service at. Default 60.
	CPUTarget int `json:"cpuTarget"`
	// RequestsPerTarget is the ALB request count per task and minute the
	// autoscaler keeps the service at. Default 1000.
	RequestsPerTarget int `json:"requestsPerTarget"`
	// User is the uid[:gid] the container runs as. Default "1000:1000";
	// root ("root", "0", "0:…") is refused.
	User string `json:"user"`
	// Architecture is X86_64 or ARM64. Default "X86_64"
	// (DefaultArchitecture).
	Architecture string `json:"architecture"`
	// InternetEgress lets the tasks open HTTPS (443) connections to any
	// address (0.0.0.0/0, through the VPC's NAT gateways), for a service
	// that calls third-party APIs. Default false: a service reaches only
	// what it is wired to (its Egress, the groups it joins, the VPC's
	// interface endpoints and S3's prefix list), so a compromised task
	// cannot ship data anywhere; then the cluster must be given the VPC's
	// endpoints (Args.EndpointSecurityGroupID, Args.S3PrefixListID).
	InternetEgress bool `json:"internetEgress"`
	// WritableRootFilesystem opts out of the read-only root filesystem.
	// Default false: an attacker cannot change the image's files. ECS Exec
	// (Args.ExecuteCommand) needs it: its SSM agent creates directories and
	// files in the container, and AWS does not support it with a read-only
	// root filesystem "or any other method" (so writable mounts for the
	// agent's directories are no way around it); the image then also needs a
	// shell, and `script` and `cat` for logged sessions, which distroless
	// images lack.
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
	WritableRootFilesystem bool `json:"writableRootFilesystem"`
}

// Service is one Fargate service behind a load balancer listener: its
// ServiceSpec and its wiring. Zero values mean the documented default.
type Service struct {
	// ServiceSpec is what the service is (its Name and Image required);
	// its fields are the Service's own.
	ServiceSpec
	// Listener is the key in Args.Listeners of the listener the service
	// attaches to (required).
	Listener string
	// Environment holds non-secret environment variables. A name that
	// looks secret (PASSWORD, SECRET, TOKEN, …) is refused: secrets go
	// in Secrets. Default none.
	Environment map[string]pulumi.StringInput
	// Secrets maps environment variable names to the ARN of a Secrets
	// Manager secret (optionally with a ":<json-key>::" suffix) or an SSM
	// parameter. ECS injects the value at start; it never appears in the
	// task definition, and the execution role may read exactly these.
	// Default none.
	Secrets map[string]pulumi.StringInput
	// DecryptKeyARNs are customer-managed KMS keys encrypting those
	// secrets; the execution role may decrypt with them, through Secrets
	// Manager and SSM only. Default none (AWS-managed keys need no grant).
	DecryptKeyARNs pulumi.StringArrayInput
	// TaskPermissions are what the application itself may do (its task
	// role's one policy): named actions only, never a wildcard. Default
	// none.
	TaskPermissions []TaskPermission
	// SecurityGroupIDs are extra groups the tasks join (for example a
	// database's client group). Default none.
	SecurityGroupIDs pulumi.StringArrayInput
	// Egress are the service's outbound rules beyond those every task
	// gets (HTTPS to the VPC's interface endpoints and to S3's prefix
	// list, for image pulls, logs and secrets) and InternetEgress's.
	// Default none.
	Egress []Egress
	// TmpPaths are scratch directories mounted from the task's ephemeral
	// storage (Fargate bind mounts). Default none. Fargate creates such a
	// mount owned by root with mode 0755 unless the image declares the
	// same path as a VOLUME (whose contents and permissions are then
	// copied), so the container's non-root user can write it only when the
	// image declares the VOLUME, owned by that user. ko's images on
	// distroless declare none, and the sample programs write no temporary
	// files. A service that keeps the read-only root filesystem is
	// therefore refused TmpPaths (it would count on a scratch directory it
	// cannot write); one with WritableRootFilesystem may mount them for an
	// image that declares its VOLUMEs.
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html
	TmpPaths []string
	// Jobs are one-off tasks of the service (a database migration): the
	// service's image, size and network with another command and secrets
	// of their own. Nothing runs them but `aws ecs run-task` (CI, before a
	// new version serves). Default none.
	Jobs []Job

	// command overrides the image's (a job's).
	command []string
}

// Job is a one-off task of a service. Its task definition is
// <cluster>-<service>-<job>; it has its own execution role (reading its
// own secrets only) and a task role without permissions.
type Job struct {
	// Name names it. Required: lower-case letters and digits, at most
	// MaxJobNameLength.
	Name string
	// Command is the container's command (the image's entrypoint runs
	// it: ["migrate"]). Required.
	Command []string
	// Environment holds the job's non-secret environment variables, as a
	// service's (the job gets none of the service's). Default none.
	Environment map[string]pulumi.StringInput
	// Secrets are the job's secrets, as a service's (the job gets none of
	// the service's). Default none.
	Secrets map[string]pulumi.StringInput
	// DecryptKeyARNs are the keys of those secrets, as a service's.
	// Default none.
	DecryptKeyARNs pulumi.StringArrayInput
}

// MaxJobNameLength keeps a job's role names ("<cluster>-<service>-<job>-exec"
// with Pulumi's suffix) within IAM's 64 characters.
const MaxJobNameLength = 16

// HealthCheck is a target group's health check.
// The json names are those of configuration (a stack decodes it into this
// type directly).
type HealthCheck struct {
	// Path is the HTTP path probed (must start with "/"). Default "/healthz".
	Path string `json:"path"`
	// Interval is the time between probes, in seconds, 5-300. Default 30.
	Interval int `json:"interval"`
	// Timeout is how long a probe may take, in seconds, 2-120 and shorter
	// than Interval. Default 5.
	Timeout int `json:"timeout"`
	// HealthyThreshold is the number of consecutive successes that make a
	// target healthy, 2-10. Default 3.
	HealthyThreshold int `json:"healthyThreshold"`
	// UnhealthyThreshold is the number of consecutive failures that make a
	// target unhealthy, 2-10. Default 3.
	UnhealthyThreshold int `json:"unhealthyThreshold"`
	// Matcher is the HTTP codes meaning healthy ("200", "200-399",
	// "200,204"). Default "200-399".
	Matcher string `json:"matcher"`
	// GracePeriod is how long ECS ignores failing health checks of a new
	// task, in seconds (0-3600). Default 60.
	GracePeriod int `json:"gracePeriod"`
}

// Egress is one outbound rule of a service: a TCP port to either a CIDR
// block or a security group.
type Egress struct {
	// Description says what the rule is for. Default none.
	Description string
	// Port is the TCP port (required).
	Port pulumi.IntInput
	// CIDR is the destination block. Required unless SecurityGroupID is
	// given: exactly one of CIDR and SecurityGroupID is set.
	CIDR string
	// SecurityGroupID is the destination group. Required unless CIDR is
	// given.
	SecurityGroupID pulumi.StringInput
}

// The health check defaults.
const (
	defaultHealthPath = "/healthz"
	defaultMatcher    = "200-399"
)

func (s Service) withDefaults() Service {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.CPU, DefaultCPU)
	def(&s.Memory, DefaultMemory)
	def(&s.Port, DefaultPort)
	def(&s.MinCount, DefaultMinCount)
	def(&s.MaxCount, DefaultMaxCount)
	def(&s.DesiredCount, s.MinCount)
	def(&s.CPUTarget, DefaultCPUTarget)
	def(&s.RequestsPerTarget, DefaultRequestsPerTarget)
	h := &s.HealthCheck
	def(&h.Interval, 30)
	def(&h.Timeout, 5)
	def(&h.HealthyThreshold, 3)
	def(&h.UnhealthyThreshold, 3)
	def(&h.GracePeriod, 60)
	if h.Path == "" {
		h.Path = defaultHealthPath
	}
	if h.Matcher == "" {
		h.Matcher = defaultMatcher
	}
	if len(s.Paths) == 0 {
		s.Paths = []string{"/" + s.Name + "/*"}
	} else {
		s.Paths = slices.Clone(s.Paths)
	}
	s.Hosts = slices.Clone(s.Hosts)
	if s.User == "" {
		s.User = DefaultUser
	}
	s.TmpPaths = slices.Clone(s.TmpPaths)
	if s.Architecture == "" {
		s.Architecture = DefaultArchitecture
	}
	if s.TargetProtocol == "" {
		s.TargetProtocol = DefaultTargetProtocol
	}
	return s
}

// TaskPermission is one statement of a service's task role.
type TaskPermission struct {
	// Sid names the statement. Required: letters and digits.
	Sid string
	// Actions are IAM actions, "service:Action", never a wildcard.
	// Required.
	Actions []string
	// Resources are the ARNs the actions apply to. Required.
	Resources []pulumi.StringInput
}

// ServiceProblem is a broken rule of one service (Index) or of the list
// (Index -1). Field is the path inside the service in Go names
// ("HealthCheck.Timeout", "Paths[1]", "Environment[DB_PASSWORD]"), so a
// caller that reads services from configuration can name its own keys.
type ServiceProblem struct {
	Index int
	Field string
	Value string
	Rule  string
}

var (
	serviceName = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	envName     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	sid         = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	jobName     = regexp.MustCompile(`^[a-z0-9]+$`)
	matcher     = regexp.MustCompile(`^[0-9]{3}(-[0-9]{3})?(,[0-9]{3}(-[0-9]{3})?)*$`)
	rootUser    = regexp.MustCompile(`^(root|0)(:.*)?$`)
)

// CheckServices applies every rule services must follow, for a cluster
// called cluster whose listeners are listeners: each service's own fields
// (with defaults applied), unique names, and listener rules that cannot
// compete for the same request. Callers that validate configuration call it
// before building Args; Args.Validate calls it without a cluster name (""
// skips the rules that need it), and NewEcsCluster adds those.
func CheckServices(cluster string, services []Service, listeners []string, allowLatest bool) []ServiceProblem {
	var out []ServiceProblem
	add := func(i int, field, value, rule string) {
		out = append(out, ServiceProblem{Index: i, Field: field, Value: value, Rule: rule})
	}
	names := map[string]int{}
	perListener := map[string]int{}
	defaulted := make([]Service, len(services))
	for i, raw := range services {
		s := raw.withDefaults()
		defaulted[i] = s
		for _, sp := range s.check(cluster, listeners, allowLatest) {
			add(i, sp.Field, sp.Value, sp.Rule)
		}
		if j, dup := names[s.Name]; dup && s.Name != "" {
			add(i, "Name", s.Name, fmt.Sprintf("is also the name of service %d: names must be unique", j))
		} else {
			names[s.Name] = i
		}
		perListener[s.Listener]++
	}
	for _, l := range sortedKeys(perListener) {
		if perListener[l] > MaxRulesPerListener {
			add(-1, "", fmt.Sprint(perListener[l]), fmt.Sprintf("%d services attach to listener %q; an Application Load Balancer takes at most %d rules and target groups",
				perListener[l], l, MaxRulesPerListener))
		}
	}
	for _, c := range ruleConflicts(defaulted) {
		add(c.index, c.field, c.value, c.rule)
	}
	return out
}

// baseNameRule returns the rule "<cluster>-<service>", the logical name of
// a service's resources, breaks, or "".
func baseNameRule(cluster, service string) string {
	if base := cluster + "-" + service; len(base) > MaxBaseNameLength {
		return fmt.Sprintf("makes %q, %d characters; at most %d fit the 32-character target group name limit once Pulumi appends its 8-character suffix",
			base, len(base), MaxBaseNameLength)
	}
	return ""
}

// servicesError is CheckServices as a *validate.Error (nil when the services
// are fine), fields named as in Args: "Args.Services[2].CPU", and
// "Args.Services" for rules about the whole list.
func servicesError(cluster string, services []Service, listeners []string, allowLatest bool) error {
	var p validate.Problems
	for _, sp := range CheckServices(cluster, services, listeners, allowLatest) {
		field := "Args.Services"
		if sp.Index >= 0 {
			field = fmt.Sprintf("Args.Services[%d]", sp.Index)
		}
		if sp.Field != "" {
			field += "." + sp.Field
		}
		p.Add(field, sp.Value, sp.Rule)
	}
	return p.Err("ECS services")
}

// check applies the rules of one service (with defaults applied); an empty
// cluster skips the rules that need its name.
func (s *Service) check(cluster string, listeners []string, allowLatest bool) []ServiceProblem {
	var p []ServiceProblem
	add := func(field, value, rule string) {
		if rule != "" {
			p = append(p, ServiceProblem{Field: field, Value: value, Rule: rule})
		}
	}
	num := func(field string, n, lo, hi int) { add(field, fmt.Sprint(n), validate.CheckRange(n, lo, hi)) }

	if !serviceName.MatchString(s.Name) {
		add("Name", s.Name, "must be lower-case letters, digits and inner hyphens, starting with a letter")
	} else if cluster != "" {
		add("Name", s.Name, baseNameRule(cluster, s.Name))
	}
	add("Image", s.Image, checkImage(s.Image, allowLatest))
	if rule := CheckFargateCPU(s.CPU); rule != "" {
		add("CPU", fmt.Sprint(s.CPU), rule)
	} else {
		add("Memory", fmt.Sprint(s.Memory), CheckFargateSize(s.CPU, s.Memory))
	}
	num("Port", s.Port, 1024, 65535)
	if s.TargetProtocol != "HTTPS" && s.TargetProtocol != "HTTP" {
		add("TargetProtocol", s.TargetProtocol, "must be HTTPS or HTTP")
	}
	if !slices.Contains(listeners, s.Listener) {
		add("Listener", s.Listener, fmt.Sprintf("must name one of the cluster's listeners %v", listeners))
	}
	for i, h := range s.Hosts {
		add(fmt.Sprintf("Hosts[%d]", i), h, checkHost(h))
	}
	for i, path := range s.Paths {
		add(fmt.Sprintf("Paths[%d]", i), path, checkPath(path, len(s.Paths)))
	}
	if n := len(s.Hosts) + len(s.Paths); n > MaxConditionValues {
		add("Paths", strings.Join(s.Paths, ","), fmt.Sprintf("with the hosts makes %d condition values; a listener rule holds at most %d", n, MaxConditionValues))
	}

	h := s.HealthCheck
	if !strings.HasPrefix(h.Path, "/") {
		add("HealthCheck.Path", h.Path, `must start with "/"`)
	}
	num("HealthCheck.Interval", h.Interval, 5, 300)
	num("HealthCheck.Timeout", h.Timeout, 2, 120)
	if h.Timeout >= h.Interval {
		add("HealthCheck.Interval", fmt.Sprint(h.Interval), fmt.Sprintf("must exceed the timeout (%d s): a check must end before the next starts", h.Timeout))
	}
	num("HealthCheck.HealthyThreshold", h.HealthyThreshold, 2, 10)
	num("HealthCheck.UnhealthyThreshold", h.UnhealthyThreshold, 2, 10)
	if !matcher.MatchString(h.Matcher) {
		add("HealthCheck.Matcher", h.Matcher, `must be HTTP codes such as "200", "200-399" or "200,204"`)
	}
	num("HealthCheck.GracePeriod", h.GracePeriod, 0, 3600)

	num("MinCount", s.MinCount, 1, MaxTasks)
	num("MaxCount", s.MaxCount, 1, MaxTasks)
	if s.MinCount > s.MaxCount {
		add("MinCount", fmt.Sprint(s.MinCount), fmt.Sprintf("exceeds the maximum task count (%d)", s.MaxCount))
	}
	if s.DesiredCount < s.MinCount || s.DesiredCount > s.MaxCount {
		add("DesiredCount", fmt.Sprint(s.DesiredCount), fmt.Sprintf("must lie between the minimum (%d) and maximum (%d) task counts", s.MinCount, s.MaxCount))
	}
	num("CPUTarget", s.CPUTarget, 10, 90)
	num("RequestsPerTarget", s.RequestsPerTarget, 1, 1000000)

	for _, name := range sortedKeys(s.Environment) {
		field := "Environment[" + name + "]"
		switch {
		case validate.CheckEnvName(name) != "":
			add(field, name, validate.CheckEnvName(name))
		case s.Secrets[name] != nil:
			add(field, name, "is also a secret: a variable is either plain or secret")
		}
		if s.Environment[name] == nil {
			add(field, name, "has no value")
		}
	}
	for i, perm := range s.TaskPermissions {
		field := fmt.Sprintf("TaskPermissions[%d]", i)
		if !sid.MatchString(perm.Sid) {
			add(field+".Sid", perm.Sid, "must be letters and digits")
		}
		if len(perm.Actions) == 0 || len(perm.Resources) == 0 {
			add(field, perm.Sid, "needs Actions and Resources")
		}
		for j, a := range perm.Actions {
			if rule := validate.CheckNamedAction(a); rule != "" {
				add(fmt.Sprintf("%s.Actions[%d]", field, j), a, rule)
			}
		}
	}
	jobs := map[string]bool{}
	for i, j := range s.Jobs {
		field := fmt.Sprintf("Jobs[%d]", i)
		if !jobName.MatchString(j.Name) || len(j.Name) > MaxJobNameLength {
			add(field+".Name", j.Name, fmt.Sprintf("must be 1-%d lower-case letters and digits", MaxJobNameLength))
		} else if jobs[j.Name] {
			add(field+".Name", j.Name, "is used by two jobs")
		}
		jobs[j.Name] = true
		if len(j.Command) == 0 {
			add(field+".Command", "", "is required")
		}
		for _, name := range sortedKeys(j.Environment) {
			if rule := validate.CheckEnvName(name); rule != "" {
				add(field+".Environment["+name+"]", name, rule)
			}
		}
		for _, name := range sortedKeys(j.Secrets) {
			if j.Secrets[name] == nil {
				add(field+".Secrets["+name+"]", name, "has no ARN")
			}
		}
	}
	for _, name := range sortedKeys(s.Secrets) {
		if !envName.MatchString(name) {
			add("Secrets["+name+"]", name, "must be a variable name: letters, digits and underscores, not starting with a digit")
		}
		if s.Secrets[name] == nil {
			add("Secrets["+name+"]", name, "has no ARN")
		}
	}
	for i, e := range s.Egress {
		field := fmt.Sprintf("Egress[%d]", i)
		if e.Port == nil {
			add(field+".Port", "", "is required")
		}
		switch {
		case (e.CIDR == "") == (e.SecurityGroupID == nil):
			add(field, e.CIDR, "needs exactly one of CIDR and SecurityGroupID")
		case e.CIDR != "":
			_, rule := validate.ParseCIDR(e.CIDR)
			add(field+".CIDR", e.CIDR, rule)
		}
	}
	if rootUser.MatchString(s.User) {
		add("User", s.User, "must not be root: run as a non-root uid (the default is "+DefaultUser+")")
	}
	seen := map[string]bool{}
	for i, path := range s.TmpPaths {
		if !strings.HasPrefix(path, "/") || path == "/" || seen[path] {
			add(fmt.Sprintf("TmpPaths[%d]", i), path, "must be a distinct absolute directory other than /")
		}
		seen[path] = true
	}
	if len(s.TmpPaths) > 0 && !s.WritableRootFilesystem && !rootUser.MatchString(s.User) {
		add("TmpPaths", strings.Join(s.TmpPaths, ","), fmt.Sprintf(
			"cannot be written by user %s: a Fargate bind mount is owned by root with mode 0755 unless the image declares the path as a VOLUME "+
				"(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html), and with the read-only root filesystem the container "+
				"would count on it; write no temporary files, or set WritableRootFilesystem for an image that declares its VOLUMEs", s.User))
	}
	if s.Architecture != "X86_64" && s.Architecture != "ARM64" {
		add("Architecture", s.Architecture, "must be X86_64 or ARM64")
	}
	return p
}

var (
	// imageRef splits an image into repository, tag and digest.
	imageRef = regexp.MustCompile(`^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._/-][a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$`)
)

// checkImage requires an image reference naming its version: a tag other
// than "latest" or a digest, unless allowLatest.
func checkImage(image string, allowLatest bool) string {
	m := imageRef.FindStringSubmatch(image)
	if m == nil {
		return "must be an image reference: <repository>:<tag> or <repository>@sha256:<digest>"
	}
	tag, digest := m[2], m[3]
	if !allowLatest && digest == "" && (tag == "" || tag == "latest") {
		return "must pin a version: a tag other than latest, or a digest (a rollback must be able to run the same image again)"
	}
	return ""
}

// ecrImage matches an image in a private ECR repository.
var ecrImage = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)`)

// ecrRepositoryARN returns the ARN of the private ECR repository an image
// lives in, or "" for an image elsewhere.
func ecrRepositoryARN(image string) string {
	m := ecrImage.FindStringSubmatch(image)
	if m == nil {
		return ""
	}
	return fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", validate.Partition(m[2]), m[2], m[1], m[3])
}

// checkHost requires a lower-case host name, optionally "*.": wildcard.
func checkHost(h string) string {
	if rule := validate.CheckDomainName(strings.TrimPrefix(h, "*.")); rule != "" {
		return rule + `; a leading "*." wildcard is allowed`
	}
	return ""
}

// pathPattern is a path prefix: "/*" or "/a/b/*".
var pathPattern = regexp.MustCompile(`^/([A-Za-z0-9._~-]+/)*\*$`)

// checkPath requires a prefix pattern; the catch-all must stand alone.
func checkPath(path string, count int) string {
	switch {
	case !pathPattern.MatchString(path):
		return `must be a path prefix "/<prefix>/*" or the catch-all "/*"`
	case path == "/*" && count > 1:
		return `is the catch-all: the other paths are redundant beside it`
	}
	return ""
}
