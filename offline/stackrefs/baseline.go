package stackrefs

import (
	"fmt"

	"github.com/refarch/refarch/components/iampolicy"
	"github.com/refarch/refarch/stacks"
)

// The security baseline's outputs: every stack's alert topic, the CI role
// of every stack but security, and the archive buckets of security.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		out[stacks.OutputAlertTopicARN] = fmt.Sprintf("arn:%s:sns:%s:%s:%s-%s-alerts", cfg.Partition, cfg.Region, cfg.AccountID, stacks.Namespace, cfg.Stack)
		if cfg.Role == stacks.RoleSecurity {
			out[stacks.OutputAuditTrailBucket] = stacks.AuditTrailBucket(cfg)
			out[stacks.OutputAuditConfigBucket] = stacks.AuditConfigBucket(cfg)
			return
		}
		out[stacks.OutputCIRoleARN] = iampolicy.RoleARN(cfg.Partition, cfg.AccountID, stacks.CIRoleName)
	})
}
