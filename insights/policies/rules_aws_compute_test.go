package policies

import (
	"encoding/json"

	"github.com/refarch/refarch/offline"
)

// The records of the compute cases: a prod service "web" in cluster
// prod-1, its task definition, roles and target group.
const (
	cmpTaskARN      = "arn:aws:ecs:us-west-2:555555555555:task-definition/web:1"
	cmpClusterARN   = "arn:aws:ecs:us-west-2:555555555555:cluster/prod-1"
	cmpExecRoleARN  = "arn:aws:iam::555555555555:role/web-exec"
	cmpTaskRoleARN  = "arn:aws:iam::555555555555:role/web-task"
	cmpTargetGroup  = "arn:aws:elasticloadbalancing:us-west-2:555555555555:targetgroup/web-1/fedcba9876543210"
	cmpSessionKey   = "arn:aws:kms:us-west-2:555555555555:key/session"
	cmpSharedImage  = "222222222222.dkr.ecr.us-west-2.amazonaws.com/web:1.0.0"
	cmpAgentPull    = `{"Sid":"PullGuardDutyAgent","Effect":"Allow","Action":["ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"],"Resource":["arn:aws:ecr:us-west-2:*:repository/aws-guardduty-agent-fargate"]}`
	cmpOwnPull      = `{"Sid":"PullImage","Effect":"Allow","Action":["ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"],"Resource":["arn:aws:ecr:us-west-2:222222222222:repository/web"]}`
	cmpRegistryAuth = `{"Sid":"RegistryLogin","Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":["*"]}`
	cmpChannels     = `{"Sid":"SessionChannels","Effect":"Allow","Action":["ssmmessages:CreateControlChannel","ssmmessages:CreateDataChannel","ssmmessages:OpenControlChannel","ssmmessages:OpenDataChannel"],"Resource":["*"]}`
	cmpSessionKeyOK = `{"Sid":"SessionKey","Effect":"Allow","Action":["kms:Decrypt"],"Resource":["` + cmpSessionKey + `"]}`
)

// cmpOut sets a hand-made record's outputs (what the mock computed).
func cmpOut(r *offline.Resource, outputs in) *offline.Resource {
	r.Outputs = outputs
	return r
}

// cmpAfter makes r depend on deps.
func cmpAfter(r *offline.Resource, deps ...*offline.Resource) *offline.Resource {
	for _, d := range deps {
		r.DependsOn = append(r.DependsOn, d.URN)
	}
	return r
}

// cmpContainers is a container definitions document.
func cmpContainers(cts ...in) string {
	b, err := json.Marshal(cts)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// cmpContainer is the web container: non-root, read-only root.
func cmpContainer(extra in) in {
	c := in{"name": "web", "image": cmpSharedImage, "user": "1000:1000", "readonlyRootFilesystem": true, "stopTimeout": 30, "mountPoints": []any{}}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// cmpTask is web's task definition, with its containers and extra inputs.
func cmpTask(containers string, extra in) *offline.Resource {
	i := in{"requiresCompatibilities": []any{"FARGATE"}, "networkMode": "awsvpc", "cpu": "256", "memory": "512",
		"executionRoleArn": cmpExecRoleARN, "taskRoleArn": cmpTaskRoleARN, "containerDefinitions": containers,
		"runtimePlatform": in{"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}}
	for k, v := range extra {
		i[k] = v
	}
	return cmpOut(res(typeTaskDefinition, "web", i), in{"arn": cmpTaskARN})
}

// cmpService is the web service, with extra inputs.
func cmpService(extra in) *offline.Resource {
	i := in{"cluster": cmpClusterARN, "taskDefinition": cmpTaskARN, "platformVersion": "LATEST",
		"networkConfiguration":       in{"securityGroups": []any{"sg-web"}},
		"capacityProviderStrategies": []any{in{"capacityProvider": "FARGATE", "base": 1, "weight": 1}},
		"loadBalancers":              []any{in{"targetGroupArn": cmpTargetGroup, "containerName": "web", "containerPort": 8080}}}
	for k, v := range extra {
		i[k] = v
	}
	return cmpOut(res(typeService, "web", i), in{"name": "web-1"})
}

// cmpRole is a role with its ARN and its one inline policy.
func cmpRole(name, arn string, statements ...string) []*offline.Resource {
	role := cmpOut(res(typeRole, name, in{}), in{"arn": arn})
	return one(role, res(typeRolePolicy, name, in{"role": role.ID, "policy": policy(statements...)}))
}

// cmpRuntime is GuardDuty's RUNTIME_MONITORING feature with its Fargate
// agent management enabled.
func cmpRuntime() *offline.Resource {
	return res(typeDetectorFeature, "runtime-monitoring", in{"name": "RUNTIME_MONITORING", "status": "ENABLED",
		"additionalConfigurations": []any{in{"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "ENABLED"}}})
}

// cmpEgress is an HTTPS egress rule of the web group to cidr.
func cmpEgress(cidr string) *offline.Resource {
	return res(typeSGEgressRule, "web-out", in{"securityGroupId": "sg-web", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": cidr})
}

// cmpLifecycle is a lifecycle policy of rules (priority, tagStatus).
func cmpLifecycle(rules ...in) *offline.Resource {
	b, err := json.Marshal(in{"rules": rules})
	if err != nil {
		panic(err)
	}
	return res(typeECRLifecyclePolicy, "web", in{"repository": "web", "policy": string(b)})
}

// cmpShared is shared-services' web repository, its policy letting
// account pull.
func cmpShared(account string) map[string][]*offline.Resource {
	repo := cmpOut(res(typeRepository, "ecr-web", in{"name": "web"}), in{"arn": "arn:aws:ecr:us-west-2:222222222222:repository/web"})
	pull := `{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + account + `:root"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}`
	return map[string][]*offline.Resource{"shared-services": one(repo, res(typeRepoPolicy, "ecr-web", in{"repository": "web", "policy": policy(pull)}))}
}

// awsComputeCases are the compliant and violating records of awsComputeRules.
func awsComputeCases() map[string]ruleCase {
	task := cmpTask(cmpContainers(cmpContainer(nil)), nil)
	execRole := func(statements ...string) []*offline.Resource {
		return cmpRole("web-exec", cmpExecRoleARN, statements...)
	}
	vpc := res(typeAwsxVpc, "prod", in{"cidrBlock": "10.30.0.0/16"})
	capacity := res(typeECSCapacity, "prod", in{"clusterName": "prod-1", "capacityProviders": []any{"FARGATE", "FARGATE_SPOT"}})
	target := res(typeScalableTarget, "web", in{"resourceId": "service/prod-1/web-1", "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs"})
	scaling := func(label string) *offline.Resource {
		return res(typeScalingPolicy, "web-requests", in{"resourceId": "service/prod-1/web-1", "scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs",
			"targetTrackingScalingPolicyConfiguration": in{"predefinedMetricSpecification": in{"predefinedMetricType": "ALBRequestCountPerTarget", "resourceLabel": label}}})
	}
	targetGroup := func(targetType string) *offline.Resource {
		return cmpOut(res(typeLBTargetGroup, "web", in{"targetType": targetType}), in{"arn": cmpTargetGroup})
	}
	cluster := cmpOut(res(typeCluster, "prod", in{"configuration": in{"executeCommandConfiguration": in{"kmsKeyId": cmpSessionKey, "logging": "OVERRIDE",
		"logConfiguration": in{"cloudWatchEncryptionEnabled": true, "cloudWatchLogGroupName": "/ecs/prod/exec/1"}}}}), in{"arn": cmpClusterARN})
	execLogs := func(key string) *offline.Resource {
		i := in{"namePrefix": "/ecs/prod/exec/"}
		if key != "" {
			i["kmsKeyId"] = key
		}
		return cmpOut(res(typeLogGroup, "prod-exec", i), in{"name": "/ecs/prod/exec/1"})
	}
	execOn := cmpService(in{"enableExecuteCommand": true})
	writable := cmpTask(cmpContainers(cmpContainer(in{"readonlyRootFilesystem": false})), nil)
	scratch := func(readonlyRoot bool) *offline.Resource {
		return cmpTask(cmpContainers(cmpContainer(in{"readonlyRootFilesystem": readonlyRoot,
			"mountPoints": []any{in{"sourceVolume": "tmp-0", "containerPath": "/tmp", "readOnly": false}}})),
			in{"volumes": []any{in{"name": "tmp-0"}}})
	}
	sharedTask := cat(one(task), execRole(cmpOwnPull, cmpRegistryAuth))

	return map[string]ruleCase{
		"gd-fargate-execution-role-pulls-agent-image": {
			good: cat(one(cmpRuntime(), task), execRole(cmpOwnPull, cmpAgentPull, cmpRegistryAuth)),
			bad:  cat(one(cmpRuntime(), task), execRole(cmpOwnPull, cmpRegistryAuth)),
		},
		"gd-fargate-agent-reaches-guardduty-endpoint": {
			good: one(cmpRuntime(), vpc, cmpService(nil), cmpEgress("10.30.0.0/16")),
			bad:  one(cmpRuntime(), vpc, cmpService(nil), cmpEgress("10.30.0.0/20")),
		},
		"gd-fargate-service-after-runtime-monitoring": {
			good: func() []*offline.Resource {
				f := cmpRuntime()
				return one(f, cmpAfter(cmpService(nil), f))
			}(),
			bad: one(cmpRuntime(), cmpService(nil)),
		},
		"ecs-exec-not-with-read-only-root": {
			good: one(execOn, writable),
			bad:  one(execOn, task),
		},
		"fargate-scratch-volume-writable-by-user": {
			good: one(scratch(false)),
			bad:  one(scratch(true)),
		},
		"ecs-service-after-capacity-providers": {
			good: one(capacity, cmpAfter(cmpService(nil), capacity)),
			bad:  one(capacity, cmpService(nil)),
		},
		"appautoscaling-policy-after-target": {
			good: one(target, cmpAfter(scaling("app/prod-public-1/0123456789abcdef/targetgroup/web-1/fedcba9876543210"), target)),
			bad:  one(target, scaling("app/prod-public-1/0123456789abcdef/targetgroup/web-1/fedcba9876543210")),
		},
		"appautoscaling-ecs-resource-id": {
			good: one(target, cmpService(nil)),
			bad: one(res(typeScalableTarget, "web", in{"resourceId": "service/" + cmpClusterARN + "/web-1",
				"scalableDimension": "ecs:service:DesiredCount", "serviceNamespace": "ecs"})),
		},
		"appautoscaling-alb-request-count-resource-label": {
			good: one(cmpService(nil), scaling("app/prod-public-1/0123456789abcdef/targetgroup/web-1/fedcba9876543210")),
			bad:  one(cmpService(nil), scaling("app/prod-public-1/0123456789abcdef/targetgroup/api-1/0123456789abcdef")),
		},
		"fargate-task-size-pairs": {
			good: one(task),
			bad:  one(cmpTask(cmpContainers(cmpContainer(nil)), in{"memory": "4096"})),
		},
		"fargate-stop-timeout-max-120": {
			good: one(task),
			bad:  one(cmpTask(cmpContainers(cmpContainer(in{"stopTimeout": 300})), nil)),
		},
		"ecr-lifecycle-rule-order": {
			stack: "shared-services",
			good: one(cmpLifecycle(in{"rulePriority": 1, "selection": in{"tagStatus": "untagged"}},
				in{"rulePriority": 2, "selection": in{"tagStatus": "any"}})),
			bad: one(cmpLifecycle(in{"rulePriority": 1, "selection": in{"tagStatus": "any"}},
				in{"rulePriority": 2, "selection": in{"tagStatus": "untagged"}})),
		},
		"ecr-cross-account-pull": {
			good:     sharedTask,
			bad:      sharedTask,
			peers:    cmpShared("555555555555"),
			badPeers: cmpShared("444444444444"),
		},
		"ecs-awsvpc-service-ip-target-group": {
			good: one(cmpService(nil), task, targetGroup("ip")),
			bad:  one(cmpService(nil), task, targetGroup("instance")),
		},
		"fargate-spot-arm64-platform": {
			good: one(task, cmpService(in{"capacityProviderStrategies": []any{in{"capacityProvider": "FARGATE_SPOT", "weight": 3}}})),
			bad: one(task, cmpService(in{"platformVersion": "1.3.0",
				"capacityProviderStrategies": []any{in{"capacityProvider": "FARGATE_SPOT", "weight": 3}}})),
		},
		"gd-fargate-platform-linux-1-4-0": {
			good: one(cmpRuntime(), cmpService(nil), task),
			bad:  one(cmpRuntime(), cmpService(in{"platformVersion": "1.3.0"}), task),
		},
		"ecs-exec-task-role-permissions": {
			good: cat(one(cluster, execOn, writable), cmpRole("web-task", cmpTaskRoleARN, cmpChannels, cmpSessionKeyOK)),
			bad:  cat(one(cluster, execOn, writable), cmpRole("web-task", cmpTaskRoleARN, cmpChannels)),
		},
		"ecs-exec-encrypted-log-group-cmk": {
			good: one(cluster, execLogs("arn:aws:kms:us-west-2:555555555555:key/logs")),
			bad:  one(cluster, execLogs("")),
		},
	}
}
