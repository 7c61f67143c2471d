package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/stacks/datapart"
	"github.com/refarch/refarch/stacks/platformpart"
	"github.com/refarch/refarch/stacks/stack"
)

// The drill repeats the program's names so that it does not build the
// program; a rename there fails here.
func TestNamesAreTheProgramsOwn(t *testing.T) {
	for drill, program := range map[string]string{
		outputRegion:          stack.OutputRegion,
		outputCluster:         platformpart.OutputClusterName,
		outputServices:        platformpart.OutputECSServiceNames,
		outputDatabaseAddress: datapart.OutputDatabaseAddress,
	} {
		assert.Equal(t, program, drill)
	}
	assert.Equal(t, stack.Namespace, namespace)
	// datapart names the writer "<namespace>-<stack>-db".
	assert.Equal(t, fmt.Sprintf("%s-%s-db", stack.Namespace, "stage"), dbInstance("stage"))

	assert.Equal(t, stack.NamesOf(stack.RoleApp), sampleAppStacks)
	for _, s := range stack.Names() {
		role, err := stack.RoleOf(s)
		require.NoError(t, err)
		assert.Equal(t, role != stack.RoleApp, slices.Contains(stacksWithoutDatabase, s), "stack %s", s)
	}
	assert.Len(t, stacksWithoutDatabase, len(stack.Names())-len(sampleAppStacks))
	assert.Equal(t, stack.ProdStack, prodStack)
}
