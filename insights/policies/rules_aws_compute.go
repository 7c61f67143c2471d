package policies

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/refarch/refarch/offline"
)

// AWS rules of compute: ECS on Fargate, ECR, Application Auto Scaling,
// ECS Exec, and GuardDuty Runtime Monitoring's agent on Fargate (the
// audit's compute catalog).

const (
	typeECSCapacity        = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
	typeScalableTarget     = "aws:appautoscaling/target:Target"
	typeScalingPolicy      = "aws:appautoscaling/policy:Policy"
	typeECRLifecyclePolicy = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
	typeSGEgressRule       = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	typeLBTargetGroup      = "aws:lb/targetGroup:TargetGroup"
)

// fargateContainer is the part of an ECS container definition the AWS
// rules read (the benchmark rules' container has less).
type fargateContainer struct {
	Name                   string `json:"name"`
	Image                  string `json:"image"`
	User                   string `json:"user"`
	ReadonlyRootFilesystem bool   `json:"readonlyRootFilesystem"`
	StopTimeout            *int   `json:"stopTimeout"`
	MountPoints            []struct {
		SourceVolume  string `json:"sourceVolume"`
		ContainerPath string `json:"containerPath"`
		ReadOnly      bool   `json:"readOnly"`
	} `json:"mountPoints"`
}

// parsedFargateContainers caches fargateContainers' parses: a cache of its
// own, since the benchmark rules cache another type under the same text.
var parsedFargateContainers = &docCache{docs: map[string]any{}}

// fargateContainers parses a task definition's containers; ok is false when
// a preview does not know them yet.
func fargateContainers(r *offline.Resource) ([]fargateContainer, bool) {
	raw, isString := r.Get("containerDefinitions").(string)
	if !isString {
		return nil, false
	}
	if cts, ok := parsedFargateContainers.get(raw); ok {
		return cts.([]fargateContainer), true
	}
	var out []fargateContainer
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, false
	}
	parsedFargateContainers.put(raw, out)
	return out, true
}

// onFargate reports whether a task definition runs on Fargate.
func onFargate(td *offline.Resource) bool {
	return slices.Contains(td.Strings("requiresCompatibilities"), "FARGATE")
}

// nonRootUser reports whether a container's user is set and is not root.
func nonRootUser(user string) bool {
	u, _, _ := strings.Cut(user, ":")
	return u != "" && u != "0" && u != "root"
}

// runtimeMonitoring returns the stack's enabled GuardDuty RUNTIME_MONITORING
// feature, and whether GuardDuty manages its agent on ECS Fargate with it
// (ECS_FARGATE_AGENT_MANAGEMENT enabled); without one, the organization's
// feature that enables it in the stack's account (orgRuntimeMonitoring, a
// record of another stack); nil when there is neither.
func runtimeMonitoring(s *Stack) (feature *offline.Resource, fargateAgent bool) {
	if f, agent := ownRuntimeMonitoring(s); f != nil {
		return f, agent
	}
	if org, agent, ok := orgRuntimeMonitoring(s); ok {
		return org.r, agent
	}
	return nil, false
}

// ownRuntimeMonitoring is runtimeMonitoring of the stack's own detector.
func ownRuntimeMonitoring(s *Stack) (feature *offline.Resource, fargateAgent bool) {
	for _, f := range s.ByType(typeDetectorFeature) {
		if f.String("name") != "RUNTIME_MONITORING" || f.String("status") != "ENABLED" {
			continue
		}
		for i := range f.List("additionalConfigurations") {
			p := fmt.Sprintf("additionalConfigurations[%d].", i)
			if f.String(p+"name") == "ECS_FARGATE_AGENT_MANAGEMENT" && f.String(p+"status") == "ENABLED" {
				return f, true
			}
		}
		return f, false
	}
	return nil, false
}

// byOutput returns the record of type typ whose output at path is value
// (nil when value is not known or nothing matches).
func (s *Stack) byOutput(typ, path string, value any) *offline.Resource {
	if !known(value) || value == "" {
		return nil
	}
	for _, r := range s.ByType(typ) {
		if r.Output(path) == value {
			return r
		}
	}
	return nil
}

// taskOfService returns the task definition an ECS service runs, or nil.
func (s *Stack) taskOfService(svc *offline.Resource) *offline.Resource {
	return s.byOutput(typeTaskDefinition, "arn", svc.Get("taskDefinition"))
}

// iamWildcard matches IAM's "*" and "?" wildcards (case-sensitively).
func iamWildcard(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	ok, err := regexp.MatchString(re, s)
	return err == nil && ok
}

// ecsTaskExecutionPolicy is the AWS managed policy for task execution
// roles: its ECR and log actions on every resource.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
const ecsTaskExecutionPolicy = "AmazonECSTaskExecutionRolePolicy"

// roleStatements are the statements of a role's inline policies and of
// the AWS managed task execution policy when attached; ok is false when a
// policy is not known yet (a preview).
func (s *Stack) roleStatements(role *offline.Resource) ([]statement, bool) {
	var out []statement
	for _, p := range s.Linked(role, typeRolePolicy, "role") {
		sts, ok := statements(p, "policy")
		if !ok {
			return nil, false
		}
		out = append(out, sts...)
	}
	for _, a := range s.Linked(role, typeRoleAttachment, "role") {
		if strings.HasSuffix(a.String("policyArn"), "/"+ecsTaskExecutionPolicy) {
			out = append(out, statement{"Effect": "Allow", "Resource": "*", "Action": []any{
				"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
				"ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents",
			}})
		}
	}
	return out, true
}

// grantsOn reports whether an Allow statement grants action (IAM's
// wildcards, case-insensitive) on a resource that resource accepts.
func grantsOn(sts []statement, action string, resource func(pattern string) bool) bool {
	for _, st := range sts {
		if st.effect() != "Allow" {
			continue
		}
		granted := false
		for _, a := range st.actions() {
			if iamWildcard(strings.ToLower(a), strings.ToLower(action)) {
				granted = true
			}
		}
		if granted && slices.ContainsFunc(st.resources(), resource) {
			return true
		}
	}
	return false
}

// ecrPullActions are what pulling an image takes, besides the registry
// login (ecr:GetAuthorizationToken, which has no resource).
var ecrPullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}

// guardDutyAgentRepository is the repository GuardDuty keeps its Fargate
// agent in, in an account of its own per region.
const guardDutyAgentRepository = "repository/aws-guardduty-agent-fargate"

// coversAgentRepository reports whether a policy's resource pattern covers
// GuardDuty's agent repository in region ("" for any): GuardDuty's account
// differs by region and the rule does not keep the table, so any account
// is accepted.
func coversAgentRepository(region string) func(pattern string) bool {
	return func(pattern string) bool {
		if pattern == "*" {
			return true
		}
		parts := strings.SplitN(pattern, ":", 6)
		if len(parts) != 6 || !iamWildcard(parts[2], "ecr") || !iamWildcard(parts[5], guardDutyAgentRepository) {
			return false
		}
		return region == "" || iamWildcard(parts[3], region)
	}
}

// anyResource accepts "*" only (an action without resource-level
// permissions).
func anyResource(pattern string) bool { return pattern == "*" }

// vpcBlocks are the IPv4 blocks of the stack's VPCs.
func vpcBlocks(s *Stack) []netip.Prefix {
	var out []netip.Prefix
	for _, v := range s.ByType(typeAwsxVpc, typeVpc) {
		if p, err := netip.ParsePrefix(v.String("cidrBlock")); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// httpsEgressTo reports whether the security groups (by id) let TCP 443 out
// to a block holding one of blocks, through separate egress rules, legacy
// rules or the groups' inline rules.
func httpsEgressTo(s *Stack, groups []string, blocks []netip.Prefix) bool {
	covers := func(cidr string) bool {
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return false
		}
		return slices.ContainsFunc(blocks, func(b netip.Prefix) bool { return p.Bits() <= b.Bits() && p.Contains(b.Addr()) })
	}
	https := func(proto string, from, to int) bool {
		return proto == "-1" || proto == "all" || ((proto == "tcp" || proto == "6") && from <= 443 && 443 <= to)
	}
	for _, r := range s.ByType(typeSGEgressRule) {
		if slices.Contains(groups, r.String("securityGroupId")) && https(r.String("ipProtocol"), r.Int("fromPort"), r.Int("toPort")) && covers(r.String("cidrIpv4")) {
			return true
		}
	}
	for _, r := range s.ByType(typeSGRule) {
		if r.String("type") == "egress" && slices.Contains(groups, r.String("securityGroupId")) &&
			https(r.String("protocol"), r.Int("fromPort"), r.Int("toPort")) && slices.ContainsFunc(r.Strings("cidrBlocks"), covers) {
			return true
		}
	}
	for _, sg := range s.ByType(typeSecurityGroup) {
		if sg.ID == "" || !slices.Contains(groups, sg.ID) {
			continue
		}
		for i := range sg.List("egress") {
			e := fmt.Sprintf("egress[%d].", i)
			if https(sg.String(e+"protocol"), sg.Int(e+"fromPort"), sg.Int(e+"toPort")) && slices.ContainsFunc(sg.Strings(e+"cidrBlocks"), covers) {
				return true
			}
		}
	}
	return false
}

// fargatePlatform140 reports whether a service's platform version is
// LATEST (the default) or 1.4.0 and later.
func fargatePlatform140(v string) bool {
	if v == "" || v == "LATEST" {
		return true
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return err1 == nil && err2 == nil && (major > 1 || major == 1 && minor >= 4)
}

// fargateMemory returns the memory sizes (MiB) Fargate offers with cpu
// units of Linux tasks.
// Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
func fargateMemory(cpu int) []int {
	steps := func(from, to, step int) []int {
		var out []int
		for m := from; m <= to; m += step {
			out = append(out, m)
		}
		return out
	}
	switch cpu {
	case 256:
		return []int{512, 1024, 2048}
	case 512:
		return steps(1024, 4096, 1024)
	case 1024:
		return steps(2048, 8192, 1024)
	case 2048:
		return steps(4096, 16384, 1024)
	case 4096:
		return steps(8192, 30720, 1024)
	case 8192:
		return steps(16384, 61440, 4096)
	case 16384:
		return steps(32768, 122880, 8192)
	}
	return nil
}

// ecrImageRef splits a private ECR image into account, region and
// repository.
var ecrImageRef = regexp.MustCompile(`^([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)`)

// roleAccount is the account of a role ARN.
var roleAccount = regexp.MustCompile(`^arn:[^:]+:iam::([0-9]{12}):role/`)

// stackOfAccount returns the stack of the deployment whose ECR
// repositories live in account (nil when the deployment holds none).
func (s *Stack) stackOfAccount(account string) *Stack {
	for _, p := range s.Peers() {
		for _, r := range p.ByType(typeRepository) {
			if p.providerAccount(r) == account || r.Output("registryId") == account || strings.Contains(str(r.Output("arn")), ":"+account+":") {
				return p
			}
		}
	}
	return nil
}

// albRequestLabel is the resource label of ALBRequestCountPerTarget: the
// load balancer's ARN suffix and the target group's.
var albRequestLabel = regexp.MustCompile(`^(app/[^/]+/[0-9a-f]+)/(targetgroup/[^/]+/[0-9a-f]+)$`)

// ecsScalableResource is an ECS service's scalable resource id.
var ecsScalableResource = regexp.MustCompile(`^service/([^/:]+)/([^/]+)$`)

// lifecycleRule is one rule of an ECR lifecycle policy.
type lifecycleRule struct {
	RulePriority int `json:"rulePriority"`
	Selection    struct {
		TagStatus      string   `json:"tagStatus"`
		TagPrefixList  []string `json:"tagPrefixList"`
		TagPatternList []string `json:"tagPatternList"`
	} `json:"selection"`
}

func awsComputeRules() []*Rule {
	return []*Rule{
		awsRule(&Rule{
			ID:       "gd-fargate-execution-role-pulls-agent-image",
			Title:    "With GuardDuty's Fargate agent management, every Fargate task's execution role may pull the agent's image",
			Severity: High,
			Reason:   "GuardDuty starts its agent beside every task with the task's execution role; without the ECR permissions the sidecar fails with CannotPullContainerError, the task runs unprotected and coverage turns unhealthy",
			Check: func(c *Checker) {
				_, agent := runtimeMonitoring(c.Stack)
				for _, td := range c.Stack.ByType(typeTaskDefinition) {
					if !onFargate(td) {
						continue
					}
					if !agent {
						c.Judge(td, "")
						continue
					}
					arn := td.Get("executionRoleArn")
					if !known(arn) {
						c.Judge(td, "")
						continue
					}
					if arn == "" {
						c.Judge(td, "no execution role: GuardDuty's agent could not pull its image")
						continue
					}
					role := c.Stack.byOutput(typeRole, "arn", arn)
					if role == nil {
						c.Judge(td, "")
						continue
					}
					sts, ok := c.Stack.roleStatements(role)
					if !ok {
						c.Judge(td, "")
						continue
					}
					var missing []string
					for _, a := range ecrPullActions {
						if !grantsOn(sts, a, coversAgentRepository(c.Stack.providerRegion(td))) {
							missing = append(missing, a)
						}
					}
					if !grantsOn(sts, "ecr:GetAuthorizationToken", anyResource) {
						missing = append(missing, "ecr:GetAuthorizationToken on *")
					}
					msg := ""
					if len(missing) > 0 {
						msg = fmt.Sprintf("execution role %s lacks %s on %s", role.Name, strings.Join(missing, ", "), guardDutyAgentRepository)
					}
					c.Judge(td, msg)
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html",
			Quote:     "The task execution role requires certain Amazon Elastic Container Registry (Amazon ECR) permissions to download the GuardDuty security agent container image:",
			Found:     "dev, stage and prod enable ECS_FARGATE_AGENT_MANAGEMENT, and the execution roles could pull their own repository only (components/ecscluster)",
		}),
		awsRule(&Rule{
			ID:       "gd-fargate-agent-reaches-guardduty-endpoint",
			Title:    "With GuardDuty's Fargate agent management, every ECS service's security groups send HTTPS to the VPC's block, where GuardDuty's endpoint lives",
			Severity: High,
			Reason: "GuardDuty's agent shares the task's network interface and sends to the guardduty-data endpoint GuardDuty creates in the VPC, whose own security group admits the VPC's block; " +
				"a task group without that egress leaves coverage unhealthy and produces no runtime findings",
			Check: func(c *Checker) {
				_, agent := runtimeMonitoring(c.Stack)
				blocks := vpcBlocks(c.Stack)
				c.Each(func(svc *offline.Resource) string {
					groups := svc.Get("networkConfiguration.securityGroups")
					if !agent || !known(groups) || len(blocks) == 0 {
						return ""
					}
					return unless(httpsEgressTo(c.Stack, svc.Strings("networkConfiguration.securityGroups"), blocks),
						"no security group of the service sends HTTPS (443) to the VPC's block: GuardDuty's agent cannot reach its guardduty-data endpoint")
				}, typeService)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/guardduty/latest/ug/how-runtime-monitoring-works-ecs-fargate.html",
			Quote:     "When you deploy the GuardDuty security agent, GuardDuty will create a VPC endpoint through which the security agent delivers the runtime events to GuardDuty. Along with the VPC endpoint, GuardDuty also creates a new security group.",
			Found:     "the task groups of dev, stage and prod sent HTTPS only to the program's interface endpoints' group and S3's prefix list (components/ecscluster)",
		}),
		awsRule(&Rule{
			ID:       "gd-fargate-service-after-runtime-monitoring",
			Title:    "Every ECS service is created after the GuardDuty RUNTIME_MONITORING feature of its account, or of the organization that enables it in the account",
			Severity: High,
			Reason:   "GuardDuty does not cover services deployed before its automated agent configuration: their tasks run without the agent until a new deployment",
			Check: func(c *Checker) {
				if own, _ := ownRuntimeMonitoring(c.Stack); own == nil {
					if org, _, ok := orgRuntimeMonitoring(c.Stack); ok {
						c.Each(func(svc *offline.Resource) string {
							return unless(createdBefore(c.Stack, svc, org), fmt.Sprintf("the organization's RUNTIME_MONITORING (%s, stack %s) is not configured before the service: "+
								"GuardDuty covers only the services deployed after runtime monitoring is on", org.r.Name, org.stack.Name))
						}, typeService)
						return
					}
				}
				feature, _ := runtimeMonitoring(c.Stack)
				requireDependency(c, typeService, func(*offline.Resource) bool { return feature != nil },
					typeDetectorFeature, func(_, p *offline.Resource) bool { return p == feature },
					"GuardDuty covers only the services deployed after runtime monitoring is on")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/guardduty/latest/ug/gdu-assess-coverage-ecs.html",
			Quote:     "Services deployed before enabling Automated Agent Configuration are not covered.",
			Error:     "",
			Found:     "the ECS services of dev, stage and prod had no dependency on the RUNTIME_MONITORING detector feature (the engine created both branches in parallel)",
		}),
		awsRule(&Rule{
			ID:       "ecs-exec-not-with-read-only-root",
			Title:    "No service with ECS Exec runs a container with a read-only root filesystem",
			Severity: High,
			Reason:   "AWS accepts the service, but ECS Exec's SSM agent cannot create its directories and files, so no session ever opens",
			Check: func(c *Checker) {
				c.Each(func(svc *offline.Resource) string {
					if !svc.Bool("enableExecuteCommand") {
						return ""
					}
					td := c.Stack.taskOfService(svc)
					if td == nil {
						return ""
					}
					cts, ok := fargateContainers(td)
					if !ok {
						return ""
					}
					for _, ct := range cts {
						if ct.ReadonlyRootFilesystem {
							return fmt.Sprintf("ECS Exec is on and container %s has a read-only root filesystem", ct.Name)
						}
					}
					return ""
				}, typeService)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html",
			Quote:     "The SSM agent requires that the container file system can be written to in order to create the required directories and files. Therefore, making the root file system read-only using the readonlyRootFilesystem task definition parameter, or any other method, isn't supported.",
			Found:     "dev enabled ECS Exec (refarch:ecsExec) on services whose containers all had readonlyRootFilesystem true (components/ecscluster)",
		}),
		awsRule(&Rule{
			ID:       "fargate-scratch-volume-writable-by-user",
			Title:    "No Fargate container with a read-only root filesystem and a non-root user counts on a writable bind mount",
			Severity: High,
			Reason:   "Fargate creates a bind mount owned by root with mode 0755 unless the image declares the VOLUME, so the container's user cannot write its scratch directory and fails at run time",
			Check: func(c *Checker) {
				c.Each(func(td *offline.Resource) string {
					if !onFargate(td) {
						return ""
					}
					cts, ok := fargateContainers(td)
					if !ok {
						return ""
					}
					bind := map[string]bool{}
					for i := range td.List("volumes") {
						v := fmt.Sprintf("volumes[%d].", i)
						if !td.Has(v+"efsVolumeConfiguration") && !td.Has(v+"dockerVolumeConfiguration") &&
							!td.Has(v+"fsxWindowsFileServerVolumeConfiguration") && !td.Bool(v+"configureAtLaunch") {
							bind[td.String(v+"name")] = true
						}
					}
					for _, ct := range cts {
						if !ct.ReadonlyRootFilesystem || !nonRootUser(ct.User) {
							continue
						}
						for _, m := range ct.MountPoints {
							if !m.ReadOnly && bind[m.SourceVolume] {
								return fmt.Sprintf("container %s (user %s, read-only root) mounts bind volume %s at %s, which only root may write",
									ct.Name, ct.User, m.SourceVolume, m.ContainerPath)
							}
						}
					}
					return ""
				}, typeTaskDefinition)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html",
			Quote:     "By default, the volume permissions are set to 0755 and the owner as root. You can customize these permissions in the Dockerfile.",
			Found:     "every task definition of dev, stage and prod mounted a bind volume at /tmp for user 1000:1000 with a read-only root, from images that declare no VOLUME (components/ecscluster)",
		}),
		awsRule(&Rule{
			ID:       "ecs-service-after-capacity-providers",
			Title:    "Every ECS service with a capacity provider strategy is created after its cluster's capacity providers are associated, and names only those",
			Severity: Critical,
			Reason:   "ECS refuses a strategy naming a capacity provider the cluster does not have yet: the service's creation fails",
			Check: func(c *Checker) {
				sameCluster := func(svc, p *offline.Resource) bool {
					cluster, name := svc.Get("cluster"), p.Get("clusterName")
					if !known(cluster) || !known(name) {
						return true
					}
					cs := str(cluster)
					return cs[strings.LastIndex(cs, "/")+1:] == str(name)
				}
				requireDependency(c, typeService, func(svc *offline.Resource) bool { return len(svc.List("capacityProviderStrategies")) > 0 },
					typeECSCapacity, sameCluster, "a strategy may name only capacity providers already associated with the cluster")
				for _, svc := range c.Stack.ByType(typeService) {
					for _, p := range c.Stack.ByType(typeECSCapacity) {
						if !sameCluster(svc, p) || !known(p.Get("capacityProviders")) {
							continue
						}
						for i := range svc.List("capacityProviderStrategies") {
							cp := svc.String(fmt.Sprintf("capacityProviderStrategies[%d].capacityProvider", i))
							if cp != "" && !slices.Contains(p.Strings("capacityProviders"), cp) {
								c.Judge(svc, fmt.Sprintf("its strategy names %s, which the cluster's capacity providers %v do not hold", cp, p.Strings("capacityProviders")))
							}
						}
					}
				}
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html",
			Quote:     "Only capacity providers that are already associated with a cluster and have an ACTIVE or UPDATING status can be used in a capacity provider strategy. The PutClusterCapacityProviders API is used to associate a capacity provider with a cluster.",
			Error:     "InvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "appautoscaling-policy-after-target",
			Title:    "Every scaling policy is created after the scalable target it scales",
			Severity: Critical,
			Reason:   "Application Auto Scaling refuses a policy for a resource not registered as a scalable target: the policy's creation fails",
			Check: func(c *Checker) {
				requireDependency(c, typeScalingPolicy, nil, typeScalableTarget, func(p, t *offline.Resource) bool {
					for _, k := range []string{"resourceId", "scalableDimension", "serviceNamespace"} {
						if known(p.Get(k)) && known(t.Get(k)) && p.Get(k) != t.Get(k) {
							return false
						}
					}
					return true
				}, "a policy needs its scalable target registered first")
			},
		}, Constraint{
			Dimension: DimOrder,
			Kind:      OrderOrState,
			URL:       "https://docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-ecs.html",
			Quote:     "Application Auto Scaling requires a scalable target before you can create scaling policies or scheduled actions for an Amazon ECS service.",
			Error:     "ObjectNotFoundException",
		}),
		awsRule(&Rule{
			ID:       "appautoscaling-ecs-resource-id",
			Title:    "Every ECS scalable target names its service as service/<cluster name>/<service name>, on the service's desired count",
			Severity: Critical,
			Reason:   "Application Auto Scaling refuses any other form (a cluster ARN in particular): the target's registration fails",
			Check: func(c *Checker) {
				c.Each(func(t *offline.Resource) string {
					id := t.Get("resourceId")
					if t.String("serviceNamespace") != "ecs" || !known(id) {
						return ""
					}
					m := ecsScalableResource.FindStringSubmatch(str(id))
					switch {
					case m == nil:
						return fmt.Sprintf("resourceId %v is not service/<cluster name>/<service name>", id)
					case t.String("scalableDimension") != "ecs:service:DesiredCount":
						return "scalableDimension " + t.String("scalableDimension") + " is not ecs:service:DesiredCount"
					}
					for _, svc := range c.Stack.ByType(typeService) {
						if svc.Output("name") == m[2] {
							cluster := str(svc.Get("cluster"))
							return unless(!known(svc.Get("cluster")) || cluster[strings.LastIndex(cluster, "/")+1:] == m[1],
								fmt.Sprintf("service %s runs in cluster %s, not %s", m[2], cluster, m[1]))
						}
					}
					return ""
				}, typeScalableTarget)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html",
			Quote:     "ECS service - The resource type is service and the unique identifier is the cluster name and service name.",
			Error:     "ValidationException",
		}),
		awsRule(&Rule{
			ID:       "appautoscaling-alb-request-count-resource-label",
			Title:    "Every ALBRequestCountPerTarget policy's resource label is its load balancer's and its service's target group's ARN suffixes",
			Severity: High,
			Reason:   "Application Auto Scaling refuses a label of another form, and one naming another target group scales the service on someone else's traffic",
			Check: func(c *Checker) {
				const spec = "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification."
				c.Each(func(p *offline.Resource) string {
					label := p.Get(spec + "resourceLabel")
					if p.String(spec+"predefinedMetricType") != "ALBRequestCountPerTarget" || !known(label) {
						return ""
					}
					m := albRequestLabel.FindStringSubmatch(str(label))
					if m == nil {
						return fmt.Sprintf("resource label %v is not app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>", label)
					}
					var suffixes []string
					for _, lb := range c.Stack.ByType(typeLoadBalancer) {
						if s, ok := lb.Output("arnSuffix").(string); ok {
							suffixes = append(suffixes, s)
						}
					}
					if len(suffixes) > 0 && !slices.Contains(suffixes, m[1]) {
						return fmt.Sprintf("resource label names %s, no load balancer of the stack", m[1])
					}
					id := ecsScalableResource.FindStringSubmatch(p.String("resourceId"))
					if id == nil {
						return ""
					}
					for _, svc := range c.Stack.ByType(typeService) {
						if svc.Output("name") != id[2] {
							continue
						}
						for i := range svc.List("loadBalancers") {
							tg := svc.Get(fmt.Sprintf("loadBalancers[%d].targetGroupArn", i))
							if !known(tg) || strings.HasSuffix(str(tg), ":"+m[2]) {
								return ""
							}
						}
						return fmt.Sprintf("resource label names %s, not a target group of service %s", m[2], id[2])
					}
					return ""
				}, typeScalingPolicy)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/applicationautoscaling/aws.sdk.kotlin.services.applicationautoscaling.model/-predefined-metric-specification/resource-label.html",
			Quote:     "You create the resource label by appending the final portion of the load balancer ARN and the final portion of the target group ARN into a single value, separated by a forward slash (/).",
			Error:     "ValidationException",
		}),
		awsRule(&Rule{
			ID:       "fargate-task-size-pairs",
			Title:    "Every Fargate task definition's CPU and memory are a pair Fargate offers",
			Severity: Critical,
			Reason:   "ECS refuses to register any other pair: the task definition's creation fails",
			Check: func(c *Checker) {
				c.Each(func(td *offline.Resource) string {
					cpuV, memV := td.Get("cpu"), td.Get("memory")
					if !onFargate(td) || !known(cpuV) || !known(memV) {
						return ""
					}
					cpu, err1 := strconv.Atoi(fmt.Sprint(cpuV))
					mem, err2 := strconv.Atoi(fmt.Sprint(memV))
					if err1 != nil || err2 != nil {
						return fmt.Sprintf("cpu %v and memory %v are not CPU units and MiB", cpuV, memV)
					}
					return unless(slices.Contains(fargateMemory(cpu), mem), fmt.Sprintf("Fargate offers no task of %d CPU units and %d MiB", cpu, mem))
				}, typeTaskDefinition)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html",
			Quote:     "For tasks hosted on Fargate, the following table shows the valid CPU and memory combinations.",
			Error:     "ClientException",
		}),
		awsRule(&Rule{
			ID:       "fargate-stop-timeout-max-120",
			Title:    "No Fargate container's stop timeout exceeds 120 seconds",
			Severity: Critical,
			Reason:   "Fargate's maximum: ECS refuses the task definition",
			Check: func(c *Checker) {
				c.Each(func(td *offline.Resource) string {
					cts, ok := fargateContainers(td)
					if !onFargate(td) || !ok {
						return ""
					}
					for _, ct := range cts {
						if ct.StopTimeout != nil && *ct.StopTimeout > 120 {
							return fmt.Sprintf("container %s stops within %d s", ct.Name, *ct.StopTimeout)
						}
					}
					return ""
				}, typeTaskDefinition)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ecs/aws.sdk.kotlin.services.ecs.model/-container-definition/stop-timeout.html",
			Quote:     "For tasks that use the Fargate launch type, the max stop timeout value is 120 seconds and if the parameter is not specified, the default value of 30 seconds is used.",
			Error:     "ClientException",
		}),
		awsRule(&Rule{
			ID:       "ecr-lifecycle-rule-order",
			Title:    "Every ECR lifecycle policy gives each rule its own priority, evaluates its tagStatus any rule last, and selects untagged images without tag lists",
			Severity: Critical,
			Reason:   "ECR refuses a lifecycle policy that breaks them: the policy's creation fails",
			Check: func(c *Checker) {
				c.Each(func(r *offline.Resource) string {
					raw, ok := r.Get("policy").(string)
					if !ok {
						return ""
					}
					var doc struct {
						Rules []lifecycleRule `json:"rules"`
					}
					if err := json.Unmarshal([]byte(raw), &doc); err != nil {
						return "the policy is not JSON"
					}
					seen, highest := map[int]bool{}, 0
					for _, rule := range doc.Rules {
						if seen[rule.RulePriority] {
							return fmt.Sprintf("two rules have priority %d", rule.RulePriority)
						}
						seen[rule.RulePriority] = true
						highest = max(highest, rule.RulePriority)
					}
					for _, rule := range doc.Rules {
						switch sel := rule.Selection; {
						case sel.TagStatus == "any" && rule.RulePriority != highest:
							return fmt.Sprintf("the tagStatus any rule has priority %d, not the highest (%d)", rule.RulePriority, highest)
						case sel.TagStatus == "untagged" && len(sel.TagPrefixList)+len(sel.TagPatternList) > 0:
							return fmt.Sprintf("the untagged rule of priority %d has tag lists", rule.RulePriority)
						}
					}
					return ""
				}, typeECRLifecyclePolicy)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html",
			Quote:     "When you add rules to a lifecycle policy, you must give them each a unique value for rulePriority. Values don't need to be sequential across rules in a policy. A rule with a tagStatus value of any must have the highest value for rulePriority and be evaluated last.",
			Error:     "InvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "ecr-cross-account-pull",
			Title:    "Every image a task pulls from another account's repository is let through that repository's policy, to the task's account, by a stack deployed before",
			Severity: Critical,
			Reason:   "without the repository policy (or the execution role's registry login) the task cannot pull its image and never starts (CannotPullContainerError)",
			Check: func(c *Checker) {
				for _, td := range c.Stack.ByType(typeTaskDefinition) {
					cts, ok := fargateContainers(td)
					m := roleAccount.FindStringSubmatch(td.String("executionRoleArn"))
					if !ok || m == nil {
						continue
					}
					account := m[1]
					var problems []string
					for _, ct := range cts {
						img := ecrImageRef.FindStringSubmatch(ct.Image)
						if img == nil || img[1] == account {
							continue
						}
						peer := c.Stack.stackOfAccount(img[1])
						if peer == nil {
							continue // the deployment does not hold the registry's stack
						}
						if !c.Stack.Before(peer.Name, c.Stack.Name) {
							problems = append(problems, fmt.Sprintf("the repository's stack %s is not deployed before %s", peer.Name, c.Stack.Name))
						}
						if msg := pullableBy(peer, img[3], account, td.String("executionRoleArn")); msg != "" {
							problems = append(problems, msg)
						}
					}
					if role := c.Stack.byOutput(typeRole, "arn", td.Get("executionRoleArn")); role != nil && len(problems) == 0 {
						if sts, ok := c.Stack.roleStatements(role); ok && !grantsOn(sts, "ecr:GetAuthorizationToken", anyResource) {
							problems = append(problems, fmt.Sprintf("execution role %s may not call ecr:GetAuthorizationToken", role.Name))
						}
					}
					c.Judge(td, strings.Join(problems, "; "))
				}
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      CrossStack,
			URL:       "https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html",
			Quote:     "Amazon ECR requires that users have permission to make calls to the ecr:GetAuthorizationToken API through an IAM policy before they can authenticate to a registry and push or pull any images from any Amazon ECR repository.",
		}),
		awsRule(&Rule{
			ID:       "ecs-awsvpc-service-ip-target-group",
			Title:    "Every target group of an awsvpc ECS service has target type ip",
			Severity: Critical,
			Reason:   "ECS refuses to attach an instance target group to an awsvpc service: the service's creation fails",
			Check: func(c *Checker) {
				c.Each(func(svc *offline.Resource) string {
					td := c.Stack.taskOfService(svc)
					if td == nil || td.String("networkMode") != "awsvpc" {
						return ""
					}
					for i := range svc.List("loadBalancers") {
						tg := c.Stack.byOutput(typeLBTargetGroup, "arn", svc.Get(fmt.Sprintf("loadBalancers[%d].targetGroupArn", i)))
						if tg != nil && tg.String("targetType") != "ip" {
							return fmt.Sprintf("target group %s has target type %q", tg.Name, tg.String("targetType"))
						}
					}
					return ""
				}, typeService)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ecs-service-loadbalancer.html",
			Quote:     "Also, when you create any target groups for these services, you must choose ip as the target type, not instance.",
			Error:     "InvalidParameterException",
		}),
		awsRule(&Rule{
			ID:       "fargate-spot-arm64-platform",
			Title:    "Every ARM64 service with Fargate Spot in its strategy runs platform 1.4.0 or later",
			Severity: High,
			Reason:   "Fargate Spot places ARM64 tasks on platform 1.4.0 and later only: the Spot share of the service would never start",
			Check: func(c *Checker) {
				c.Each(func(svc *offline.Resource) string {
					spot := false
					for i := range svc.List("capacityProviderStrategies") {
						spot = spot || svc.String(fmt.Sprintf("capacityProviderStrategies[%d].capacityProvider", i)) == "FARGATE_SPOT"
					}
					td := c.Stack.taskOfService(svc)
					if !spot || td == nil || td.String("runtimePlatform.cpuArchitecture") != "ARM64" {
						return ""
					}
					return unless(fargatePlatform140(svc.String("platformVersion")), "ARM64 on Fargate Spot with platform "+svc.String("platformVersion"))
				}, typeService)
			},
		}, Constraint{
			Dimension: DimArguments,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html",
			Quote:     "FARGATE_SPOT supports Linux tasks with the ARM64 architecture on platform version 1.4.0 or later.",
		}),
		awsRule(&Rule{
			ID:       "gd-fargate-platform-linux-1-4-0",
			Title:    "With GuardDuty's Fargate agent management, every ECS service runs Linux tasks on platform 1.4.0 or LATEST",
			Severity: High,
			Reason:   "GuardDuty's agent runs on those only: the service's tasks would run unprotected",
			Check: func(c *Checker) {
				_, agent := runtimeMonitoring(c.Stack)
				c.Each(func(svc *offline.Resource) string {
					if !agent {
						return ""
					}
					if !fargatePlatform140(svc.String("platformVersion")) {
						return "platform version " + svc.String("platformVersion")
					}
					if td := c.Stack.taskOfService(svc); td != nil {
						os := td.String("runtimePlatform.operatingSystemFamily")
						return unless(os == "" || os == "LINUX", "operating system "+os)
					}
					return ""
				}, typeService)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html",
			Quote:     "The AWS Fargate platform for your Amazon ECS clusters must be Linux. The corresponding platform version must be at least 1.4.0, or LATEST.",
		}),
		awsRule(&Rule{
			ID:       "ecs-exec-task-role-permissions",
			Title:    "Every service with ECS Exec has a task role that opens Session Manager's channels and decrypts with the cluster's session key",
			Severity: High,
			Reason:   "AWS accepts the service, but without them the SSM agent cannot open a session or encrypt it with the cluster's key",
			Check: func(c *Checker) {
				c.Each(func(svc *offline.Resource) string {
					td := c.Stack.taskOfService(svc)
					if !svc.Bool("enableExecuteCommand") || td == nil {
						return ""
					}
					if known(td.Get("taskRoleArn")) && td.String("taskRoleArn") == "" {
						return "no task role: ECS Exec's agent has no permissions"
					}
					role := c.Stack.byOutput(typeRole, "arn", td.Get("taskRoleArn"))
					if role == nil {
						return ""
					}
					sts, ok := c.Stack.roleStatements(role)
					if !ok {
						return ""
					}
					for _, a := range []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"} {
						if !grantsOn(sts, a, func(string) bool { return true }) {
							return fmt.Sprintf("task role %s may not %s", role.Name, a)
						}
					}
					if cluster := c.Stack.byOutput(typeCluster, "arn", svc.Get("cluster")); cluster != nil {
						key := cluster.Get("configuration.executeCommandConfiguration.kmsKeyId")
						if known(key) && str(key) != "" && !grantsOn(sts, "kms:Decrypt", func(p string) bool { return iamWildcard(p, str(key)) }) {
							return fmt.Sprintf("task role %s may not kms:Decrypt with the cluster's session key", role.Name)
						}
					}
					return ""
				}, typeService)
			},
		}, Constraint{
			Dimension: DimPolicy,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html",
			Quote:     "To further encrypt data using your own KMS key, you must create a KMS key and add the kms:Decrypt permission to your task IAM role.",
		}),
		awsRule(&Rule{
			ID:       "ecs-exec-encrypted-log-group-cmk",
			Title:    "A cluster that encrypts ECS Exec session logs writes them to a log group with a customer-managed key",
			Severity: High,
			Reason:   "AWS accepts the cluster, and then the session logs are never delivered",
			Check: func(c *Checker) {
				const logs = "configuration.executeCommandConfiguration.logConfiguration."
				c.Each(func(cl *offline.Resource) string {
					name := cl.Get(logs + "cloudWatchLogGroupName")
					if !cl.Bool(logs+"cloudWatchEncryptionEnabled") || !known(name) {
						return ""
					}
					group := c.Stack.byOutput(typeLogGroup, "name", name)
					if group == nil {
						return ""
					}
					return unless(set(group.Get("kmsKeyId")), fmt.Sprintf("log group %s has no customer-managed key", group.Name))
				}, typeCluster)
			},
		}, Constraint{
			Dimension: DimPrerequisite,
			Kind:      Static,
			URL:       "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html",
			Quote:     "You must use an AWS KMS customer managed key to encrypt the log group when you set the CloudWatchEncryptionEnabled option to true.",
		}),
	}
}

// pullableBy returns "" when the repository named repo of the stack peer
// lets account (its root, or the role executionRole) pull, and why not
// otherwise.
func pullableBy(peer *Stack, repo, account, executionRole string) string {
	var policies []*offline.Resource
	for _, p := range peer.ByType(typeRepoPolicy) {
		if v := p.Get("repository"); !known(v) || v == repo {
			policies = append(policies, p)
		}
	}
	if len(policies) == 0 {
		return fmt.Sprintf("repository %s of %s has no policy: account %s cannot pull from it", repo, peer.Name, account)
	}
	for _, p := range policies {
		sts, ok := statements(p, "policy")
		if !ok {
			return ""
		}
		for _, st := range sts {
			if st.effect() != "Allow" {
				continue
			}
			admits := slices.ContainsFunc(st.principals(), func(pr string) bool {
				return isAccount(pr, account) || pr == executionRole
			})
			if !admits {
				continue
			}
			// A repository policy names no Resource: the repository is.
			all := true
			for _, a := range ecrPullActions {
				all = all && slices.ContainsFunc(st.actions(), func(x string) bool { return iamWildcard(strings.ToLower(x), strings.ToLower(a)) })
			}
			if all {
				return ""
			}
		}
	}
	return fmt.Sprintf("the policy of repository %s (%s) does not let account %s pull", repo, peer.Name, account)
}
