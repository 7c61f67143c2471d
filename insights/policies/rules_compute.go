package policies

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/refarch/refarch/offline"
)

// Compute and function rules: ECS on Fargate and Lambda. FSBP controls:
// https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html,
// https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html.

const (
	typeCluster         = "aws:ecs/cluster:Cluster"
	typeService         = "aws:ecs/service:Service"
	typeTaskDefinition  = "aws:ecs/taskDefinition:TaskDefinition"
	typeFunction        = "aws:lambda/function:Function"
	typePermission      = "aws:lambda/permission:Permission"
	typeEventInvokeConf = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
)

// container is the part of an ECS container definition the rules read.
type container struct {
	Name                   string `json:"name"`
	Image                  string `json:"image"`
	User                   string `json:"user"`
	Privileged             bool   `json:"privileged"`
	ReadonlyRootFilesystem bool   `json:"readonlyRootFilesystem"`
	Environment            []struct {
		Name string `json:"name"`
	} `json:"environment"`
	LogConfiguration *struct {
		LogDriver string `json:"logDriver"`
	} `json:"logConfiguration"`
}

// containers parses a task definition's containers; ok is false when a
// preview does not know them yet.
func containers(r *offline.Resource) ([]container, bool) {
	raw, isString := r.Get("containerDefinitions").(string)
	if !isString {
		return nil, false
	}
	if cts, ok := parsedContainers.get(raw); ok {
		return cts.([]container), true
	}
	var out []container
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, false
	}
	parsedContainers.put(raw, out)
	return out, true
}

// eachContainer judges every container of every task definition.
func eachContainer(c *Checker, judge func(ct container) string) {
	c.Each(func(r *offline.Resource) string {
		cts, ok := containers(r)
		if !ok {
			return ""
		}
		for _, ct := range cts {
			if msg := judge(ct); msg != "" {
				return fmt.Sprintf("container %s: %s", ct.Name, msg)
			}
		}
		return ""
	}, typeTaskDefinition)
}

// credentialVariables are the environment names ECS.8 flags.
var credentialVariables = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"}

// supportedRuntimes are the Lambda runtimes FSBP Lambda.2 accepts that this
// program may use (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
var supportedRuntimes = []string{"provided.al2023", "provided.al2", "python3.13", "python3.12", "nodejs22.x", "nodejs20.x", "java21"}

var computeRules = []*Rule{
	{
		ID: "ecs-no-public-ip", Area: Compute, Severity: High,
		Title:    "ECS services never assign public IPs to their tasks",
		Controls: []string{"FSBP ECS.2"},
		Reason:   "tasks run in private subnets behind the load balancers",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(!r.Bool("networkConfiguration.assignPublicIp"), "assignPublicIp is true")
			}, typeService)
		},
	},
	{
		ID: "ecs-awsvpc-non-root", Area: Compute, Severity: High,
		Title:    "Task definitions use awsvpc networking and run every container as a non-root user",
		Controls: []string{"FSBP ECS.1"},
		Reason:   "each task gets its own security group; a compromised process is not root",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				if r.String("networkMode") != "awsvpc" {
					return "networkMode is " + r.String("networkMode")
				}
				cts, ok := containers(r)
				if !ok {
					return ""
				}
				for _, ct := range cts {
					if u := strings.SplitN(ct.User, ":", 2)[0]; u == "" || u == "0" || u == "root" {
						return fmt.Sprintf("container %s runs as root", ct.Name)
					}
				}
				return ""
			}, typeTaskDefinition)
		},
	},
	{
		ID: "ecs-no-host-pid", Area: Compute, Severity: High,
		Title:    "Task definitions do not share the host's process namespace",
		Controls: []string{"FSBP ECS.3"},
		Reason:   "containers cannot see or signal each other's processes",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string { return unless(r.String("pidMode") != "host", "pidMode is host") }, typeTaskDefinition)
		},
	},
	{
		ID: "ecs-not-privileged", Area: Compute, Severity: Critical,
		Title:    "No container is privileged",
		Controls: []string{"FSBP ECS.4"},
		Reason:   "a privileged container is root on the host",
		Check: func(c *Checker) {
			eachContainer(c, func(ct container) string { return unless(!ct.Privileged, "privileged") })
		},
	},
	{
		ID: "ecs-read-only-root", Area: Compute, Severity: Medium,
		Title:    "Every container's root file system is read-only",
		Controls: []string{"FSBP ECS.5"},
		Reason:   "an attacker cannot modify the image's files; scratch space is a mounted volume",
		Check: func(c *Checker) {
			eachContainer(c, func(ct container) string {
				return unless(ct.ReadonlyRootFilesystem, "the root file system is writable")
			})
		},
	},
	{
		ID: "ecs-no-credentials-in-environment", Area: Compute, Severity: High,
		Title:    "No container receives AWS credentials in plain environment variables",
		Controls: []string{"FSBP ECS.8"},
		Reason:   "secrets come from Secrets Manager through the task definition's secrets",
		Check: func(c *Checker) {
			eachContainer(c, func(ct container) string {
				for _, e := range ct.Environment {
					if slices.Contains(credentialVariables, e.Name) {
						return e.Name + " in the environment"
					}
				}
				return ""
			})
		},
	},
	{
		ID: "ecs-container-logging", Area: Compute, Severity: Medium,
		Title:    "Every container has a log configuration",
		Controls: []string{"FSBP ECS.9"},
		Reason:   "a task's output outlives the task",
		Check: func(c *Checker) {
			eachContainer(c, func(ct container) string {
				return unless(ct.LogConfiguration != nil && ct.LogConfiguration.LogDriver != "", "no log configuration")
			})
		},
	},
	{
		ID: "ecs-container-insights", Area: Compute, Severity: Low,
		Title:    "Clusters have Container Insights",
		Controls: []string{"FSBP ECS.12"},
		Reason:   "per-task CPU and memory metrics for the alarms and dashboards",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				for i := range r.List("settings") {
					p := fmt.Sprintf("settings[%d].", i)
					if r.String(p+"name") == "containerInsights" && (r.String(p+"value") == "enabled" || r.String(p+"value") == "enhanced") {
						return ""
					}
				}
				return "Container Insights is off"
			}, typeCluster)
		},
	},
	{
		ID: "ecs-deployment-rollback", Area: Compute, Severity: Medium,
		Title:    "Services roll back a failing deployment (circuit breaker with rollback)",
		Controls: []string{"refarch"},
		Reason: "a bad release never replaces a good one " +
			"(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html)",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(r.Bool("deploymentCircuitBreaker.enable") && r.Bool("deploymentCircuitBreaker.rollback"),
					"no deployment circuit breaker with rollback")
			}, typeService)
		},
	},
	{
		ID: "ecs-exec-disabled", Area: Compute, Severity: Medium,
		Title:        "Services disable ECS Exec: no shell into running tasks",
		Controls:     []string{"refarch"},
		Reason:       "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html",
		Environments: "dev may enable ECS Exec for debugging (refarch:ecsExec)",
		SkipIn:       []string{"dev"},
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				return unless(!r.Bool("enableExecuteCommand"), "ECS Exec is enabled")
			}, typeService)
		},
	},
	{
		ID: "ecs-images-pinned-by-digest", Area: Compute, Severity: High,
		Title:        "prod runs images pinned by digest",
		Controls:     []string{"refarch"},
		Reason:       "what was reviewed and scanned is what runs; a tag can move",
		Environments: "prod only: dev and stage may run a tag",
		SkipIn:       []string{"dev", "stage", "security", "shared-services"},
		Check: func(c *Checker) {
			eachContainer(c, func(ct container) string {
				return unless(strings.Contains(ct.Image, "@sha256:"), "image "+ct.Image+" is not pinned by digest")
			})
		},
	},
}

var functionRules = []*Rule{
	{
		ID: "lambda-supported-runtime", Area: Functions, Severity: Medium,
		Title:    "Functions use a supported runtime",
		Controls: []string{"FSBP Lambda.2"},
		Reason:   "a deprecated runtime gets no security fixes",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				rt := r.String("runtime")
				return unless(rt == "" && r.String("packageType") == "Image" || slices.Contains(supportedRuntimes, rt), "runtime "+rt)
			}, typeFunction)
		},
	},
	{
		ID: "lambda-permission-scoped", Area: Functions, Severity: Critical,
		Title:    "Function permissions name a service and the source ARN and account that may invoke",
		Controls: []string{"FSBP Lambda.1"},
		Reason:   "a function policy never admits the public or a service on behalf of another account (confused deputy)",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				p := r.String("principal")
				switch {
				case p == "*":
					return "the principal is *"
				case strings.HasSuffix(p, ".amazonaws.com") && (!set(r.Get("sourceArn")) || !set(r.Get("sourceAccount"))):
					return "a service principal without sourceArn and sourceAccount"
				}
				return ""
			}, typePermission)
		},
	},
	{
		ID: "lambda-failures-kept", Area: Functions, Severity: Medium,
		Title:    "Every function keeps what it failed on (a dead-letter queue) and logs JSON to its own log group",
		Controls: []string{"refarch"},
		Reason:   "an event that failed its retries is kept for a replay, and each invocation's log is found",
		Check: func(c *Checker) {
			c.Each(func(r *offline.Resource) string {
				switch {
				case !set(r.Get("deadLetterConfig.targetArn")):
					return "no dead-letter queue"
				case !set(r.Get("loggingConfig.logGroup")):
					return "no log group of its own"
				}
				return ""
			}, typeFunction)
		},
	},
}
