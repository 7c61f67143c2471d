package offline

import (
	"fmt"
	"slices"
	"strings"
)

// The order-or-state rules of compute (ECS, Application Auto Scaling,
// GuardDuty's Fargate agent), as the stand-in cloud keeps them: each
// refuses the create AWS refuses, or whose feature AWS would silently
// leave broken, while its prerequisite does not exist yet.
func init() {
	// Source: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
	registerPrecondition(Precondition{
		Rule: "ecs-service-after-capacity-providers",
		Type: "aws:ecs/service:Service",
		Code: "InvalidParameterException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			var wanted []string
			for _, s := range computeList(in["capacityProviderStrategies"]) {
				if m, ok := s.(map[string]any); ok {
					if cp, _ := m["capacityProvider"].(string); cp != "" {
						wanted = append(wanted, cp)
					}
				}
			}
			if len(wanted) == 0 {
				return "", nil
			}
			cluster := clusterNameOf(fmt.Sprint(in["cluster"]))
			associated, err := w.In(at.Account, at.Region, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", func(e Existing) bool {
				return e.String("clusterName") == cluster
			})
			if err != nil {
				return "", err
			}
			var have []string
			for _, a := range associated {
				for _, cp := range computeList(a.State["capacityProviders"]) {
					have = append(have, fmt.Sprint(cp))
				}
			}
			for _, cp := range wanted {
				if !slices.Contains(have, cp) {
					return fmt.Sprintf("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster (%s is not associated with cluster %s)", cp, cluster), nil
				}
			}
			return "", nil
		},
	})
	// AWS accepts the service, and GuardDuty never covers its first tasks.
	// In an account with GuardDuty (its own detector, or GuardDuty enabled
	// in it by the organization's configuration), a service is refused
	// until RUNTIME_MONITORING exists: the detector's feature, or the
	// organization configuration's feature of the delegated administrator
	// that enables GuardDuty in it (enabled or not: the stand-in cannot know
	// whether a configuration will ever add it).
	// Source: https://docs.aws.amazon.com/guardduty/latest/ug/gdu-assess-coverage-ecs.html
	registerPrecondition(Precondition{
		Rule: "gd-fargate-service-after-runtime-monitoring",
		Type: "aws:ecs/service:Service",
		Code: SilentFailure,
		Missing: func(w *World, at Place, _ map[string]any) (string, error) {
			detectors, err := w.In(at.Account, at.Region, "aws:guardduty/detector:Detector", nil)
			if err != nil {
				return "", err
			}
			byOrg, _, err := guardDutyAutoEnabled(w, at)
			if err != nil || (len(detectors) == 0 && byOrg == nil) {
				return "", err
			}
			features, err := w.In(at.Account, at.Region, "aws:guardduty/detectorFeature:DetectorFeature", func(e Existing) bool {
				return e.String("name") == "RUNTIME_MONITORING"
			})
			if err != nil {
				return "", err
			}
			if len(features) == 0 && byOrg != nil {
				features, err = w.In(byOrg.Account, at.Region, orgTypeGuardDutyOrgFeature, func(e Existing) bool {
					return e.String("name") == "RUNTIME_MONITORING" && e.String("autoEnable") != "NONE"
				})
				if err != nil {
					return "", err
				}
			}
			if len(features) == 0 {
				return fmt.Sprintf("GuardDuty's RUNTIME_MONITORING is not configured yet in %s %s: services deployed before enabling automated agent configuration are not covered", at.Account, at.Region), nil
			}
			return "", nil
		},
	})
	// Source: https://docs.aws.amazon.com/autoscaling/application/userguide/services-that-can-integrate-ecs.html
	registerPrecondition(Precondition{
		Rule: "appautoscaling-policy-after-target",
		Type: "aws:appautoscaling/policy:Policy",
		Code: "ObjectNotFoundException",
		Missing: func(w *World, at Place, in map[string]any) (string, error) {
			targets, err := w.In(at.Account, at.Region, "aws:appautoscaling/target:Target", func(e Existing) bool {
				for _, k := range []string{"resourceId", "scalableDimension", "serviceNamespace"} {
					if e.String(k) != fmt.Sprint(in[k]) {
						return false
					}
				}
				return true
			})
			if err != nil {
				return "", err
			}
			if len(targets) == 0 {
				return fmt.Sprintf("No scalable target registered for service namespace: %v, resource ID: %v, scalable dimension: %v",
					in["serviceNamespace"], in["resourceId"], in["scalableDimension"]), nil
			}
			return "", nil
		},
	})
}

// computeList is v as a list (nil when it is not one).
func computeList(v any) []any {
	l, _ := v.([]any)
	return l
}

// clusterNameOf is what follows the last "/" of an ARN (a cluster's name),
// or the whole value.
func clusterNameOf(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}
