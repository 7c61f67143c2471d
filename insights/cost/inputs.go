package cost

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/refarch/refarch/offline"
)

// number reads a number the records hold as a number or as a decimal
// string (ECS task sizes are strings: "512").
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

// num reads the number at path of r's inputs.
func num(r *offline.Resource, path string) (float64, bool) {
	return number(r.Get(path))
}

// field reads a string field of a plain map (one element of a list input).
func field(m any, key string) string {
	mm, _ := m.(map[string]any)
	s, _ := mm[key].(string)
	return s
}

// autoname matches the random suffix Pulumi appends to an auto-named
// resource's physical name ("prod-backend-70f5292").
var autoname = regexp.MustCompile(`-[0-9a-f]{7}$`)

// namedAs reports whether physical is r's physical name: its name input, its
// logical name, or its logical name with Pulumi's random suffix.
func namedAs(physical string, r *offline.Resource) bool {
	if physical == "" {
		return false
	}
	if n := r.String("name"); n != "" {
		return physical == n
	}
	return physical == r.Name || autoname.ReplaceAllString(physical, "") == r.Name
}

// lastSegment returns what follows the last "/" of an ARN or path.
func lastSegment(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// plural formats a count of things: "1 metric", "2 metrics".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
