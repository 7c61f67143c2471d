package stackrefs

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/dnspart"
	"github.com/refarch/refarch/stacks/stack"
)

// The root zone shared-services exports: its id (shaped as Route 53 ids
// are, derived from the account and domain so every run agrees), its name
// (refarch:domain) and its four name servers.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		if cfg.Role != stack.RoleSharedServices {
			return
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte(cfg.AccountID + "/" + cfg.Domain))
		sum := h.Sum64()
		out[dnspart.OutputRootZoneID] = strings.ToUpper(fmt.Sprintf("Z0%016x", sum))
		out[dnspart.OutputRootZoneName] = cfg.Domain
		var servers []any
		for i, tld := range []string{"com", "net", "org", "co.uk"} {
			servers = append(servers, fmt.Sprintf("ns-%d.awsdns-%02d.%s", (sum>>(8*i))%2048, (sum>>(8*i+4))%64, tld))
		}
		out[dnspart.OutputRootZoneNameServers] = servers
	})
}
