package waf_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/refarch/refarch/components/waf"
)

// sdkModule is the pulumi-aws SDK whose schema the inputs must follow: the
// version go.mod pins.
const sdkModule = "github.com/pulumi/pulumi-aws/sdk/v6"

var (
	structStart = regexp.MustCompile(`^type (\w+) struct \{$`)
	structField = regexp.MustCompile("^\t\\w+ +(\\S+) +`pulumi:\"(\\w+)\"`$")
)

// sdkTypes reads the plain struct types of the pinned SDK's wafv2 package
// (its source, never compiled: the package is what this component must not
// import) as type name → schema property → Go type. The generated plain
// types mirror the provider's schema: a property is required exactly when
// its Go type is neither a pointer, a slice nor a map.
func sdkTypes(t *testing.T) map[string]map[string]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", sdkModule).Output()
	require.NoError(t, err, "go list -m %s", sdkModule)
	dir := filepath.Join(strings.TrimSpace(string(out)), "go", "aws", "wafv2")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "the SDK's wafv2 source in %s (go mod download %s)", dir, sdkModule)
	types := map[string]map[string]string{}
	for _, name := range files {
		f, err := os.Open(name)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var current map[string]string
		for sc.Scan() {
			line := sc.Text()
			if m := structStart.FindStringSubmatch(line); m != nil {
				current = map[string]string{}
				types[m[1]] = current
				continue
			}
			if current == nil {
				continue
			}
			if line == "}" {
				current = nil
				continue
			}
			if m := structField.FindStringSubmatch(line); m != nil {
				current[m[2]] = m[1]
			}
		}
		require.NoError(t, sc.Err())
		require.NoError(t, f.Close())
	}
	return types
}

// conform reports where value departs from the SDK type goType.
func conform(types map[string]map[string]string, goType string, value any, path string) []string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "[]"):
		list, ok := value.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want a list (%s), got %T", path, goType, value)}
		}
		var errs []string
		for i, e := range list {
			errs = append(errs, conform(types, goType[2:], e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return errs
	case strings.HasPrefix(goType, "map[string]"):
		m, ok := value.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want a map, got %T", path, value)}
		}
		var errs []string
		for k, v := range m {
			errs = append(errs, conform(types, goType[len("map[string]"):], v, path+"."+k)...)
		}
		return errs
	case goType == "string":
		if _, ok := value.(string); !ok {
			return []string{fmt.Sprintf("%s: want a string, got %T", path, value)}
		}
		return nil
	case goType == "int" || goType == "float64":
		if _, ok := value.(float64); !ok {
			return []string{fmt.Sprintf("%s: want a number, got %T", path, value)}
		}
		return nil
	case goType == "bool":
		if _, ok := value.(bool); !ok {
			return []string{fmt.Sprintf("%s: want a boolean, got %T", path, value)}
		}
		return nil
	}
	fields, ok := types[goType]
	if !ok {
		return []string{fmt.Sprintf("%s: the SDK has no type %s", path, goType)}
	}
	obj, ok := value.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: want an object (%s), got %T", path, goType, value)}
	}
	var errs []string
	for k, v := range obj {
		ft, ok := fields[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s.%s: %s has no property %q", path, k, goType, k))
			continue
		}
		errs = append(errs, conform(types, ft, v, path+"."+k)...)
	}
	for k, ft := range fields {
		required := !strings.HasPrefix(ft, "*") && !strings.HasPrefix(ft, "[]") && !strings.HasPrefix(ft, "map[")
		if _, set := obj[k]; required && !set {
			errs = append(errs, fmt.Sprintf("%s: required property %q (%s) of %s is missing", path, k, ft, goType))
		}
	}
	return errs
}

// TestRegisteredInputsHaveTheSchemasShape checks every input of every
// wafv2 resource the component registers (all options on) against the
// pinned SDK's types: each property exists under that exact name with
// that type, and every required property is set.
func TestRegisteredInputsHaveTheSchemasShape(t *testing.T) {
	types := sdkTypes(t)
	roots := map[string]string{
		waf.TypeWebACL:              "webAclArgs",
		waf.TypeWebACLAssociation:   "webAclAssociationArgs",
		waf.TypeWebACLLoggingConfig: "webAclLoggingConfigurationArgs",
	}
	for _, root := range roots {
		require.Contains(t, types, root, "the SDK's plain arguments type")
	}
	for _, mode := range waf.Modes {
		args := regionalArgs()
		args.Mode = mode
		args.RuleGroups = waf.APIRuleGroups
		args.OriginHeader = originHeader()
		args.OriginHeader.PathPrefixes = []string{"/api/", "/admin/"}
		p := mustRun(t, args)
		for typ, root := range roots {
			rs := p.ByType(typ)
			require.NotEmpty(t, rs, typ)
			for _, r := range rs {
				assert.Empty(t, conform(types, root, r.Inputs, typ), "%s %s (%s mode)", typ, r.Name, mode)
			}
		}
	}
}

// TestSchemaCheckCatchesAMisspeltProperty proves the check above can fail:
// a property the schema spells differently, a wrong type and a missing
// required property are each reported.
func TestSchemaCheckCatchesAMisspeltProperty(t *testing.T) {
	types := sdkTypes(t)
	bad := map[string]any{
		"scope":            "REGIONAL",
		"defaultAction":    map[string]any{"allow": map[string]any{}},
		"visibilityConfig": map[string]any{"cloudWatchMetricsEnabled": true, "metricName": "m", "sampledRequestsEnabled": true},
		"rules":            []any{map[string]any{"name": "r", "priority": "1", "statement": map[string]any{}, "visibilityConfig": map[string]any{"cloudwatchMetricsEnabled": true, "metricName": "m", "sampledRequestsEnabled": true}}},
	}
	errs := strings.Join(conform(types, "webAclArgs", bad, "webAcl"), "\n")
	assert.Contains(t, errs, `has no property "cloudWatchMetricsEnabled"`)
	assert.Contains(t, errs, `required property "cloudwatchMetricsEnabled"`)
	assert.Contains(t, errs, "webAcl.rules[0].priority: want a number")
}
