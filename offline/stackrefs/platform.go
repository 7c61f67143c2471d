package stackrefs

import (
	"github.com/refarch/refarch/offline"
	"github.com/refarch/refarch/stacks"
)

// The registry's repositories, as shared-services exports them
// (stacks.OutputECRRepositoryURLs): one URL per refarch:ecrRepositories
// name, in the shared-services account and region.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		if cfg.Role != stacks.RoleSharedServices {
			return
		}
		urls := map[string]any{}
		for _, name := range cfg.Platform.ECRRepositories {
			urls[name] = offline.ECRRepositoryURL(cfg.Partition, cfg.Region, cfg.AccountID, name)
		}
		out[stacks.OutputECRRepositoryURLs] = urls
	})
}
