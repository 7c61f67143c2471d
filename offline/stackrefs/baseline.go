package stackrefs

import (
	"fmt"

	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/baselinepart"
	"github.com/refarch/refarch/stacks/stack"
)

// The security baseline's outputs: every stack's alert topic and the
// archive buckets of security.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		out[baselinepart.OutputAlertTopicARN] = fmt.Sprintf("arn:%s:sns:%s:%s:%s-%s-alerts", cfg.Partition, cfg.Region, cfg.AccountID, stack.Namespace, cfg.Stack)
		if cfg.Role == stack.RoleSecurity {
			out[baselinepart.OutputAuditTrailBucket] = baselinepart.AuditTrailBucket(&cfg.Config)
			out[baselinepart.OutputAuditConfigBucket] = baselinepart.AuditConfigBucket(&cfg.Config)
		}
	})
}
