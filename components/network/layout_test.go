package network

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanLayoutSplitsEachZoneBlockIntoTheThreeTiers(t *testing.T) {
	vpc := netip.MustParsePrefix("10.30.0.0/16")
	l, err := PlanLayout(vpc, 3, DefaultMasks(vpc))
	require.NoError(t, err)
	assert.Equal(t, 19, l.ZoneMask)
	assert.Equal(t, []string{"10.30.0.0/20", "10.30.32.0/20", "10.30.64.0/20"}, l.CIDRs(TierApp))
	assert.Equal(t, []string{"10.30.16.0/21", "10.30.48.0/21", "10.30.80.0/21"}, l.CIDRs(TierData))
	assert.Equal(t, []string{"10.30.24.0/22", "10.30.56.0/22", "10.30.88.0/22"}, l.CIDRs(TierPublic))
}

// TestAddingAZoneMovesNoSubnet is why the zone block size is fixed: with
// three zones or four, the first three zones' subnets are the same blocks.
func TestAddingAZoneMovesNoSubnet(t *testing.T) {
	vpc := netip.MustParsePrefix("10.10.0.0/16")
	three, err := PlanLayout(vpc, 3, DefaultMasks(vpc))
	require.NoError(t, err)
	four, err := PlanLayout(vpc, 4, DefaultMasks(vpc))
	require.NoError(t, err)
	for _, tier := range Tiers {
		assert.Equal(t, three.Subnets[tier], four.Subnets[tier][:3], "tier %s", tier)
	}
	six, err := PlanLayout(vpc, 6, DefaultMasks(vpc))
	require.NoError(t, err)
	assert.Equal(t, "10.10.160.0/20", six.Subnets[TierApp][5].String())
}

func TestPlanLayoutNeverOverlapsAndStaysInsideTheVPC(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/16", "172.16.0.0/18", "192.168.0.0/21", "10.1.2.0/24"} {
		vpc := netip.MustParsePrefix(cidr)
		for zones := 2; zones <= 6; zones++ {
			l, err := PlanLayout(vpc, zones, DefaultMasks(vpc))
			if vpc.Bits() > 21 {
				// Small VPCs cannot hold the default masks' tiers at /28 or more.
				if err != nil {
					continue
				}
			}
			require.NoError(t, err, "%s with %d zones", cidr, zones)
			var all []netip.Prefix
			for _, tier := range Tiers {
				require.Len(t, l.Subnets[tier], zones)
				all = append(all, l.Subnets[tier]...)
			}
			for i, a := range all {
				assert.True(t, vpc.Contains(a.Addr()) && a.Bits() > vpc.Bits(), "%s outside %s", a, vpc)
				for _, b := range all[i+1:] {
					assert.False(t, a.Overlaps(b), "%s overlaps %s in %s", a, b, cidr)
				}
			}
		}
	}
}

// TestPlanLayoutAlignsLikeAwsx checks the awsx "Auto" alignment rule when a
// smaller block precedes a larger one: the larger starts at its next
// aligned boundary.
func TestPlanLayoutAlignsLikeAwsx(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	l, err := PlanLayout(vpc, 2, Masks{App: 22, Data: 24, Public: 21})
	require.NoError(t, err)
	assert.Equal(t, "10.0.0.0/22", l.Subnets[TierApp][0].String())
	assert.Equal(t, "10.0.4.0/24", l.Subnets[TierData][0].String())
	assert.Equal(t, "10.0.8.0/21", l.Subnets[TierPublic][0].String(), "a /21 after 10.0.5.0 starts at the next /21 boundary")
	assert.Equal(t, "10.0.32.0/22", l.Subnets[TierApp][1].String())
}

func TestPlanLayoutRejectsTiersThatDoNotFit(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	_, err := PlanLayout(vpc, 2, Masks{App: 20, Data: 20, Public: 20})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "addresses per zone")
	_, err = PlanLayout(vpc, 2, Masks{App: 19, Data: 21, Public: 22})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not fit")
	_, err = PlanLayout(vpc, 9, DefaultMasks(vpc))
	require.Error(t, err)
}
