package ecscluster

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/keypolicy"
	"github.com/refarch/refarch/components/validate"
)

// Defaults of the optional cluster arguments.
const (
	// DefaultContainerInsights turns Container Insights on: per-task CPU,
	// memory and network metrics are what the autoscaling and the on-call
	// engineer both look at.
	DefaultContainerInsights = "enabled"
	// DefaultLogRetentionDays keeps container logs three months.
	DefaultLogRetentionDays = 90
	// MaxSpotWeight bounds Args.SpotWeight (ECS accepts 0-1000).
	MaxSpotWeight = 1000
)

// ContainerInsightsModes are the values ECS accepts for the cluster's
// containerInsights setting.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html
var ContainerInsightsModes = []string{"enabled", "enhanced", "disabled"}

// EcsClusterArgs configures an EcsCluster. Zero values mean the documented default.
type EcsClusterArgs struct {
	// VpcID is the VPC of the services' security groups and target groups
	// (required).
	VpcID pulumi.StringInput
	// SubnetIDs are the private subnets the tasks run in (required). Tasks
	// never get a public IP: their traffic in comes through a load
	// balancer, out through VPC endpoints (or NAT, for a service with
	// ServiceSpec.InternetEgress).
	SubnetIDs pulumi.StringArrayInput
	// EndpointSecurityGroupID is the security group of the VPC's interface
	// endpoints (ECR API and registry, CloudWatch Logs, Secrets Manager,
	// KMS, and ssmmessages for ECS Exec, with private DNS, so the usual
	// host names resolve to them). Every task group gets HTTPS (443) egress
	// to it: the tasks pull their image, write their logs and read their
	// secrets without NAT. Default none: then a service without
	// InternetEgress is refused, since its tasks could not start. The
	// endpoint group must admit HTTPS from the tasks' subnets.
	// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
	EndpointSecurityGroupID pulumi.StringInput
	// S3PrefixListID is the managed prefix list (pl-…) of S3 in the
	// region, which the VPC's S3 gateway endpoint routes. ECR serves image
	// layers from S3, so every task group gets HTTPS (443) egress to it.
	// Default none: then a service without InternetEgress is refused, since
	// its tasks could not download their image.
	// Source: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html
	S3PrefixListID pulumi.StringInput
	// Listeners are the load balancer listeners services attach to, by a
	// key of the caller's choosing ("public", "internal"); each service
	// names one in Service.Listener. Default none (a cluster with services
	// needs the listeners they name).
	Listeners map[string]Listener
	// Services are the Fargate services of the cluster; see Service for
	// each field's default. Default none: an empty cluster.
	Services []Service
	// Routes forward paths of the listeners to target groups the cluster
	// does not own (a Lambda function's), prioritized and checked with the
	// services. Default none.
	Routes []Route
	// ContainerInsights is the cluster's Container Insights mode: one of
	// ContainerInsightsModes. Default "enabled".
	ContainerInsights string
	// SpotWeight is the share of Fargate Spot in every service's capacity
	// provider strategy, against weight 1 for on-demand Fargate, which
	// always keeps a base of one task so a Spot reclaim never stops a
	// service. Default 0: on-demand only (both providers are attached to
	// the cluster either way). Spot saves about 70% and may be reclaimed
	// with two minutes' notice: weigh it in dev, not in prod.
	SpotWeight int
	// ExecuteCommand enables ECS Exec on every service (and the task role
	// permissions and encrypted session logging it needs). Default false:
	// a shell in a production container is an incident, not a tool. Every
	// service must then set ServiceSpec.WritableRootFilesystem: ECS Exec's
	// SSM agent writes to the container's filesystem, and AWS does not
	// support it with a read-only root filesystem. Its image also needs a
	// shell, and `script` and `cat` for logged sessions (distroless images
	// have neither).
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
	ExecuteCommand bool
	// RuntimeMonitoring is the account's GuardDuty RUNTIME_MONITORING
	// detector feature, when the account has one: every service is created
	// after it, since GuardDuty does not cover services deployed before its
	// automated agent configuration is enabled (their tasks run without the
	// agent until a new deployment). Default none.
	// Source: https://docs.aws.amazon.com/guardduty/latest/ug/gdu-assess-coverage-ecs.html
	RuntimeMonitoring pulumi.Resource
	// FargateAgentManagement says that GuardDuty manages its security agent
	// on the account's Fargate tasks (RUNTIME_MONITORING with
	// ECS_FARGATE_AGENT_MANAGEMENT): it adds the agent as a sidecar of every
	// task, which shares the task's execution role and network interface.
	// So every execution role (services' and jobs') may pull the agent's
	// image, and every task security group gets HTTPS (443) egress to
	// VpcCIDR, where GuardDuty creates its guardduty-data endpoint, behind
	// a security group of its own admitting the VPC's block. Default false.
	// Source: https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html,
	// https://docs.aws.amazon.com/guardduty/latest/ug/how-runtime-monitoring-works-ecs-fargate.html
	FargateAgentManagement bool
	// VpcCIDR is the VPC's IPv4 block (VpcID's). Required with
	// FargateAgentManagement, for the agent's egress to GuardDuty's
	// endpoint; unused otherwise.
	VpcCIDR string
	// LogRetentionDays is the retention of every log group the cluster
	// creates: a value CloudWatch Logs accepts, never "forever". Default 90.
	LogRetentionDays int
	// LogKMSKeyARN is the customer-managed key encrypting the log groups
	// and ECS Exec sessions; its policy must let CloudWatch Logs use it.
	// Default: the cluster creates one (rotated yearly, administered by
	// KeyAdministrators, usable by CloudWatch Logs for this account's log
	// groups and, with ExecuteCommand, by the account's IAM principals for
	// ECS Exec sessions only).
	LogKMSKeyARN pulumi.StringInput
	// KeyAdministrators are the IAM principals (ARNs) that administer the
	// log key the cluster creates (never use it). Required unless
	// LogKMSKeyARN is given: the deploy role.
	KeyAdministrators []string
	// AllowLatestTag accepts images without a tag or digest, or tagged
	// "latest". Default false: a deploy must name exactly what it runs, so
	// a rollback can run it again.
	AllowLatestTag bool
	// Protect keeps the logs: the log key is protected and retained on
	// delete, and so are the log groups (named by prefix, so a service
	// added back later does not collide with its old logs). Default false.
	Protect bool
}

// Listener is a load balancer listener services attach rules to.
type Listener struct {
	// ARN is the HTTPS listener's ARN (required).
	ARN pulumi.StringInput
	// SecurityGroupID is the load balancer's security group (required): a
	// service admits only it, and it gets an egress rule to the service.
	SecurityGroupID pulumi.StringInput
	// LoadBalancerARNSuffix is the load balancer's "app/<name>/<id>"
	// (required): request-count scaling names the load balancer by it.
	LoadBalancerARNSuffix pulumi.StringInput
}

// withDefaults returns a copy of args with every zero value replaced by its
// default (the caller's Args, services included, are never modified).
func (a *EcsClusterArgs) withDefaults() EcsClusterArgs {
	out := *a
	if out.ContainerInsights == "" {
		out.ContainerInsights = DefaultContainerInsights
	}
	if out.LogRetentionDays == 0 {
		out.LogRetentionDays = DefaultLogRetentionDays
	}
	out.Routes = slices.Clone(a.Routes)
	out.Services = make([]Service, len(a.Services))
	for i, s := range a.Services {
		out.Services[i] = s.withDefaults()
	}
	return out
}

// MaxNameLength bounds a cluster's name: "<cluster>-<service>" prefixes the
// names of every service's resources, target groups included, and must fit
// MaxBaseNameLength with a one-letter service.
const MaxNameLength = MaxBaseNameLength - 2

// CheckName returns the rule a cluster's name breaks, or "".
func CheckName(name string) string {
	return validate.CheckName(name, MaxNameLength)
}

// nameProblems are the problems that need the cluster's name: each
// service's resources are named "<cluster>-<service>".
func (a *EcsClusterArgs) nameProblems(cluster string) []validate.Problem {
	var out []validate.Problem
	if CheckName(cluster) != "" {
		return nil // reported as the name's own problem
	}
	for i, s := range a.Services {
		s = s.withDefaults()
		if serviceName.MatchString(s.Name) {
			if rule := baseNameRule(cluster, s.Name); rule != "" {
				out = append(out, validate.Problem{Field: fmt.Sprintf("Args.Services[%d].Name", i), Value: s.Name, Rule: rule})
			}
		}
	}
	return out
}

// Validate reports every problem of the arguments (with the defaults
// applied), each naming the field (Args.X, Args.Services[2].CPU), the value
// and the rule. The rules that need the cluster's name are NewEcsCluster's.
func (a *EcsClusterArgs) Validate() error {
	d := a.withDefaults()
	return d.validate()
}

func (a *EcsClusterArgs) validate() error {
	var p validate.Problems
	if a.VpcID == nil {
		p.Add("Args.VpcID", "", "is required: the services' security and target groups live in the VPC")
	}
	if a.SubnetIDs == nil {
		p.Add("Args.SubnetIDs", "", "is required: the private subnets the tasks run in")
	}
	if a.LogKMSKeyARN == nil {
		keypolicy.CheckAdministrators(&p, "Args.KeyAdministrators", a.KeyAdministrators)
	}
	if !slices.Contains(ContainerInsightsModes, a.ContainerInsights) {
		p.Addf("Args.ContainerInsights", a.ContainerInsights, "must be one of %v", ContainerInsightsModes)
	}
	p.Check("Args.SpotWeight", fmt.Sprint(a.SpotWeight), validate.CheckRange(a.SpotWeight, 0, MaxSpotWeight))
	p.Check("Args.LogRetentionDays", fmt.Sprint(a.LogRetentionDays), validate.CheckLogRetention(a.LogRetentionDays))
	for _, key := range sortedKeys(a.Listeners) {
		l := a.Listeners[key]
		field := fmt.Sprintf("Args.Listeners[%s]", key)
		if l.ARN == nil || l.SecurityGroupID == nil || l.LoadBalancerARNSuffix == nil {
			p.Add(field, key, "needs ARN, SecurityGroupID and LoadBalancerARNSuffix")
		}
	}
	p.Merge("Args.Services", servicesError("", a.Services, sortedKeys(a.Listeners), a.AllowLatestTag))
	a.routeProblems(&p)
	a.egressProblems(&p)
	a.execProblems(&p)
	switch {
	case a.VpcCIDR != "":
		_, rule := validate.ParseCIDR(a.VpcCIDR)
		p.Check("Args.VpcCIDR", a.VpcCIDR, rule)
	case a.FargateAgentManagement:
		p.Add("Args.VpcCIDR", "", "is required with FargateAgentManagement: GuardDuty's agent in every task sends to the guardduty-data endpoint GuardDuty creates in the VPC, which the task groups must reach on 443")
	}
	return p.Err("ECS cluster arguments")
}

// ecsExecPage is AWS's page on ECS Exec, whose considerations refuse a
// read-only root filesystem.
const ecsExecPage = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html"

// execProblems refuses ECS Exec for services whose root filesystem is
// read-only: AWS accepts the service, and then the SSM agent cannot create
// its directories and files, so no session ever opens.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
func (a *EcsClusterArgs) execProblems(p *validate.Problems) {
	if !a.ExecuteCommand {
		return
	}
	var readOnly []string
	for i, s := range a.Services {
		if !s.WritableRootFilesystem {
			readOnly = append(readOnly, fmt.Sprintf("%q (Args.Services[%d])", s.Name, i))
		}
	}
	if len(readOnly) > 0 {
		p.Addf("Args.ExecuteCommand", "true",
			"is on, but services %s keep a read-only root filesystem, with which ECS Exec is not supported: its SSM agent must create directories and files in the container (%s); set WritableRootFilesystem on them (and give their images a shell, with script and cat for logged sessions), or leave ECS Exec off",
			strings.Join(readOnly, ", "), ecsExecPage)
	}
}

// egressProblems refuses a service whose tasks could not start: without
// InternetEgress they reach AWS only through the VPC's endpoints, so the
// cluster needs both the interface endpoints' group (ECR API and registry,
// CloudWatch Logs, Secrets Manager) and S3's prefix list (image layers).
// Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
func (a *EcsClusterArgs) egressProblems(p *validate.Problems) {
	var missing []string
	if a.EndpointSecurityGroupID == nil {
		missing = append(missing, "Args.EndpointSecurityGroupID")
	}
	if a.S3PrefixListID == nil {
		missing = append(missing, "Args.S3PrefixListID")
	}
	if len(missing) == 0 {
		return
	}
	for i, s := range a.Services {
		if !s.InternetEgress {
			p.Addf(fmt.Sprintf("Args.Services[%d].InternetEgress", i), "false",
				"is off and the cluster has no %s: the tasks could reach ECR and S3 (their image), CloudWatch Logs and Secrets Manager neither through the VPC's endpoints nor through the internet, so they could not start; give the cluster the VPC's endpoints, or set InternetEgress",
				strings.Join(missing, " or "))
		}
	}
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
