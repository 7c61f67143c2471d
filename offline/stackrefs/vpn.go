package stackrefs

import (
	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/stack"
	"github.com/refarch/refarch/stacks/vpnpart"
)

// The VPN server shared-services exports: its security group (shaped as
// group ids are, derived from the account), its name and its bucket.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		if cfg.Role != stack.RoleSharedServices {
			return
		}
		out[vpnpart.OutputVpnSecurityGroupID] = "sg-0vpn" + cfg.AccountID[:6]
		out[vpnpart.OutputVpnEndpoint] = vpnpart.RecordName(&cfg.Config)
		out[vpnpart.OutputVpnBucket] = stack.VpnBucketName(&cfg.Config)
	})
}
