package cost

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/refarch/refarch/offline"
)

// rule prices one resource by adding lines (estimator.charge); an error
// lists the resource as not priced, with the error as the reason.
type rule func(e *estimator, r *offline.Resource) error

// rules are the types the estimator prices, by type token.
var rules = map[string]rule{
	"awsx:ec2:Vpc":                                                (*estimator).awsxVpc,
	"aws:ec2/vpcEndpoint:VpcEndpoint":                             (*estimator).vpcEndpoint,
	"aws:ec2/eip:Eip":                                             (*estimator).elasticIP,
	"aws:lb/loadBalancer:LoadBalancer":                            (*estimator).loadBalancer,
	"aws:alb/loadBalancer:LoadBalancer":                           (*estimator).loadBalancer,
	"aws:ecs/service:Service":                                     (*estimator).ecsService,
	"aws:ecs/taskDefinition:TaskDefinition":                       (*estimator).ecsTaskDefinition,
	"aws:ecs/cluster:Cluster":                                     (*estimator).ecsCluster,
	"aws:rds/instance:Instance":                                   (*estimator).rdsInstance,
	"aws:elasticache/cluster:Cluster":                             (*estimator).elasticacheCluster,
	"aws:autoscaling/group:Group":                                 (*estimator).autoscalingGroup,
	"aws:ec2/instance:Instance":                                   (*estimator).ec2Instance,
	"aws:kms/key:Key":                                             (*estimator).kmsKey,
	"aws:route53/zone:Zone":                                       (*estimator).hostedZone,
	"aws:cloudwatch/metricAlarm:MetricAlarm":                      (*estimator).metricAlarm,
	"aws:cloudwatch/compositeAlarm:CompositeAlarm":                (*estimator).compositeAlarm,
	"aws:cloudwatch/dashboard:Dashboard":                          (*estimator).dashboard,
	"aws:cloudwatch/logMetricFilter:LogMetricFilter":              (*estimator).logMetricFilter,
	"aws:cloudwatch/logGroup:LogGroup":                            (*estimator).logGroup,
	"aws:secretsmanager/secret:Secret":                            (*estimator).secret,
	"aws:lambda/function:Function":                                (*estimator).lambdaFunction,
	"aws:scheduler/schedule:Schedule":                             (*estimator).schedule,
	"aws:sqs/queue:Queue":                                         (*estimator).sqsQueue,
	"aws:sns/topic:Topic":                                         (*estimator).snsTopic,
	"aws:sns/topicSubscription:TopicSubscription":                 (*estimator).snsSubscription,
	"aws:s3/bucketV2:BucketV2":                                    (*estimator).s3Bucket,
	"aws:s3/bucket:Bucket":                                        (*estimator).s3Bucket,
	"aws:ecr/repository:Repository":                               (*estimator).ecrRepository,
	"aws:cloudfront/distribution:Distribution":                    (*estimator).cloudfrontDistribution,
	"aws:cloudfront/function:Function":                            (*estimator).cloudfrontFunction,
	"aws:wafv2/webAcl:WebAcl":                                     (*estimator).webACL,
	"aws:cfg/recorder:Recorder":                                   (*estimator).configRecorder,
	"aws:cfg/rule:Rule":                                           (*estimator).configRule,
	"aws:guardduty/detector:Detector":                             (*estimator).guardDuty,
	"aws:securityhub/standardsSubscription:StandardsSubscription": (*estimator).securityHubStandard,
	"aws:cloudtrail/trail:Trail":                                  (*estimator).cloudTrail,
	"aws:accessanalyzer/analyzer:Analyzer":                        (*estimator).accessAnalyzer,
}

// PricedTypes returns the type tokens the estimator prices, sorted.
func PricedTypes() []string {
	out := make([]string, 0, len(rules))
	for t := range rules {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func (e *estimator) hours() float64 { return e.prices.HoursPerMonth }

// ---- Networking ----

// awsxVpc prices the NAT gateways awsx creates inside an ec2.Vpc. The
// records hold the remote component as one registration, so the count is
// derived from its inputs: natGateways.strategy (None, Single, OnePerAz;
// unset means OnePerAz when the VPC has public and private subnets, else
// none) and the availability zones (availabilityZoneNames, else
// numberOfAvailabilityZones, else awsx's default of 3). Prices:
// https://aws.amazon.com/vpc/pricing/.
func (e *estimator) awsxVpc(r *offline.Resource) error {
	zones, zonesFrom := 3, "awsx's default of 3 availability zones"
	if names := r.List("availabilityZoneNames"); len(names) > 0 {
		zones, zonesFrom = len(names), fmt.Sprintf("%d availability zones (availabilityZoneNames)", len(names))
	} else if n, ok := num(r, "numberOfAvailabilityZones"); ok {
		zones, zonesFrom = int(n), fmt.Sprintf("%d availability zones (numberOfAvailabilityZones)", int(n))
	}
	strategy, from := r.String("natGateways.strategy"), ""
	if strategy == "" {
		if vpcHasPublicAndPrivate(r) {
			strategy, from = "OnePerAz", "natGateways unset: awsx's default, OnePerAz, for a VPC with public and private subnets"
		} else {
			strategy, from = "None", "natGateways unset and the VPC lacks public or private subnets: awsx creates none"
		}
	}
	var nats int
	switch strategy {
	case "None":
		nats = 0
		if from == "" {
			from = "natGateways.strategy None"
		}
	case "Single":
		nats = 1
		if from == "" {
			from = "natGateways.strategy Single: one for the VPC"
		}
	case "OnePerAz":
		nats = zones
		if from == "" {
			from = "natGateways.strategy OnePerAz"
		}
		from += " × " + zonesFrom
	default:
		return fmt.Errorf("natGateways.strategy %q is not one the estimator knows", strategy)
	}
	derivation := fmt.Sprintf("%s %s: %d NAT gateway(s), from %s. awsx creates the NAT gateways and their Elastic IPs inside this remote component, which the offline records hold as one registration; the count is derived from its inputs.",
		r.Type, r.Name, nats, from)
	if len(r.List("vpcEndpointSpecs")) > 0 {
		e.notPriced(r, "vpcEndpointSpecs: the endpoints awsx creates inside the VPC are not priced")
	}
	if nats == 0 {
		e.assume(derivation)
		return nil
	}
	h := e.hours()
	if err := e.charge(r, fmt.Sprintf("NAT gateway hours (%d × %g h)", nats, h), float64(nats)*h, "hour", "vpc.natGateway.hour", derivation); err != nil {
		return err
	}
	gb, text, err := e.usage("nat.dataGBPerVpc")
	if err != nil {
		return err
	}
	if err := e.charge(r, "NAT gateway data processed", gb, "GB", "vpc.natGateway.gb", text); err != nil {
		return err
	}
	if len(r.List("natGateways.elasticIpAllocationIds")) > 0 {
		// The addresses are allocated outside the component; an aws:ec2/eip
		// in the records is priced on its own.
		return nil
	}
	return e.charge(r, fmt.Sprintf("public IPv4 addresses of the NAT gateways (%d × %g h)", nats, h), float64(nats)*h, "hour", "vpc.publicIPv4.hour", derivation)
}

// vpcHasPublicAndPrivate reports whether an awsx VPC's subnet specs hold
// public and private subnets (awsx's default layout does).
func vpcHasPublicAndPrivate(r *offline.Resource) bool {
	specs := r.List("subnetSpecs")
	if len(specs) == 0 {
		return true
	}
	var public, private bool
	for _, s := range specs {
		switch field(s, "type") {
		case "Public":
			public = true
		case "Private":
			private = true
		}
	}
	return public && private
}

// vpcEndpoint prices an interface endpoint per AZ (one network interface
// per subnet) and per GB processed; gateway endpoints are free
// (https://aws.amazon.com/privatelink/pricing/).
func (e *estimator) vpcEndpoint(r *offline.Resource) error {
	switch t := r.String("vpcEndpointType"); t {
	case "", "Gateway": // the API's default type is Gateway
		e.assume("Gateway VPC endpoints (S3, DynamoDB) have no charge.")
		return nil
	case "Interface":
		azs := len(r.List("subnetIds"))
		if azs == 0 {
			azs = len(r.List("subnetConfigurations"))
		}
		if azs == 0 {
			return errors.New("interface endpoint names no subnetIds: the number of AZs it is billed for is unknown")
		}
		h := e.hours()
		if err := e.charge(r, fmt.Sprintf("interface endpoint hours (%d AZs × %g h)", azs, h), float64(azs)*h, "hour", "privatelink.interface.hour", ""); err != nil {
			return err
		}
		gb, text, err := e.usage("endpoint.dataGBPerEndpoint")
		if err != nil {
			return err
		}
		return e.charge(r, "interface endpoint data processed", gb, "GB", "privatelink.interface.gb", text)
	default:
		return fmt.Errorf("vpcEndpointType %q is not priced", t)
	}
}

// elasticIP prices an Elastic IP as a public IPv4 address, billed per hour
// whether attached or idle (https://aws.amazon.com/vpc/pricing/).
func (e *estimator) elasticIP(r *offline.Resource) error {
	h := e.hours()
	return e.charge(r, fmt.Sprintf("public IPv4 address (Elastic IP, %g h)", h), h, "hour", "vpc.publicIPv4.hour", "")
}

// loadBalancer prices an ALB or NLB: hours, capacity units (an
// assumption), and for an internet-facing one its public IPv4 addresses
// (https://aws.amazon.com/elasticloadbalancing/pricing/).
func (e *estimator) loadBalancer(r *offline.Resource) error {
	typ := r.String("loadBalancerType")
	if typ == "" {
		typ = "application"
	}
	var kind, hourKey, capKey, capUnit, capUsage string
	switch typ {
	case "application":
		kind, hourKey, capKey, capUnit, capUsage = "ALB", "elb.alb.hour", "elb.alb.lcu", "LCU-hour", "alb.lcuPerHour"
	case "network":
		kind, hourKey, capKey, capUnit, capUsage = "NLB", "elb.nlb.hour", "elb.nlb.nlcu", "NLCU-hour", "nlb.nlcuPerHour"
	default:
		return fmt.Errorf("loadBalancerType %q is not priced", typ)
	}
	h := e.hours()
	if err := e.charge(r, fmt.Sprintf("%s hours (%g h)", kind, h), h, "hour", hourKey, ""); err != nil {
		return err
	}
	lcu, text, err := e.usage(capUsage)
	if err != nil {
		return err
	}
	if err := e.charge(r, fmt.Sprintf("%s capacity units (%g × %g h)", kind, lcu, h), lcu*h, capUnit, capKey, text); err != nil {
		return err
	}
	if r.Bool("internal") {
		return nil
	}
	azs := len(r.List("subnets"))
	if azs == 0 {
		azs = len(r.List("subnetMappings"))
	}
	if azs == 0 {
		return errors.New("internet-facing load balancer names no subnets: its public IPv4 addresses are unknown")
	}
	assumption := "An internet-facing load balancer holds one public IPv4 address per subnet (AZ); it may hold more while it scales out."
	return e.charge(r, fmt.Sprintf("public IPv4 addresses of the %s (%d AZs × %g h)", kind, azs, h), float64(azs)*h, "hour", "vpc.publicIPv4.hour", assumption)
}

// ---- Containers ----

// fargateShare is the tasks of a service on one capacity provider.
type fargateShare struct {
	provider string
	tasks    float64
}

// ecsService prices a Fargate service's tasks at its minimum count: the
// appautoscaling target's minCapacity, else desiredCount. The tasks go to
// the capacity providers of its strategy (else the cluster's default
// strategy): each provider's base first, the rest by weight. Task size and
// CPU architecture come from the task definition
// (https://aws.amazon.com/fargate/pricing/).
func (e *estimator) ecsService(r *offline.Resource) error {
	if r.String("schedulingStrategy") == "DAEMON" {
		return errors.New("DAEMON services run on EC2 capacity, which is not priced")
	}
	td := e.taskDefinitionOf(r)
	if td == nil {
		return fmt.Errorf("task definition %q is not in the records", r.String("taskDefinition"))
	}
	size, err := fargateSizeOf(td)
	if err != nil {
		return err
	}
	tasks, countFrom := e.taskCount(r)
	shares, err := e.capacitySplit(r, tasks)
	if err != nil {
		return err
	}
	if tasks == 0 {
		e.assume(fmt.Sprintf("ECS service %s runs no task (desiredCount 0 or unset, no scaling target): no Fargate charge.", r.Name))
		return nil
	}
	assumption := "ECS services run their minimum task count all month (the appautoscaling target's minCapacity, else desiredCount); tasks beyond a capacity provider's base are split between FARGATE and FARGATE_SPOT by weight, fractionally."
	h := e.hours()
	for _, s := range shares {
		if s.tasks == 0 {
			continue
		}
		kind, label := "ondemand", "on-demand"
		if s.provider == "FARGATE_SPOT" {
			kind, label = "spot", "Spot"
		}
		key := "fargate.linux." + size.arch + "." + kind
		what := fmt.Sprintf("%s %s, %g of %s", size.archLabel, label, s.tasks, countFrom)
		if err := e.charge(r, fmt.Sprintf("Fargate vCPU hours (%s × %g vCPU)", what, size.vcpu), s.tasks*size.vcpu*h, "vCPU-hour", key+".vcpu", assumption); err != nil {
			return err
		}
		if err := e.charge(r, fmt.Sprintf("Fargate GB hours (%s × %g GB)", what, size.gb), s.tasks*size.gb*h, "GB-hour", key+".gb", assumption); err != nil {
			return err
		}
		if size.extraStorageGB > 0 {
			if err := e.charge(r, fmt.Sprintf("Fargate ephemeral storage above 20 GB (%g tasks × %g GB)", s.tasks, size.extraStorageGB), s.tasks*size.extraStorageGB*h, "GB-hour", "fargate.storage.gb", assumption); err != nil {
				return err
			}
		}
	}
	if r.Bool("networkConfiguration.assignPublicIp") {
		return e.charge(r, fmt.Sprintf("public IPv4 addresses of the tasks (%g × %g h)", tasks, h), tasks*h, "hour", "vpc.publicIPv4.hour", assumption)
	}
	return nil
}

// fargateSize is a task definition's billed size.
type fargateSize struct {
	vcpu, gb, extraStorageGB float64
	arch, archLabel          string
}

// fargateSizeOf reads a Fargate task definition's task-level cpu (units of
// 1/1024 vCPU), memory (MiB), ephemeral storage and runtime platform.
func fargateSizeOf(td *offline.Resource) (fargateSize, error) {
	cpu, okCPU := num(td, "cpu")
	mem, okMem := num(td, "memory")
	if !okCPU || !okMem || cpu <= 0 || mem <= 0 {
		return fargateSize{}, fmt.Errorf("task definition %s: task-level cpu and memory are required to price Fargate tasks", td.Name)
	}
	s := fargateSize{vcpu: cpu / 1024, gb: mem / 1024}
	switch os := td.String("runtimePlatform.operatingSystemFamily"); os {
	case "", "LINUX":
	default:
		return fargateSize{}, fmt.Errorf("task definition %s: operatingSystemFamily %s is not priced", td.Name, os)
	}
	switch arch := td.String("runtimePlatform.cpuArchitecture"); arch {
	case "ARM64":
		s.arch, s.archLabel = "arm64", "ARM64"
	case "", "X86_64":
		s.arch, s.archLabel = "x86", "X86_64"
	default:
		return fargateSize{}, fmt.Errorf("task definition %s: cpuArchitecture %s is not priced", td.Name, arch)
	}
	if gb, ok := num(td, "ephemeralStorage.sizeInGib"); ok && gb > 20 {
		s.extraStorageGB = gb - 20
	}
	return s, nil
}

// taskDefinitionOf finds the task definition a service runs: its
// taskDefinition input is an ARN (".../task-definition/<family>:<revision>"),
// a "family:revision" or a family.
func (e *estimator) taskDefinitionOf(svc *offline.Resource) *offline.Resource {
	ref := svc.String("taskDefinition")
	if ref == "" {
		return nil
	}
	family := lastSegment(ref)
	if i := strings.LastIndex(family, ":"); i >= 0 {
		family = family[:i]
	}
	for _, td := range e.plan.Resources {
		if td == nil || td.Type != "aws:ecs/taskDefinition:TaskDefinition" {
			continue
		}
		if td.String("family") == family || td.URN == ref || (td.ID != "" && td.ID == ref) {
			return td
		}
	}
	return nil
}

// taskCount returns a service's minimum task count and where it comes from.
func (e *estimator) taskCount(svc *offline.Resource) (float64, string) {
	if t := e.scalingTargetOf(svc); t != nil {
		if n, ok := num(t, "minCapacity"); ok {
			return n, fmt.Sprintf("%g tasks (appautoscaling minCapacity)", n)
		}
	}
	n, _ := num(svc, "desiredCount")
	return n, fmt.Sprintf("%g tasks (desiredCount)", n)
}

// scalingTargetOf finds the appautoscaling target of a service: by its
// resourceId ("service/<cluster>/<service>"), else the only target of the
// service's parent when that parent holds one service.
func (e *estimator) scalingTargetOf(svc *offline.Resource) *offline.Resource {
	var targets []*offline.Resource
	for _, t := range e.plan.Resources {
		if t == nil || t.Type != "aws:appautoscaling/target:Target" || t.String("serviceNamespace") != "ecs" {
			continue
		}
		if d := t.String("scalableDimension"); d != "" && d != "ecs:service:DesiredCount" {
			continue
		}
		parts := strings.Split(t.String("resourceId"), "/")
		if len(parts) == 3 && parts[0] == "service" && namedAs(parts[2], svc) {
			return t
		}
		targets = append(targets, t)
	}
	var sameParent []*offline.Resource
	for _, t := range targets {
		if t.Parent != "" && t.Parent == svc.Parent {
			sameParent = append(sameParent, t)
		}
	}
	if len(sameParent) == 1 && len(e.siblingsOfType(svc)) == 1 {
		return sameParent[0]
	}
	return nil
}

// siblingsOfType returns the resources of r's type under r's parent (r
// included).
func (e *estimator) siblingsOfType(r *offline.Resource) []*offline.Resource {
	var out []*offline.Resource
	for _, o := range e.plan.Resources {
		if o != nil && o.Type == r.Type && o.Parent == r.Parent {
			out = append(out, o)
		}
	}
	return out
}

// capacitySplit shares tasks between the capacity providers of the
// service's strategy, or of its cluster's default strategy, as ECS places
// them: each provider's base first, in order, then the rest by weight.
func (e *estimator) capacitySplit(svc *offline.Resource, tasks float64) ([]fargateShare, error) {
	strategy := svc.List("capacityProviderStrategies")
	if len(strategy) == 0 {
		switch lt := svc.String("launchType"); lt {
		case "FARGATE":
			return []fargateShare{{provider: "FARGATE", tasks: tasks}}, nil
		case "":
			if cp := e.clusterProvidersOf(svc); cp != nil {
				strategy = cp.List("defaultCapacityProviderStrategies")
			}
			if len(strategy) == 0 {
				return nil, errors.New("no launchType nor capacity provider strategy, and no cluster default strategy: ECS would use the EC2 launch type, which is not priced")
			}
		default:
			return nil, fmt.Errorf("launchType %s runs on EC2 capacity, which is not priced", lt)
		}
	}
	shares := make([]fargateShare, len(strategy))
	weights := make([]float64, len(strategy))
	left, total := tasks, 0.0
	for i, s := range strategy {
		provider := field(s, "capacityProvider")
		if provider != "FARGATE" && provider != "FARGATE_SPOT" {
			return nil, fmt.Errorf("capacity provider %q is not Fargate: not priced", provider)
		}
		m, _ := s.(map[string]any)
		base, _ := number(m["base"])
		weights[i], _ = number(m["weight"])
		if base > left {
			base = left
		}
		if base < 0 {
			base = 0
		}
		shares[i] = fargateShare{provider: provider, tasks: base}
		left -= base
		total += weights[i]
	}
	switch {
	case left <= 0:
	case total > 0:
		for i := range shares {
			shares[i].tasks += left * weights[i] / total
		}
	default:
		shares[0].tasks += left
	}
	return shares, nil
}

// clusterProvidersOf finds the ClusterCapacityProviders of a service's
// cluster (its cluster input is the cluster's ARN or name).
func (e *estimator) clusterProvidersOf(svc *offline.Resource) *offline.Resource {
	cluster := lastSegment(svc.String("cluster"))
	var all []*offline.Resource
	for _, r := range e.plan.Resources {
		if r == nil || r.Type != "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders" {
			continue
		}
		if cluster != "" && r.String("clusterName") == cluster {
			return r
		}
		all = append(all, r)
	}
	if len(all) == 1 && cluster == "" {
		return all[0]
	}
	return nil
}

// ecsTaskDefinition prices the task definitions no service runs (one-off
// tasks, such as migrations) at an assumed number of task hours; those a
// service runs are billed through the service.
func (e *estimator) ecsTaskDefinition(r *offline.Resource) error {
	for _, svc := range e.plan.Resources {
		if svc != nil && svc.Type == "aws:ecs/service:Service" && e.taskDefinitionOf(svc) == r {
			return nil
		}
	}
	size, err := fargateSizeOf(r)
	if err != nil {
		return err
	}
	taskHours, text, err := e.usage("ecs.oneOffTaskHoursPerDefinition")
	if err != nil {
		return err
	}
	key := "fargate.linux." + size.arch + ".ondemand"
	if err := e.charge(r, fmt.Sprintf("Fargate vCPU hours of one-off tasks (%s on-demand, %g h × %g vCPU)", size.archLabel, taskHours, size.vcpu), taskHours*size.vcpu, "vCPU-hour", key+".vcpu", text); err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("Fargate GB hours of one-off tasks (%s on-demand, %g h × %g GB)", size.archLabel, taskHours, size.gb), taskHours*size.gb, "GB-hour", key+".gb", text)
}

// ecsCluster prices Container Insights: custom metrics per cluster and per
// service, and its performance log events
// (https://aws.amazon.com/cloudwatch/pricing/).
func (e *estimator) ecsCluster(r *offline.Resource) error {
	enabled := ""
	for _, s := range r.List("settings") {
		if field(s, "name") == "containerInsights" {
			enabled = field(s, "value")
		}
	}
	if enabled == "" || enabled == "disabled" {
		return nil
	}
	services := 0
	for _, svc := range e.plan.Resources {
		if svc != nil && svc.Type == "aws:ecs/service:Service" && namedAs(lastSegment(svc.String("cluster")), r) {
			services++
		}
	}
	perCluster, t1, err := e.usage("ecs.containerInsightsMetricsPerCluster")
	if err != nil {
		return err
	}
	perService, t2, err := e.usage("ecs.containerInsightsMetricsPerService")
	if err != nil {
		return err
	}
	metrics := perCluster + perService*float64(services)
	if err := e.charge(r, fmt.Sprintf("Container Insights (%s) custom metrics (%g + %g × %d services)", enabled, perCluster, perService, services), metrics, "metric-month", "cloudwatch.metric.custom", t1, t2); err != nil {
		return err
	}
	gb, t3, err := e.usage("ecs.containerInsightsLogGBPerCluster")
	if err != nil {
		return err
	}
	return e.charge(r, "Container Insights performance log events ingested", gb, "GB", "logs.ingest", t3)
}

// ---- Databases ----

// rdsInstance prices an RDS instance: instance hours of its class and
// engine (doubled for Multi-AZ: primary and standby), storage of its type
// (doubled for Multi-AZ; a read replica, replicateSourceDb, has the storage
// of its source), and the CloudWatch Logs its log exports and Enhanced
// Monitoring ingest (https://aws.amazon.com/rds/postgresql/pricing/).
func (e *estimator) rdsInstance(r *offline.Resource) error {
	src, err := e.rdsSourceOf(r)
	if err != nil {
		return err
	}
	inherit := func(path string) string {
		if v := r.String(path); v != "" || src == nil {
			return v
		}
		return src.String(path)
	}
	engine, class := inherit("engine"), r.String("instanceClass")
	if engine == "" || class == "" {
		return errors.New("engine and instanceClass are required to price an RDS instance")
	}
	if strings.HasPrefix(engine, "aurora") {
		return fmt.Errorf("engine %s: Aurora is billed per cluster, which is not priced", engine)
	}
	copies, deployment := 1.0, "Single-AZ"
	if r.Bool("multiAz") {
		copies, deployment = 2, "Multi-AZ, primary and standby"
	}
	role := "instance"
	if src != nil {
		role = "read replica"
	}
	h := e.hours()
	if err := e.charge(r, fmt.Sprintf("RDS %s %s hours (%s, %s, %g × %g h)", engine, role, class, deployment, copies, h), copies*h, "hour", "rds."+engine+"."+class, ""); err != nil {
		return err
	}
	gb, ok := num(r, "allocatedStorage")
	var storageNote []string
	if !ok && src != nil {
		gb, ok = num(src, "allocatedStorage")
		storageNote = append(storageNote, "A read replica is billed for the storage of its source (allocatedStorage of the source; the replica record does not set it).")
	}
	if !ok {
		return errors.New("allocatedStorage is not set: storage not priced")
	}
	storage := inherit("storageType")
	if storage == "" {
		storage = "gp2"
		storageNote = append(storageNote, "storageType unset: priced as gp2, the RDS API's default without iops.")
	}
	if err := e.charge(r, fmt.Sprintf("RDS %s storage (%g GB × %g)", storage, gb, copies), gb*copies, "GB-month", "rds.storage."+storage, storageNote...); err != nil {
		return err
	}
	e.assume("RDS automated backups stay within the free backup storage (100% of the provisioned storage of each region); manual snapshots are not estimated.")
	if err := e.rdsLogs(r); err != nil {
		return err
	}
	var unpriced []string
	if storage == "gp3" && (r.Int("iops") > 0 || r.Int("storageThroughput") > 0) {
		unpriced = append(unpriced, "gp3 iops/storageThroughput above the baseline")
	}
	if r.Bool("performanceInsightsEnabled") && r.Int("performanceInsightsRetentionPeriod") > 7 {
		unpriced = append(unpriced, "Performance Insights retention above the free 7 days")
	}
	if len(unpriced) > 0 {
		return fmt.Errorf("not priced: %s", strings.Join(unpriced, "; "))
	}
	if r.Bool("performanceInsightsEnabled") {
		e.assume("Performance Insights with 7 days of retention has no charge.")
	}
	return nil
}

// rdsLogs prices the CloudWatch Logs an instance ingests into log groups
// RDS creates itself, which are not in the records: Enhanced Monitoring's
// RDSOSMetrics, and each log export whose /aws/rds/instance/<id>/<log>
// group the program does not create.
func (e *estimator) rdsLogs(r *offline.Resource) error {
	if r.Int("monitoringInterval") > 0 {
		gb, text, err := e.usage("rds.enhancedMonitoringGBPerInstance")
		if err != nil {
			return err
		}
		if err := e.charge(r, "CloudWatch Logs ingestion of Enhanced Monitoring (RDSOSMetrics)", gb, "GB", "logs.ingest", text); err != nil {
			return err
		}
	}
	id := r.String("identifier")
	if id == "" {
		id = r.Name
	}
	for _, export := range r.Strings("enabledCloudwatchLogsExports") {
		group := "/aws/rds/instance/" + id + "/" + export
		if e.hasLogGroup(group) {
			continue // priced with the log group
		}
		gb, text, err := e.usage("rds.logExportGBPerLog")
		if err != nil {
			return err
		}
		if err := e.charge(r, "CloudWatch Logs ingestion of the "+export+" log export ("+group+", created by RDS)", gb, "GB", "logs.ingest", text); err != nil {
			return err
		}
	}
	return nil
}

// hasLogGroup reports whether the records create a log group of that name.
func (e *estimator) hasLogGroup(name string) bool {
	for _, lg := range e.plan.Resources {
		if lg != nil && lg.Type == "aws:cloudwatch/logGroup:LogGroup" && lg.String("name") == name {
			return true
		}
	}
	return false
}

// rdsSourceOf returns the instance a read replica replicates (nil for a
// primary). replicateSourceDb is the source's identifier or ARN.
func (e *estimator) rdsSourceOf(r *offline.Resource) (*offline.Resource, error) {
	ref := r.String("replicateSourceDb")
	if ref == "" {
		return nil, nil
	}
	id := ref
	if i := strings.LastIndex(ref, ":db:"); i >= 0 {
		id = ref[i+len(":db:"):]
	}
	for _, o := range e.plan.Resources {
		if o == nil || o == r || o.Type != r.Type {
			continue
		}
		if o.String("identifier") == id || (o.String("identifier") == "" && o.Name == id) || (o.ID != "" && o.ID == id) {
			return o, nil
		}
	}
	if r.String("engine") != "" && r.Has("allocatedStorage") {
		return nil, nil
	}
	return nil, fmt.Errorf("replicateSourceDb %q is not in the records: engine and storage unknown", ref)
}

// elasticacheCluster prices numCacheNodes nodes of nodeType
// (https://aws.amazon.com/elasticache/pricing/).
func (e *estimator) elasticacheCluster(r *offline.Resource) error {
	if r.String("replicationGroupId") != "" {
		return errors.New("a member of a replication group: replication groups are not priced")
	}
	engine, nodeType := r.String("engine"), r.String("nodeType")
	if nodeType == "" {
		return errors.New("nodeType is required to price cache nodes")
	}
	nodes, ok := num(r, "numCacheNodes")
	if !ok {
		nodes = 1
	}
	key := "elasticache." + nodeType
	if engine == "valkey" {
		key = "elasticache.valkey." + nodeType
	}
	h := e.hours()
	return e.charge(r, fmt.Sprintf("ElastiCache %s node hours (%g × %s × %g h)", engine, nodes, nodeType, h), nodes*h, "hour", key, "")
}

// ---- Compute ----

// autoscalingGroup prices the instances of an Auto Scaling group at its
// desiredCapacity (else minSize), with the instance type and EBS volumes of
// its launch template (https://aws.amazon.com/ec2/pricing/on-demand/,
// https://aws.amazon.com/ebs/pricing/).
func (e *estimator) autoscalingGroup(r *offline.Resource) error {
	if r.Has("mixedInstancesPolicy") && r.Get("mixedInstancesPolicy") != nil {
		return errors.New("mixedInstancesPolicy: the instance mix is not priced")
	}
	n, ok := num(r, "desiredCapacity")
	if !ok {
		n, _ = num(r, "minSize")
	}
	lt := e.launchTemplateOf(r)
	if lt == nil {
		return errors.New("its launch template is not in the records: instance type unknown")
	}
	assumption := "Auto Scaling groups run their desiredCapacity (else minSize) all month."
	return e.instances(r, n, lt.String("instanceType"), lt.List("blockDeviceMappings"), "ebs", assumption)
}

// launchTemplateOf finds a group's launch template by id or name.
func (e *estimator) launchTemplateOf(g *offline.Resource) *offline.Resource {
	id, name := g.String("launchTemplate.id"), g.String("launchTemplate.name")
	for _, lt := range e.plan.Resources {
		if lt == nil || lt.Type != "aws:ec2/launchTemplate:LaunchTemplate" {
			continue
		}
		if (id != "" && (lt.ID == id || lt.URN == id)) || (name != "" && namedAs(name, lt)) {
			return lt
		}
	}
	return nil
}

// ec2Instance prices one instance and its root and EBS volumes.
func (e *estimator) ec2Instance(r *offline.Resource) error {
	var volumes []any
	if root, ok := r.Get("rootBlockDevice").(map[string]any); ok {
		volumes = append(volumes, map[string]any{"ebs": root})
	} else {
		return errors.New("rootBlockDevice.volumeSize unset: the AMI's volume size is not in the records")
	}
	for _, v := range r.List("ebsBlockDevices") {
		volumes = append(volumes, map[string]any{"ebs": v})
	}
	if err := e.instances(r, 1, r.String("instanceType"), volumes, "ebs", ""); err != nil {
		return err
	}
	if r.Bool("associatePublicIpAddress") {
		h := e.hours()
		return e.charge(r, fmt.Sprintf("public IPv4 address of the instance (%g h)", h), h, "hour", "vpc.publicIPv4.hour", "")
	}
	return nil
}

// instances prices n Linux instances of a type with their EBS volumes
// (block device mappings: {"ebs": {"volumeSize", "volumeType"}}).
func (e *estimator) instances(r *offline.Resource, n float64, instanceType string, volumes []any, ebsKey, assumption string) error {
	if instanceType == "" {
		return errors.New("instance type unknown")
	}
	note := []string{assumption}
	if strings.HasPrefix(instanceType, "t") {
		note = append(note, "Burstable (T-family) instances stay within their CPU-credit baseline: no surplus-credit charges (unlimited mode is T4g's default).")
	}
	e.assume("EC2 instances run a Linux AMI: no operating-system licence in the price.")
	h := e.hours()
	if err := e.charge(r, fmt.Sprintf("EC2 instance hours (%g × %s × %g h)", n, instanceType, h), n*h, "hour", "ec2."+instanceType, note...); err != nil {
		return err
	}
	for _, v := range volumes {
		m, _ := v.(map[string]any)
		ebs, ok := m[ebsKey].(map[string]any)
		if !ok {
			continue // instance store or no device
		}
		size, ok := number(ebs["volumeSize"])
		if !ok {
			return errors.New("an EBS volume without volumeSize: the AMI's size is not in the records")
		}
		vt, _ := ebs["volumeType"].(string)
		if vt == "" {
			vt = "gp3"
		}
		if err := e.charge(r, fmt.Sprintf("EBS %s volume (%g GB × %g)", vt, size, n), size*n, "GB-month", "ebs."+vt, note...); err != nil {
			return err
		}
	}
	return nil
}

// ---- Security and management ----

// kmsKey prices a customer managed key and its requests
// (https://aws.amazon.com/kms/pricing/).
func (e *estimator) kmsKey(r *offline.Resource) error {
	assumption := ""
	if r.Bool("enableKeyRotation") {
		assumption = "KMS keys are priced as in their first year: each of the first two automatic rotations later adds a key-month charge (https://aws.amazon.com/kms/pricing/)."
	}
	if err := e.charge(r, "KMS customer managed key", 1, "key-month", "kms.key", assumption); err != nil {
		return err
	}
	n, text, err := e.usage("kms.requestsPerKey")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("KMS requests (%s)", quantity(n)), n/10000, "10,000 requests", "kms.requests", text)
}

// hostedZone prices a Route 53 hosted zone and its queries
// (https://aws.amazon.com/route53/pricing/).
func (e *estimator) hostedZone(r *offline.Resource) error {
	if err := e.charge(r, "Route 53 hosted zone", 1, "zone-month", "route53.zone", ""); err != nil {
		return err
	}
	q, text, err := e.usage("route53.queriesMillionsPerZone")
	if err != nil {
		return err
	}
	return e.charge(r, "Route 53 standard queries", q, "million queries", "route53.queries", text)
}

// metricAlarm prices an alarm per metric it evaluates: one, or each metric
// of its metric math, three for anomaly detection; high resolution when a
// period is under 60 s (https://aws.amazon.com/cloudwatch/pricing/).
func (e *estimator) metricAlarm(r *offline.Resource) error {
	metrics := 0
	periods := []float64{}
	if p, ok := num(r, "period"); ok {
		periods = append(periods, p)
	}
	for _, q := range r.List("metricQueries") {
		m, _ := q.(map[string]any)
		if metric, ok := m["metric"].(map[string]any); ok {
			metrics++
			if p, ok := number(metric["period"]); ok {
				periods = append(periods, p)
			}
		}
	}
	if metrics == 0 {
		metrics = 1
	}
	kind := "metric"
	if r.String("thresholdMetricId") != "" {
		metrics *= 3
		kind = "anomaly detection"
	}
	key, resolution := "cloudwatch.alarm.standard", "standard resolution"
	for _, p := range periods {
		if p > 0 && p < 60 {
			key, resolution = "cloudwatch.alarm.highres", "high resolution"
		}
	}
	return e.charge(r, fmt.Sprintf("CloudWatch %s alarm (%s, %s)", kind, plural(metrics, "metric"), resolution), float64(metrics), "alarm-metric-month", key, "")
}

// compositeAlarm prices a composite alarm.
func (e *estimator) compositeAlarm(r *offline.Resource) error {
	return e.charge(r, "CloudWatch composite alarm", 1, "alarm-month", "cloudwatch.alarm.composite", "")
}

// dashboard prices a CloudWatch dashboard.
func (e *estimator) dashboard(r *offline.Resource) error {
	return e.charge(r, "CloudWatch dashboard", 1, "dashboard-month", "cloudwatch.dashboard", "")
}

// logMetricFilter prices the custom metric a metric filter publishes.
func (e *estimator) logMetricFilter(r *offline.Resource) error {
	t := r.Get("metricTransformation")
	if l, ok := t.([]any); ok && len(l) > 0 {
		t = l[0]
	}
	if m, ok := t.(map[string]any); ok {
		if d, ok := m["dimensions"].(map[string]any); ok && len(d) > 0 {
			return errors.New("metric filter with dimensions publishes one metric per distinct value: count unknown")
		}
	}
	return e.charge(r, "custom metric of a log metric filter", 1, "metric-month", "cloudwatch.metric.custom",
		"A log metric filter without dimensions publishes one custom metric, billed all month.")
}

// logGroup prices a log group's ingestion (an assumption; a flow log's
// destination has its own) and its storage at steady state
// (https://aws.amazon.com/cloudwatch/pricing/).
func (e *estimator) logGroup(r *offline.Resource) error {
	usageKey := "logs.ingestGBPerGroup"
	if e.isFlowLogDestination(r) {
		usageKey = "logs.flowLogGBPerVpc"
	}
	gb, text, err := e.usage(usageKey)
	if err != nil {
		return err
	}
	key := "logs.ingest"
	switch class := r.String("logGroupClass"); class {
	case "", "STANDARD":
	case "INFREQUENT_ACCESS":
		key = "logs.ingest.infrequentAccess"
	default:
		return fmt.Errorf("logGroupClass %s is not priced", class)
	}
	if err := e.charge(r, "CloudWatch Logs ingestion", gb, "GB", key, text); err != nil {
		return err
	}
	maxMonths, capText, err := e.usage("logs.storedMonths")
	if err != nil {
		return err
	}
	months := maxMonths
	if days, ok := num(r, "retentionInDays"); ok && days > 0 {
		if m := days * 24 / e.hours(); m < months {
			months = m
		}
	}
	storeNote := "CloudWatch Logs storage at steady state: monthly ingestion × the months kept (retentionInDays, capped); AWS bills compressed bytes, so this is an upper bound."
	return e.charge(r, fmt.Sprintf("CloudWatch Logs storage (%g GB × %.1f months kept)", gb, months), gb*months, "GB-month", "logs.storage", text, capText, storeNote)
}

// isFlowLogDestination reports whether a VPC flow log delivers to the log
// group.
func (e *estimator) isFlowLogDestination(lg *offline.Resource) bool {
	name := lg.String("name")
	if name == "" {
		return false
	}
	for _, fl := range e.plan.Resources {
		if fl == nil || fl.Type != "aws:ec2/flowLog:FlowLog" {
			continue
		}
		dest := strings.TrimSuffix(fl.String("logDestination"), ":*")
		if fl.String("logGroupName") == name || strings.HasSuffix(dest, ":log-group:"+name) {
			return true
		}
	}
	return false
}

// secret prices a secret (and each replica) and its API calls
// (https://aws.amazon.com/secrets-manager/pricing/).
func (e *estimator) secret(r *offline.Resource) error {
	copies := 1 + len(r.List("replicas"))
	if err := e.charge(r, fmt.Sprintf("Secrets Manager secret (%d copies)", copies), float64(copies), "secret-month", "secretsmanager.secret", ""); err != nil {
		return err
	}
	n, text, err := e.usage("secrets.apiCallsPerSecret")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("Secrets Manager API calls (%s)", quantity(n)), n/10000, "10,000 API calls", "secretsmanager.api", text)
}

// ---- Serverless and messaging ----

// lambdaFunction prices requests, duration and X-Ray traces. Invocations
// come from the EventBridge Scheduler schedules that target the function
// (rate expressions), else from an assumption
// (https://aws.amazon.com/lambda/pricing/, https://aws.amazon.com/xray/pricing/).
func (e *estimator) lambdaFunction(r *offline.Resource) error {
	invocations, invText, err := e.lambdaInvocations(r)
	if err != nil {
		return err
	}
	memory, ok := num(r, "memorySize")
	if !ok {
		memory = 128 // the Lambda default
	}
	arch := "x86"
	for _, a := range r.Strings("architectures") {
		if a == "arm64" {
			arch = "arm64"
		}
	}
	if err := e.charge(r, fmt.Sprintf("Lambda requests (%s)", quantity(invocations)), invocations/1e6, "million requests", "lambda.requests", invText); err != nil {
		return err
	}
	ms, durText, err := e.usage("lambda.avgDurationMs")
	if err != nil {
		return err
	}
	gbSeconds := invocations * ms / 1000 * memory / 1024
	if err := e.charge(r, fmt.Sprintf("Lambda duration (%s, %g MB × %g ms × %s invocations)", arch, memory, ms, quantity(invocations)), gbSeconds, "GB-second", "lambda.duration."+arch, invText, durText); err != nil {
		return err
	}
	if r.String("tracingConfig.mode") == "Active" {
		frac, trText, err := e.usage("xray.tracedFraction")
		if err != nil {
			return err
		}
		if err := e.charge(r, "X-Ray traces recorded", invocations*frac/1e6, "million traces", "xray.traces", invText, trText); err != nil {
			return err
		}
	}
	if size, ok := num(r, "ephemeralStorage.size"); ok && size > 512 {
		return errors.New("ephemeral storage above 512 MB is not priced")
	}
	return nil
}

// lambdaInvocations returns a function's monthly invocations: derived from
// the schedules that target it, else assumed.
func (e *estimator) lambdaInvocations(fn *offline.Resource) (float64, string, error) {
	total, derived := 0.0, false
	for _, s := range e.plan.Resources {
		if s == nil || s.Type != "aws:scheduler/schedule:Schedule" {
			continue
		}
		if !namedAs(lambdaNameOf(s.String("target.arn")), fn) {
			continue
		}
		n, err := e.scheduleInvocations(s)
		if err != nil {
			return 0, "", err
		}
		total += n
		derived = true
	}
	if derived {
		return total, "", nil
	}
	return e.usage("lambda.invocationsPerFunction")
}

// lambdaNameOf returns the function name of a Lambda ARN
// ("arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]"), or "".
func lambdaNameOf(arn string) string {
	for _, sep := range []string{":function:", ":function/"} {
		if i := strings.LastIndex(arn, sep); i >= 0 {
			return strings.SplitN(arn[i+len(sep):], ":", 2)[0]
		}
	}
	return ""
}

var rateExpr = regexp.MustCompile(`^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$`)

// scheduleInvocations derives a schedule's monthly invocations from its rate
// expression.
func (e *estimator) scheduleInvocations(s *offline.Resource) (float64, error) {
	expr := s.String("scheduleExpression")
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("schedule %s: expression %q is not a rate: invocations not derived", s.Name, expr)
	}
	every, ok := number(m[1])
	if !ok || every <= 0 {
		return 0, fmt.Errorf("schedule %s: rate %q is not positive", s.Name, expr)
	}
	minutes := map[string]float64{"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}[m[2]]
	return e.hours() * 60 / (minutes * every), nil
}

// schedule prices an EventBridge Scheduler schedule's invocations
// (https://aws.amazon.com/eventbridge/pricing/).
func (e *estimator) schedule(r *offline.Resource) error {
	n, err := e.scheduleInvocations(r)
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("EventBridge Scheduler invocations (%s, %s)", quantity(n), r.String("scheduleExpression")), n/1e6, "million invocations", "scheduler.invocations", "")
}

// sqsQueue prices a queue's requests (https://aws.amazon.com/sqs/pricing/).
func (e *estimator) sqsQueue(r *offline.Resource) error {
	n, text, err := e.usage("sqs.requestsPerQueue")
	if err != nil {
		return err
	}
	key := "sqs.requests.standard"
	if r.Bool("fifoQueue") {
		key = "sqs.requests.fifo"
	}
	return e.charge(r, fmt.Sprintf("SQS requests (%s)", quantity(n)), n/1e6, "million requests", key, text)
}

// snsTopic prices a topic's publishes (https://aws.amazon.com/sns/pricing/).
func (e *estimator) snsTopic(r *offline.Resource) error {
	n, text, err := e.usage("sns.publishesPerTopic")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("SNS publishes (%s)", quantity(n)), n/1e6, "million requests", "sns.publish", text)
}

// snsSubscription prices deliveries: to Lambda and SQS they are free, to
// email and HTTP(S) priced per notification.
func (e *estimator) snsSubscription(r *offline.Resource) error {
	switch p := r.String("protocol"); p {
	case "lambda", "sqs", "firehose":
		e.assume("SNS deliveries to Lambda, SQS and Firehose subscriptions have no SNS charge.")
		return nil
	case "email", "email-json":
		n, text, err := e.usage("sns.emailsPerSubscription")
		if err != nil {
			return err
		}
		return e.charge(r, fmt.Sprintf("SNS email notifications (%s)", quantity(n)), n/100000, "100,000 notifications", "sns.email", text)
	case "http", "https":
		n, text, err := e.usage("sns.httpDeliveriesPerSubscription")
		if err != nil {
			return err
		}
		return e.charge(r, fmt.Sprintf("SNS HTTP(S) notifications (%s)", quantity(n)), n/1e6, "million notifications", "sns.http", text)
	default:
		return fmt.Errorf("SNS protocol %q is not priced", p)
	}
}

// ---- Storage ----

// s3Bucket prices a bucket's stored bytes (an assumption)
// (https://aws.amazon.com/s3/pricing/).
func (e *estimator) s3Bucket(r *offline.Resource) error {
	gb, text, err := e.usage("s3.storageGBPerBucket")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("S3 Standard storage (%g GB)", gb), gb, "GB-month", "s3.standard.storage", text)
}

// ecrRepository prices a repository's stored images (an assumption)
// (https://aws.amazon.com/ecr/pricing/).
func (e *estimator) ecrRepository(r *offline.Resource) error {
	gb, text, err := e.usage("ecr.storageGBPerRepository")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("ECR storage (%g GB)", gb), gb, "GB-month", "ecr.storage", text)
}

// ---- Edge ----

// cloudfrontDistribution prices a distribution's data transfer out and
// HTTPS requests, both assumptions (https://aws.amazon.com/cloudfront/pricing/).
func (e *estimator) cloudfrontDistribution(r *offline.Resource) error {
	region := fmt.Sprintf("CloudFront traffic is priced at the first-tier rates of the United States, Mexico and Canada edge locations (priceClass %s); traffic served elsewhere may cost more.", r.String("priceClass"))
	gb, t1, err := e.usage("cloudfront.dataTransferGBPerDistribution")
	if err != nil {
		return err
	}
	if err := e.charge(r, fmt.Sprintf("CloudFront data transfer out (%g GB)", gb), gb, "GB", "cloudfront.dataTransfer", t1, region); err != nil {
		return err
	}
	n, t2, err := e.usage("cloudfront.requestsPerDistribution")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("CloudFront HTTPS requests (%s)", quantity(n)), n/10000, "10,000 requests", "cloudfront.requests.https", t2, region)
}

// cloudfrontFunction prices a CloudFront Function run on every request of
// its distribution.
func (e *estimator) cloudfrontFunction(r *offline.Resource) error {
	n, text, err := e.usage("cloudfront.requestsPerDistribution")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("CloudFront Functions invocations (%s)", quantity(n)), n/1e6, "million invocations", "cloudfront.functions",
		text, "A CloudFront Function runs on every request of its distribution.")
}

// paidRuleGroups are the AWS managed rule groups with a fee of their own.
var paidRuleGroups = []string{"BotControl", "ATP", "ACFP", "AntiDDoS"}

// webACL prices a WAF web ACL, its rules and its requests
// (https://aws.amazon.com/waf/pricing/).
func (e *estimator) webACL(r *offline.Resource) error {
	if err := e.charge(r, "WAF web ACL", 1, "web ACL-month", "waf.webAcl", ""); err != nil {
		return err
	}
	aclRules := r.List("rules")
	if err := e.charge(r, fmt.Sprintf("WAF rules (%d)", len(aclRules)), float64(len(aclRules)), "rule-month", "waf.rule", ""); err != nil {
		return err
	}
	n, text, err := e.usage("waf.requestsPerAcl")
	if err != nil {
		return err
	}
	if err := e.charge(r, fmt.Sprintf("WAF requests (%s)", quantity(n)), n/1e6, "million requests", "waf.requests", text); err != nil {
		return err
	}
	e.assume("AWS managed rule groups without a fee of their own (Core rule set, IP reputation, known bad inputs, SQL database) cost only their rule.")
	for _, rule := range aclRules {
		m, _ := rule.(map[string]any)
		stmt, _ := m["statement"].(map[string]any)
		group := field(stmt["managedRuleGroupStatement"], "name")
		for _, paid := range paidRuleGroups {
			if strings.Contains(group, paid) {
				return fmt.Errorf("managed rule group %s has a fee of its own, not priced", group)
			}
		}
	}
	return nil
}

// configRecorder prices the configuration items a recorder records (an
// assumption) (https://aws.amazon.com/config/pricing/).
func (e *estimator) configRecorder(r *offline.Resource) error {
	n, text, err := e.usage("config.itemsPerRecorder")
	if err != nil {
		return err
	}
	key := "config.item.continuous"
	if r.String("recordingMode.recordingFrequency") == "DAILY" {
		key = "config.item.periodic"
	}
	return e.charge(r, fmt.Sprintf("AWS Config configuration items recorded (%s)", quantity(n)), n, "configuration item", key, text)
}

// configRule prices a rule's evaluations (an assumption).
func (e *estimator) configRule(r *offline.Resource) error {
	n, text, err := e.usage("config.evaluationsPerRule")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("AWS Config rule evaluations (%s)", quantity(n)), n, "rule evaluation", "config.evaluation", text)
}

// guardDuty prices a detector's analysis of CloudTrail management events and
// of VPC flow and DNS logs, both assumptions; the protection plans its
// features enable are billed on usage and assumed idle
// (https://aws.amazon.com/guardduty/pricing/).
func (e *estimator) guardDuty(r *offline.Resource) error {
	if r.Has("enable") && !r.Bool("enable") {
		return nil
	}
	if err := e.guardDutyAnalysis(r, ""); err != nil {
		return err
	}
	var features []string
	for _, f := range e.plan.Resources {
		if f == nil || f.Type != "aws:guardduty/detectorFeature:DetectorFeature" || f.String("status") != "ENABLED" {
			continue
		}
		if (r.ID != "" && f.String("detectorId") == r.ID) || f.Parent == r.Parent {
			features = append(features, f.String("name"))
		}
	}
	if len(features) > 0 {
		sort.Strings(features)
		e.assume(fmt.Sprintf("GuardDuty protection plans enabled on %s (%s) are billed on usage (scans, events, vCPUs) and assumed idle: not estimated.", r.Name, strings.Join(features, ", ")))
	}
	return nil
}

// guardDutyAnalysis charges GuardDuty's two analyses of an account, both
// on assumed volumes: CloudTrail management events, and VPC flow and DNS
// logs; suffix marks the items, assumptions are added to each.
func (e *estimator) guardDutyAnalysis(r *offline.Resource, suffix string, assumptions ...string) error {
	events, t1, err := e.usage("guardduty.cloudTrailEventsMillions")
	if err != nil {
		return err
	}
	if err := e.charge(r, "GuardDuty CloudTrail management event analysis"+suffix, events, "million events", "guardduty.cloudTrail", append([]string{t1}, assumptions...)...); err != nil {
		return err
	}
	gb, t2, err := e.usage("guardduty.flowDnsLogGB")
	if err != nil {
		return err
	}
	return e.charge(r, "GuardDuty VPC flow log and DNS log analysis"+suffix, gb, "GB", "guardduty.flowDns", append([]string{t2}, assumptions...)...)
}

// organizationMember prices, in an organization's member account (a
// SecurityBaseline without a detector of its own), what the delegated
// administrator enables there and AWS bills to the member: GuardDuty
// (auto-enable) and the security checks of the two standards of Security
// Hub's central configuration policy.
// Sources: https://aws.amazon.com/guardduty/pricing/, https://aws.amazon.com/security-hub/pricing/
func (e *estimator) organizationMember(r *offline.Resource) error {
	for _, d := range e.plan.Resources {
		if d != nil && d.Type == "aws:guardduty/detector:Detector" {
			return nil
		}
	}
	const why = "GuardDuty and Security Hub run in this account through the organization: the delegated administrator enables them (auto-enable, central configuration) and AWS bills the member."
	if err := e.guardDutyAnalysis(r, " (organization)", why); err != nil {
		return err
	}
	n, t3, err := e.usage("securityhub.checksPerStandard")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("Security Hub security checks of 2 standards (organization, %s each)", quantity(n)), 2*n, "security check", "securityhub.check", t3, why)
}

// securityHubStandard prices the security checks of an enabled standard (an
// assumption) (https://aws.amazon.com/security-hub/pricing/).
func (e *estimator) securityHubStandard(r *offline.Resource) error {
	n, text, err := e.usage("securityhub.checksPerStandard")
	if err != nil {
		return err
	}
	return e.charge(r, fmt.Sprintf("Security Hub security checks (%s)", quantity(n)), n, "security check", "securityhub.check", text)
}

// cloudTrail prices a trail of management events only: the first copy is
// free (https://aws.amazon.com/cloudtrail/pricing/); data events and
// Insights are not priced.
func (e *estimator) cloudTrail(r *offline.Resource) error {
	for _, s := range r.List("eventSelectors") {
		m, _ := s.(map[string]any)
		if d, ok := m["dataResources"].([]any); ok && len(d) > 0 {
			return errors.New("data events are not priced")
		}
	}
	if len(r.List("advancedEventSelectors")) > 0 || len(r.List("insightSelectors")) > 0 {
		return errors.New("advanced event selectors and Insights are not priced")
	}
	if r.Bool("isOrganizationTrail") {
		// Every account also has its own trail: the organization trail is
		// a second copy of every account's management events, which
		// CloudTrail bills.
		accounts, t1, err := e.usage("organization.accounts")
		if err != nil {
			return err
		}
		events, t2, err := e.usage("guardduty.cloudTrailEventsMillions")
		if err != nil {
			return err
		}
		n := (accounts - 1) * events * 10
		return e.charge(r, fmt.Sprintf("CloudTrail management events, organization trail's copy (%s accounts)", quantity(accounts-1)), n, "100,000 events",
			"cloudtrail.management.additionalCopy", t1, t2, "Each account but management has its own trail, its free first copy: the organization trail is a second, billed copy for those, and management's free first copy.")
	}
	return e.charge(r, "CloudTrail management events, first copy", 1, "trail-month", "cloudtrail.management.firstCopy",
		"Each account's trail is its first copy of management events, which CloudTrail delivers free; its delivery to CloudWatch Logs is priced with the log group, its S3 objects with the bucket.")
}

// accessAnalyzer: external access analyzers are free; unused access
// analyzers are billed per role and user analysed, not priced.
func (e *estimator) accessAnalyzer(r *offline.Resource) error {
	switch t := r.String("type"); t {
	case "", "ACCOUNT", "ORGANIZATION":
		e.assume("IAM Access Analyzer external access analyzers (ACCOUNT, ORGANIZATION) have no charge.")
		return nil
	default:
		return fmt.Errorf("analyzer type %s is billed per IAM role and user analysed: not priced", t)
	}
}
