package offline

import (
	"fmt"
	"strings"
)

// Output mocks of the security baseline's resources whose computed values
// have a shape the program or its tests rely on: the OIDC provider's ARN
// (the pipeline roles' trust names it), the service-linked role's fixed name and
// path, and the ids of the GuardDuty detector and Systems Manager objects.
func init() {
	registerOutputs("aws:iam/openIdConnectProvider:OpenIdConnectProvider", func(r *Resource, e env, state map[string]any) error {
		url, _ := state["url"].(string)
		host := strings.TrimPrefix(url, "https://")
		if host == "" || host == url {
			return fmt.Errorf("an OIDC provider's url must start with https://, got %q", url)
		}
		// Source: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html
		state["arn"] = fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", e.Partition, e.Account, host)
		state["id"] = state["arn"]
		return nil
	})
	registerOutputs("aws:iam/serviceLinkedRole:ServiceLinkedRole", func(r *Resource, e env, state map[string]any) error {
		service, _ := state["awsServiceName"].(string)
		if !strings.HasSuffix(service, ".amazonaws.com") {
			return fmt.Errorf("awsServiceName must be a service principal such as config.amazonaws.com, got %q", service)
		}
		name, ok := serviceLinkedRoleNames[service]
		if !ok {
			// Most follow AWSServiceRoleFor<Service>; list the exceptions above.
			label := strings.TrimSuffix(service, ".amazonaws.com")
			name = "AWSServiceRoleFor" + strings.ToUpper(label[:1]) + label[1:]
		}
		// A custom suffix follows the name after "_".
		// Source: https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html
		if suffix, _ := state["customSuffix"].(string); suffix != "" {
			name += "_" + suffix
		}
		path := "/aws-service-role/" + service + "/"
		state["name"], state["path"] = name, path
		state["arn"] = fmt.Sprintf("arn:%s:iam::%s:role%s%s", e.Partition, e.Account, path, name)
		state["id"] = state["arn"]
		return nil
	})
	registerOutputs("aws:guardduty/detector:Detector", func(r *Resource, e env, state map[string]any) error {
		// Detector ids are 32 hex digits.
		id := strings.Repeat(shortHash(r.URN)+shortHash(r.Name + e.Account)[:1], 4)
		state["id"], state["accountId"] = id, e.Account
		state["arn"] = fmt.Sprintf("arn:%s:guardduty:%s:%s:detector/%s", e.Partition, e.Region, e.Account, id)
		return nil
	})
	registerOutputs("aws:ssm/patchBaseline:PatchBaseline", func(r *Resource, e env, state map[string]any) error {
		state["id"] = "pb-0" + shortHash(r.URN) + shortHash(r.Name) + "ab"
		return nil
	})
	registerOutputs("aws:ssm/maintenanceWindow:MaintenanceWindow", func(r *Resource, e env, state map[string]any) error {
		state["id"] = "mw-0" + shortHash(r.URN) + shortHash(r.Name) + "cd"
		return nil
	})
}

// serviceLinkedRoleNames are the role names AWS gives service-linked roles
// whose name is not simply AWSServiceRoleFor<Service>.
// Source: https://docs.aws.amazon.com/config/latest/developerguide/using-service-linked-roles.html
var serviceLinkedRoleNames = map[string]string{
	"config.amazonaws.com":      "AWSServiceRoleForConfig",
	"autoscaling.amazonaws.com": "AWSServiceRoleForAutoScaling",
	"ecs.amazonaws.com":         "AWSServiceRoleForECS",
}
