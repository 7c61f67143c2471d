package offline

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Unknown stands for a value the engine would only know after an update.
// Under the mocks nearly everything is known; it appears for computed values
// a mock could not fill.
type Unknown struct{}

// plain turns a property value into plain Go data: nil, bool, float64, string,
// []any and map[string]any. Secrets are unwrapped (the secret flag is kept by
// the recorder separately), resource references become their URN.
func plain(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plain(e)
		}
		return out
	case v.IsObject():
		return plainMap(v.ObjectValue())
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsComputed():
		return Unknown{}
	case v.IsOutput():
		if !v.OutputValue().Known {
			return Unknown{}
		}
		return plain(v.OutputValue().Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		a := v.AssetValue()
		switch {
		case a.IsText():
			return a.Text
		case a.IsPath():
			return a.Path
		default:
			return a.URI
		}
	case v.IsArchive():
		a := v.ArchiveValue()
		if a.IsPath() {
			return a.Path
		}
		return a.URI
	}
	return nil
}

func plainMap(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = plain(v)
	}
	return out
}

// secretPaths lists the top-level keys of m whose values are secret.
func secretPaths(m resource.PropertyMap) []string {
	var out []string
	for k, v := range m {
		if v.ContainsSecrets() {
			out = append(out, string(k))
		}
	}
	sort.Strings(out)
	return out
}

// Lookup walks a path such as "ingress[0].cidrBlocks[1]" or "tags.Name"
// through plain data. ok is false when a step is missing.
func Lookup(data any, path string) (any, bool) {
	cur := data
	for _, step := range splitPath(path) {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[step]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// splitPath turns "a.b[0].c" into ["a", "b", "0", "c"].
func splitPath(path string) []string {
	var steps []string
	for _, part := range strings.Split(path, ".") {
		for part != "" {
			open := strings.IndexByte(part, '[')
			if open < 0 {
				steps = append(steps, part)
				break
			}
			if open > 0 {
				steps = append(steps, part[:open])
			}
			end := strings.IndexByte(part, ']')
			if end < open {
				steps = append(steps, part[open:])
				break
			}
			steps = append(steps, part[open+1:end])
			part = part[end+1:]
		}
	}
	return steps
}

// toPropertyMap turns plain data back into a property map for mock outputs.
func toPropertyMap(m map[string]any) resource.PropertyMap {
	return resource.NewPropertyMapFromMap(m)
}

// decodeJSONString returns the decoded value when v is a string holding a
// JSON object or array (how provider inputs and policies travel), and v
// otherwise.
func decodeJSONString(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return v
	}
	var out any
	if err := json.Unmarshal([]byte(t), &out); err != nil {
		return v
	}
	return out
}
