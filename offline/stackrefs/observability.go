package stackrefs

import (
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/observabilitypart"
)

// The monitoring account's sink, as shared-services exports it
// (observabilitypart.OutputSinkARN): its one sink of the region, which
// every application stack's link names.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		if cfg.Stack != observabilitypart.MonitoringStack {
			return
		}
		out[observabilitypart.OutputSinkARN] = offline.SinkARN(cfg.Partition, cfg.Region, cfg.AccountID)
	})
}
