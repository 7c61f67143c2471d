package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveFindsTheJobsTaskDefinitionClusterRegionAndService(t *testing.T) {
	o, err := ParseOutputs("outputs.json", []byte(devOutputs))
	require.NoError(t, err)
	tests := []struct {
		name, job, service string
		want               Job
	}{
		{
			name: "the service from ecsServiceNames",
			job:  "worker/reindex",
			want: Job{
				Name:           "worker/reindex",
				TaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-worker-reindex:3",
				Region:         "eu-west-1",
				Cluster:        "dev",
				Service:        "dev-worker-5d6e7f8",
			},
		},
		{
			name:    "the service from -service",
			job:     "backend/migrate",
			service: "dev-backend-by-hand",
			want: Job{
				Name:           "backend/migrate",
				TaskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/dev-backend-migrate:7",
				Region:         "eu-west-1",
				Cluster:        "dev",
				Service:        "dev-backend-by-hand",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := o.Resolve(tt.job, tt.service)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResolveRefusesWhatIsNotATaskDefinitionARN(t *testing.T) {
	tests := []struct{ arn, wantErr string }{
		{"arn:aws:ecs:eu-west-1:123456789012:service/dev/dev-backend", `"arn:aws:ecs:eu-west-1:123456789012:service/dev/dev-backend" is not an ECS task definition ARN`},
		{"arn:aws:iam::123456789012:role/task-definition/x", `"arn:aws:iam::123456789012:role/task-definition/x" is not an ECS task definition ARN`},
		{"", `"" is not a task definition ARN`},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			o := Outputs{
				"ecsClusterName":     []byte(`"dev"`),
				"jobTaskDefinitions": []byte(`{"backend/migrate": ` + strconv.Quote(tt.arn) + `}`),
			}
			_, err := o.Resolve("backend/migrate", "dev-backend-1a2b3c4")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// The key names are repeated from stacks/platformpart rather than imported
// (that would build the whole Pulumi program into the command); this test
// reads platformpart's source so a rename there fails here.
func TestOutputKeysAreThePlatformsExports(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", "stacks", "platformpart", "platform.go"), nil, 0)
	require.NoError(t, err)
	exported := map[string]string{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || len(spec.Values) != 1 {
			return true
		}
		if lit, ok := spec.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			v, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			exported[spec.Names[0].Name] = v
		}
		return true
	})
	assert.Equal(t, "ecsClusterName", exported["OutputClusterName"])
	assert.Equal(t, "jobTaskDefinitions", exported["OutputJobTaskDefinitions"])
	assert.Equal(t, "ecsServiceNames", exported["OutputECSServiceNames"])
	assert.Equal(t, "ecsClusterName", outputCluster)
	assert.Equal(t, "jobTaskDefinitions", outputJobs)
	assert.Equal(t, "ecsServiceNames", outputServices)
}
