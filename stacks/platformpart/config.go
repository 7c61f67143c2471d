package platformpart

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/components/loadbalancer"
	"github.com/refarch/refarch/components/registry"
	"github.com/refarch/refarch/components/validate"
	"github.com/refarch/refarch/stacks/stack"
	"github.com/refarch/refarch/workloads/apps/contract"
)

// Config configures the application platform: in an application
// stack the load balancers, the ECS cluster and its services; in
// shared-services the container registry they pull from.
type Config struct {
	// Services are the application's services (refarch:services), in an
	// application stack.
	Services []ServiceConfig
	// ECRRepositories are the registry's repositories
	// (refarch:ecrRepositories), declared once in Pulumi.yaml: shared-services
	// creates them, an application stack's images must name one.
	ECRRepositories []string
	// ReleaseImages pin repositories to images, by repository
	// (refarch:releaseImages): every service whose configured image names
	// the repository runs this one instead, whatever the repository's
	// release record (ReleaseParameter) holds. Each is
	// <repository>@sha256:<digest>. CI's previews set it in their checkout
	// to preview a release before it is recorded; committed to a stack
	// file it holds the repository there for every run, CI's included.
	ReleaseImages map[string]string
	// ECRKeepImages and ECRUntaggedDays are the repositories' lifecycle
	// (refarch:ecrKeepImages, refarch:ecrUntaggedDays; shared-services).
	ECRKeepImages, ECRUntaggedDays int
	// ECSExec enables ECS Exec on every service (refarch:ecsExec).
	ECSExec bool
	// FargateSpotWeight weighs Fargate Spot against on-demand Fargate
	// (refarch:fargateSpotWeight); 0 in prod.
	FargateSpotWeight int
	// SSLPolicy is the load balancers' TLS policy (refarch:albSslPolicy).
	SSLPolicy string
	// AccessLogDays keeps the load balancers' access logs
	// (refarch:albAccessLogDays).
	AccessLogDays int
}

// ServiceConfig is one entry of refarch:services: the component's own
// ecscluster.ServiceSpec (name, image, size, port, hosts, paths, health
// check, counts, targets, user, architecture, internetEgress,
// writableRootFilesystem; its
// documentation gives each default and rule) and the fields only configuration has, which the stack
// turns into the service's wiring.
type ServiceConfig struct {
	ecscluster.ServiceSpec
	// Public attaches the service to the public load balancer; otherwise
	// it sits behind the internal one. The internal service is reachable at
	// https://<private zone>/<name>/ unless Paths says otherwise.
	Public bool `json:"public"`
	// Environment are plain, non-secret variables.
	Environment map[string]string `json:"environment"`
	// Secrets map variables to the ARN of a Secrets Manager secret (with an
	// optional ":<json-key>::" suffix) or SSM parameter of this account.
	Secrets map[string]string `json:"secrets"`
	// DataAccess joins the data stores' client group and injects their
	// coordinates as plain variables (DB_HOST, DB_PORT, DB_NAME,
	// DB_READER_HOSTS with replicas, DB_USER, DB_CA_BUNDLE, AWS_REGION,
	// CACHE_ENDPOINT); the task role may log in to Postgres as DB_USER
	// (contract.AppRole) with an IAM token. The service never gets the
	// master user's secret: its migration job <stack>-<name>-migrate does,
	// as DB_USERNAME and DB_PASSWORD (wireData).
	DataAccess bool `json:"dataAccess"`
	// CallsInternal lets the service call the internal load balancer and
	// tells it where: INTERNAL_URL=https://<private zone>.
	CallsInternal bool `json:"callsInternal"`
	// ManagedSecrets are variables whose values live in secrets this stack
	// creates with the library's Secrets Manager pattern
	// (secret.Secret: encrypted with the account's secrets key,
	// a 30-day recovery window, protected where data is). Each is named
	// <stack>/<service>/<VARIABLE>; its value is set out of band
	// (aws secretsmanager put-secret-value), so it is never in the
	// configuration, the code or the Pulumi state.
	ManagedSecrets []string `json:"managedSecrets"`
}

// Limits of the platform configuration.
const (
	// MaxServices is the most services an application stack runs: the
	// reference architecture is proven (tests/platform_scale_test.go) at
	// this size, half an Application Load Balancer's 100 rules.
	MaxServices = 50
	// minProdTasks is the fewest tasks a prod service runs: one task is
	// one zone, and a deploy or a zone failure would take the service down.
	minProdTasks = 2
	// minProdAccessLogDays keeps prod's access logs a quarter.
	minProdAccessLogDays = 90
)

// The load balancer names services reach: listener keys of the cluster.
const (
	listenerPublic   = "public"
	listenerInternal = "internal"
)

// Variables the platform injects; a service may not set them itself.
var (
	envVariable   = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	dataVariables = []string{
		contract.EnvDBHost, contract.EnvDBPort, contract.EnvDBName, contract.EnvDBReaderHosts, contract.EnvDBUser,
		contract.EnvDBCABundle, contract.EnvAWSRegion, contract.EnvCacheEndpoint,
		// The migration job's, from the master user's secret.
		contract.EnvDBUsername, contract.EnvDBPassword,
	}
	internalVariables = []string{"INTERNAL_URL"}
)

// imageRef splits a configured image into repository and version.
var imageRef = regexp.MustCompile(`^([^:@]+)([:@].*)?$`)

// Load reads and validates the section; problems go to r. privateZone is
// the DNS section's private zone name (empty outside application stacks),
// where the internal load balancer answers.
func (s *Config) Load(r *stack.Reader, c *stack.Config, privateZone string) {
	if c.Role == stack.RoleSecurity {
		return
	}
	p := &r.Problems
	r.Object("ecrRepositories", true, &s.ECRRepositories)
	for i, repo := range s.ECRRepositories {
		key := fmt.Sprintf("%s[%d]", stack.Key("ecrRepositories"), i)
		p.Check(key, repo, registry.CheckRepositoryName(repo))
		if slices.Index(s.ECRRepositories, repo) < i {
			p.Add(key, repo, "is listed twice")
		}
	}
	if c.Role == stack.RoleSharedServices {
		s.ECRKeepImages = r.Int("ecrKeepImages", registry.DefaultKeepImages)
		s.ECRUntaggedDays = r.Int("ecrUntaggedDays", registry.DefaultUntaggedDays)
		p.Check(stack.Key("ecrKeepImages"), fmt.Sprint(s.ECRKeepImages), validate.CheckRange(s.ECRKeepImages, 1, 10000))
		p.Check(stack.Key("ecrUntaggedDays"), fmt.Sprint(s.ECRUntaggedDays), validate.CheckRange(s.ECRUntaggedDays, 1, 3650))
		return
	}

	s.ECSExec = r.Bool("ecsExec", true, false)
	s.FargateSpotWeight = r.Int("fargateSpotWeight", 0)
	s.SSLPolicy = r.Str("albSslPolicy")
	s.AccessLogDays = r.Int("albAccessLogDays", loadbalancer.DefaultAccessLogDays)
	servicesSet := r.Object("services", true, &s.Services)
	r.Object("releaseImages", true, &s.ReleaseImages)
	s.applyReleaseImages(p)

	p.Check(stack.Key("fargateSpotWeight"), fmt.Sprint(s.FargateSpotWeight), validate.CheckRange(s.FargateSpotWeight, 0, ecscluster.MaxSpotWeight))
	if c.IsProd() && s.FargateSpotWeight > 0 {
		p.Add(stack.Key("fargateSpotWeight"), fmt.Sprint(s.FargateSpotWeight), "must be 0 in prod: Fargate Spot tasks are reclaimed with two minutes' notice")
	}
	if s.SSLPolicy != "" && !slices.Contains(loadbalancer.ModernSSLPolicies, s.SSLPolicy) {
		p.Add(stack.Key("albSslPolicy"), s.SSLPolicy, "must be a predefined ALB policy refusing TLS before 1.2: one of "+strings.Join(loadbalancer.ModernSSLPolicies, ", "))
	}
	if rule := validate.CheckRange(s.AccessLogDays, 1, 3650); rule != "" {
		p.Add(stack.Key("albAccessLogDays"), fmt.Sprint(s.AccessLogDays), rule)
	} else if c.IsProd() && s.AccessLogDays < minProdAccessLogDays {
		p.Addf(stack.Key("albAccessLogDays"), fmt.Sprint(s.AccessLogDays), "must be at least %d in prod: an incident investigation looks back a quarter", minProdAccessLogDays)
	}
	if privateZone != "" && strings.Count(strings.TrimSuffix(privateZone, "."+c.EnvDomain()), ".") > 0 {
		p.Addf(stack.Key("dnsPrivateZonePrefix"), strings.TrimSuffix(privateZone, "."+c.EnvDomain()),
			"must be a single label: the internal load balancer answers at %s with the environment's certificate, which covers one label below %s only",
			privateZone, c.EnvDomain())
	}
	if servicesSet {
		s.checkServices(p, c)
	}
	if s.ECSExec {
		// The component's rule: ECS Exec needs every service's root
		// filesystem writable (AWS does not support it read-only).
		args := &ecscluster.EcsClusterArgs{ExecuteCommand: true, Services: s.clusterServices(c)}
		stack.RecordComponentProblems(p, args.Validate(), stack.ByField(map[string]string{"Args.ExecuteCommand": "ecsExec"}))
	}
}

// releaseImage is what refarch:releaseImages accepts: a repository pinned by
// digest, the form `ko build --bare` prints (without the registry).
var releaseImage = regexp.MustCompile(`^([a-z0-9]+(?:[._/-][a-z0-9]+)*)@sha256:[0-9a-f]{64}$`)

// applyReleaseImages checks refarch:releaseImages and puts each image in
// place of the configured image of every service of its repository.
func (s *Config) applyReleaseImages(p *validate.Problems) {
	for _, repo := range slices.Sorted(maps.Keys(s.ReleaseImages)) {
		image := s.ReleaseImages[repo]
		key := stack.Key("releaseImages") + "." + repo
		if !slices.Contains(s.ECRRepositories, repo) {
			p.Addf(key, image, "names no repository of %s %v", stack.Key("ecrRepositories"), s.ECRRepositories)
			continue
		}
		if m := releaseImage.FindStringSubmatch(image); m == nil || m[1] != repo {
			p.Add(key, image, "must be "+repo+"@sha256:<64 hex digits>: a release is pinned by digest, in its own repository")
			continue
		}
		for i := range s.Services {
			if m := imageRef.FindStringSubmatch(s.Services[i].Image); m != nil && m[1] == repo {
				s.Services[i].Image = image
			}
		}
	}
}

// checkServices applies the component's rules to the configured services
// (reported by key) and the stack's own: images from the registry, hosts
// the certificate covers, secrets of this account, and prod's floor of
// two tasks.
func (s *Config) checkServices(p *validate.Problems, c *stack.Config) {
	key := func(i int, field string) string { return fmt.Sprintf("%s[%d].%s", stack.Key("services"), i, field) }
	if len(s.Services) > MaxServices {
		p.Addf(stack.Key("services"), fmt.Sprintf("%d services", len(s.Services)), "lists more than %d services", MaxServices)
	}
	for i, svc := range s.Services {
		m := imageRef.FindStringSubmatch(svc.Image)
		if m != nil && svc.Image != "" && !slices.Contains(s.ECRRepositories, m[1]) {
			p.Addf(key(i, "image"), svc.Image, "must name a repository of %s %v: images come from the shared-services registry",
				stack.Key("ecrRepositories"), s.ECRRepositories)
		}
		if c.IsProd() && svc.Image != "" && !strings.Contains(svc.Image, "@sha256:") {
			p.Addf(key(i, "image"), svc.Image, "must be pinned by digest in prod (<repository>@sha256:<digest>, or %s): a tag can be pushed again, a digest names one image",
				stack.Key("releaseImages"))
		}
		for j, h := range svc.Hosts {
			switch {
			case !svc.Public:
				p.Add(key(i, fmt.Sprintf("hosts[%d]", j)), h, "applies to public services only: the internal load balancer answers one name")
			case h != c.EnvDomain() && !isLabelBelow(h, c.EnvDomain()):
				p.Addf(key(i, fmt.Sprintf("hosts[%d]", j)), h, "must be %s or one label below it: the load balancer's certificate covers those only", c.EnvDomain())
			}
		}
		for _, name := range slices.Sorted(maps.Keys(svc.Secrets)) {
			arn := svc.Secrets[name]
			if _, _, err := ecscluster.SecretResource(arn); err != nil {
				p.Add(key(i, "secrets."+name), arn, "must be the ARN of a Secrets Manager secret or SSM parameter: secrets are injected by reference, never as values")
			} else if parts := strings.Split(arn, ":"); parts[4] != c.AccountID || parts[3] != c.Region {
				p.Addf(key(i, "secrets."+name), arn, "must be in this stack's account and region (%s, %s)", c.AccountID, c.Region)
			}
		}
		for j, v := range svc.ManagedSecrets {
			field := key(i, fmt.Sprintf("managedSecrets[%d]", j))
			switch {
			case !envVariable.MatchString(v):
				p.Add(field, v, "must be an environment variable name (upper case letters, digits and _)")
			case slices.Contains(svc.ManagedSecrets[:j], v):
				p.Add(field, v, "is listed twice")
			case svc.Environment[v] != "" || svc.Secrets[v] != "":
				p.Add(field, v, "is also set in environment or secrets: a variable has one source")
			case slices.Contains(dataVariables, v) || slices.Contains(internalVariables, v):
				p.Add(field, v, "is a variable the platform sets")
			}
		}
		reserved := map[string][]string{"dataAccess": nil, "callsInternal": nil}
		if svc.DataAccess {
			reserved["dataAccess"] = dataVariables
		}
		if svc.CallsInternal {
			reserved["callsInternal"] = internalVariables
		}
		for flag, vars := range reserved {
			for _, v := range vars {
				if _, set := svc.Environment[v]; set {
					p.Addf(key(i, "environment."+v), v, "is set by the platform for a service with %s", flag)
				}
				if _, set := svc.Secrets[v]; set {
					p.Addf(key(i, "secrets."+v), v, "is set by the platform for a service with %s", flag)
				}
			}
		}
		if c.IsProd() && svc.TargetProtocol == "HTTP" {
			p.Add(key(i, "targetProtocol"), svc.TargetProtocol, "must be HTTPS in prod: the hop from the load balancer to the task carries the same data as the one before it")
		}
		if c.IsProd() {
			minCount, desired := svc.MinCount, svc.DesiredCount
			if minCount == 0 {
				minCount = ecscluster.DefaultMinCount
			}
			if minCount < minProdTasks {
				p.Addf(key(i, "minCount"), fmt.Sprint(minCount), "must be at least %d in prod: a single task is a single zone, and a deploy or a zone failure takes the service down", minProdTasks)
			}
			if desired != 0 && desired < minProdTasks {
				p.Addf(key(i, "desiredCount"), fmt.Sprint(desired), "must be at least %d in prod", minProdTasks)
			}
		}
	}
	for _, prob := range ecscluster.CheckServices(c.Stack, s.clusterServices(c), []string{listenerInternal, listenerPublic}, c.Stack == "dev") {
		if prob.Index < 0 {
			p.Add(stack.Key("services"), prob.Value, prob.Rule)
			continue
		}
		value := prob.Value
		if prob.Field == "Image" {
			value = s.Services[prob.Index].Image // as written, not as resolved
		}
		p.Add(key(prob.Index, configPath(prob.Field)), value, prob.Rule)
	}
}

// clusterServices are the configured services as the component sees them,
// for validation: plain fields only (the stack adds the wiring).
func (s *Config) clusterServices(c *stack.Config) []ecscluster.Service {
	out := make([]ecscluster.Service, len(s.Services))
	for i, svc := range s.Services {
		out[i] = svc.component(c)
	}
	return out
}

// component returns the service as configured as an ecscluster.Service; the
// stack adds the wiring (data stores, internal calls).
func (svc *ServiceConfig) component(c *stack.Config) ecscluster.Service {
	listener := listenerInternal
	if svc.Public {
		listener = listenerPublic
	}
	env, secrets := map[string]pulumi.StringInput{}, map[string]pulumi.StringInput{}
	for k, v := range svc.Environment {
		env[k] = pulumi.String(v)
	}
	for k, v := range svc.Secrets {
		secrets[k] = pulumi.String(v)
	}
	spec := svc.ServiceSpec
	// The configured image names a repository of the shared-services
	// registry; the component gets its URL.
	spec.Image = ImageURL(c, svc.Image)
	return ecscluster.Service{ServiceSpec: spec, Listener: listener, Environment: env, Secrets: secrets}
}

// ImageURL resolves a configured image ("web:1.4.2") to its URL in the
// shared-services registry. The registry's URL is derived, not read through
// a stack reference: ECR URLs are <account>.dkr.ecr.<region>.<suffix>/<name>
// (Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html),
// the account comes from the directory (refarch:accounts), and
// shared-services shares the application stacks' region, as its delegate
// provider already assumes (providers.go). The image is then known at
// preview, and a misspelt repository is a configuration error before
// anything is registered rather than a failed deploy.
func ImageURL(c *stack.Config, image string) string {
	suffix := "amazonaws.com"
	if c.Partition == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return fmt.Sprintf("%s.dkr.ecr.%s.%s/%s", c.Accounts["shared-services"].ID, c.Region, suffix, image)
}

// isLabelBelow reports whether name is exactly one DNS label below zone.
func isLabelBelow(name, zone string) bool {
	label, ok := strings.CutSuffix(name, "."+zone)
	return ok && label != "" && !strings.Contains(label, ".") && label != "*"
}

// configPath turns a component field path ("HealthCheck.Interval",
// "Paths[1]", "Environment[API_TOKEN]", "Listener") into the
// configuration's ("healthCheck.interval", "paths[1]",
// "environment.API_TOKEN", "public").
func configPath(field string) string {
	if field == "Listener" {
		return "public"
	}
	parts := strings.Split(field, ".")
	for i, part := range parts {
		name, index, _ := strings.Cut(part, "[")
		parts[i] = lowerCamel(name)
		index = strings.TrimSuffix(index, "]")
		switch _, err := strconv.Atoi(index); {
		case index == "":
		case err == nil:
			parts[i] += "[" + index + "]"
		default: // a map key: environment.DB_HOST
			parts[i] += "." + index
		}
	}
	return strings.Join(parts, ".")
}

// lowerCamel lower-cases an exported Go name's leading initialism or
// letter: CPU → cpu, CPUTarget → cpuTarget, MinCount → minCount.
func lowerCamel(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	if n > 1 && n < len(r) {
		n-- // the last capital starts the next word
	}
	for i := range n {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// Keys are the keys this part reads.
var Keys = []stack.KeyDoc{
	{Name: "releaseImages", Part: "stacks/platformpart", Feeds: "the image of every service of each repository (ecscluster.ServiceSpec.Image), in place of the repository's release record (SSM /refarch/release/<repository> in the stack's account) and of refarch:services' image", Rule: "repositories of ecrRepositories, each <repository>@sha256:<64 hex digits>; application stacks only"},
	{Name: "services", Part: "stacks/platformpart", Feeds: "components/ecscluster (Args.Services); the load balancers' rules", Rule: "at most 50 services, each valid for the component (names, sizes, paths, counts, health check); images from ecrRepositories; hosts <stack>.<domain> or one label below; secrets of this account and region; at least 2 tasks in prod; targetProtocol HTTPS (the default) or HTTP, HTTPS in prod; internetEgress (default false: HTTPS to the VPC's endpoints and what the service is wired to only; without interfaceEndpoints every service needs it to start); writableRootFilesystem (default false: a read-only root filesystem; ecsExec needs it true); only the fields of ServiceConfig"},
	{Name: "ecrRepositories", Part: "stacks/platformpart", Feeds: "components/registry (Args.Repositories) in shared-services; the images services may name", Rule: "ECR repository names, each listed once"},
	{Name: "ecrKeepImages", Part: "stacks/platformpart", Feeds: "components/registry (Args.KeepImages)", Rule: "1-10000; shared-services only"},
	{Name: "ecrUntaggedDays", Part: "stacks/platformpart", Feeds: "components/registry (Args.UntaggedDays)", Rule: "1-3650; shared-services only"},
	{Name: "ecsExec", Part: "stacks/platformpart", Feeds: "components/ecscluster (Args.ExecuteCommand)", Rule: "true or false; true only when every service sets writableRootFilesystem (ECS Exec is not supported with a read-only root filesystem: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html)"},
	{Name: "fargateSpotWeight", Part: "stacks/platformpart", Feeds: "components/ecscluster (Args.SpotWeight)", Rule: "0-1000; 0 in prod"},
	{Name: "albSslPolicy", Part: "stacks/platformpart", Feeds: "components/loadbalancer (Args.SSLPolicy) of both load balancers", Rule: "a predefined ALB policy refusing TLS before 1.2"},
	{Name: "albAccessLogDays", Part: "stacks/platformpart", Feeds: "components/loadbalancer (Args.AccessLogDays)", Rule: "1-3650; at least 90 in prod"},
}

// SecretServices are the services with generated secrets
// (ManagedSecrets), which the secret rotator may rotate.
func (s *Config) SecretServices() []string {
	var out []string
	for _, svc := range s.Services {
		if len(svc.ManagedSecrets) > 0 {
			out = append(out, svc.Name)
		}
	}
	return out
}
