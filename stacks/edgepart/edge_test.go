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

func TestValidatedElsewhereIsTheApexOfTheRegionalCertificate(t *testing.T) {
	regional := []string{"prod.example.com", "*.prod.example.com"}
	assert.Equal(t, []string{"prod.example.com"},
		validatedElsewhere([]string{"prod.example.com", "www.prod.example.com"}, regional),
		"the wildcard's record is the apex's; www has its own")
	assert.Empty(t, validatedElsewhere([]string{"www.prod.example.com"}, regional))
}
