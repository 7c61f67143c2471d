package stackoutputs

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAndDecode(t *testing.T) {
	o, err := Parse("out.json", []byte(`{"region": "eu-west-1", "ecsServiceNames": {"backend": "stage-backend-1"}}`))
	require.NoError(t, err)
	var region string
	require.NoError(t, o.Decode("region", &region, "a string"))
	assert.Equal(t, "eu-west-1", region)

	var services map[string]string
	assert.EqualError(t, o.Decode("region", &services, "an object"),
		"outputs key region is not an object: json: cannot unmarshal string into Go value of type map[string]string")
	assert.EqualError(t, o.Decode("ecsClusterName", &region, "a string"),
		"outputs have no key ecsClusterName (is this an application stack's `pulumi stack output --json`?)")
}

func TestParseRefusesWhatIsNotAnObject(t *testing.T) {
	for _, data := range []string{`null`, `[1]`, `{`} {
		_, err := Parse("out.json", []byte(data))
		assert.ErrorContains(t, err, "out.json is not the JSON object of `pulumi stack output --json`", data)
	}
}
