package stackrefs

import (
	"fmt"

	"github.com/refarch/refarch/stacks"
	"github.com/refarch/refarch/stacks/networkpart"
	"github.com/refarch/refarch/stacks/stack"
)

// The management VPC outputs shared-services exports: its id and block, and
// one route table per zone for the public and the app tier.
func init() {
	producers = append(producers, func(cfg *stacks.Config, out map[string]any) {
		if cfg.Role != stack.RoleSharedServices {
			return
		}
		out[networkpart.OutputManagementVpcID] = "vpc-0mgmt" + cfg.AccountID[:6]
		out[networkpart.OutputManagementVpcCIDR] = cfg.VpcCIDR.String()
		var tables []any
		for _, tier := range []string{"public", "app"} {
			for z := range cfg.AZCount {
				tables = append(tables, fmt.Sprintf("rtb-0mgmt%s%d", tier, z+1))
			}
		}
		out[networkpart.OutputManagementRouteTableIDs] = tables
	})
}
