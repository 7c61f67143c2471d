package tests

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/refarch/refarch/components/alerttopic"
	"github.com/refarch/refarch/components/clientgroup"
	"github.com/refarch/refarch/components/delegaterole"
	"github.com/refarch/refarch/components/dns"
	"github.com/refarch/refarch/components/ecscluster"
	"github.com/refarch/refarch/components/edgecdn"
	"github.com/refarch/refarch/components/identity"
	"github.com/refarch/refarch/components/loadbalancer"
	"github.com/refarch/refarch/components/memcached"
	"github.com/refarch/refarch/components/network"
	"github.com/refarch/refarch/components/observability"
	"github.com/refarch/refarch/components/postgres"
	"github.com/refarch/refarch/components/registry"
	"github.com/refarch/refarch/components/secret"
	"github.com/refarch/refarch/components/securitybaseline"
	"github.com/refarch/refarch/components/validate"
)

// Every component's arguments follow one contract (CONTRIBUTING.md): a
// pointer-receiver Validate() that applies the defaults itself and reports
// every problem as a *validate.Error.
var _ = []validate.Validator{
	(*clientgroup.ClientGroupArgs)(nil), (*delegaterole.DelegateRoleArgs)(nil), (*dns.ZoneArgs)(nil), (*dns.CertificateArgs)(nil),
	(*ecscluster.EcsClusterArgs)(nil), (*edgecdn.EdgeCdnArgs)(nil), (*loadbalancer.LoadBalancerArgs)(nil),
	(*memcached.MemcachedArgs)(nil), (*alerttopic.AlertTopicArgs)(nil), (*network.NetworkArgs)(nil), (*network.PeeringArgs)(nil),
	(*postgres.PostgresArgs)(nil), (*registry.RegistryArgs)(nil),
	(*securitybaseline.SecurityBaselineArgs)(nil), (*identity.IdentityArgs)(nil), (*secret.SecretArgs)(nil),
	(*observability.SinkArgs)(nil), (*observability.LinkArgs)(nil), (*observability.OverviewArgs)(nil),
}

// Zero arguments are judged as their defaults: Validate of an empty Args
// names what is required, not what a default would have filled.
func TestValidateJudgesZeroValuesAsTheirDefaults(t *testing.T) {
	err := (&network.NetworkArgs{CIDRBlock: "10.0.0.0/16", AvailabilityZones: []string{"a", "b"}, KeyAdministrators: []string{"arn:aws:iam::123456789012:role/deploy"}}).Validate()
	assert.NoError(t, err, "masks, NAT strategy and retention come from the defaults")
	var verr *validate.Error
	err = (&postgres.PostgresArgs{}).Validate()
	if assert.ErrorAs(t, err, &verr) {
		assert.True(t, verr.Has("Args.VpcID"))
		assert.False(t, verr.Has("Args.InstanceClass"), "the instance class has a default")
	}
}
