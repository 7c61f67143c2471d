package stackrefs

import (
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/stacks/stack"
)

// The registry's repositories, as shared-services exports them
// (platformpart.OutputECRRepositoryURLs): one URL per refarch:ecrRepositories
// name, in the shared-services account and region.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		if cfg.Role != stack.RoleSharedServices {
			return
		}
		urls := map[string]any{}
		for _, name := range cfg.Platform.ECRRepositories {
			urls[name] = offline.ECRRepositoryURL(cfg.Partition, cfg.Region, cfg.AccountID, name)
		}
		out[platformpart.OutputECRRepositoryURLs] = urls
	})
}
