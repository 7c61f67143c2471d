package edgepart

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/stacks/stack"
)

// The whole-stack tests (tests/edgecdn_test.go) always have a platform;
// these cover the part of the wiring they cannot reach.

func TestAPIOriginFailsWithoutThePlatformsOrigin(t *testing.T) {
	s := &Config{APIOrigin: true}
	for name, a := range map[string]*stack.Parts{
		"no platform":         {},
		"platform, no origin": {Platform: &stack.PlatformOut{}},
	} {
		_, err := apiOrigin(s, a)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "refarch:edgeApiOrigin is true, but the platform provides no origin", name)
	}

	origin := pulumi.String("origin.prod.example.com")
	got, err := apiOrigin(s, &stack.Parts{Platform: &stack.PlatformOut{OriginDomain: origin}})
	require.NoError(t, err)
	assert.Equal(t, origin, got)

	got, err = apiOrigin(&Config{}, &stack.Parts{})
	require.NoError(t, err, "no API origin asked for, none needed")
	assert.Nil(t, got)
}

func TestAPIOriginTakesTheFirewallsHeader(t *testing.T) {
	origin := pulumi.String("origin.prod.example.com")
	for name, f := range map[string]*stack.FirewallOut{
		"no firewall":         nil,
		"firewall, no header": {EdgeWebACLARN: pulumi.String("arn")},
	} {
		_, _, err := apiOriginHeader(origin, f)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "refarch:edgeApiOrigin is true, but the firewall part provides no origin header", name)
	}

	value := pulumi.String("s3cr3t")
	name, got, err := apiOriginHeader(origin, &stack.FirewallOut{OriginHeaderName: "x-origin-verify", OriginHeaderValue: value})
	require.NoError(t, err)
	assert.Equal(t, "x-origin-verify", name)
	assert.Equal(t, value, got)

	name, got, err = apiOriginHeader(nil, &stack.FirewallOut{})
	require.NoError(t, err, "no API behind the CDN, no header")
	assert.Empty(t, name)
	assert.Nil(t, got)
}

func TestValidatedElsewhereIsTheApexOfTheRegionalCertificate(t *testing.T) {
	regional := []string{"prod.example.com", "*.prod.example.com"}
	assert.Equal(t, []string{"prod.example.com"},
		validatedElsewhere([]string{"prod.example.com", "www.prod.example.com"}, regional),
		"the wildcard's record is the apex's; www has its own")
	assert.Empty(t, validatedElsewhere([]string{"www.prod.example.com"}, regional))
}
