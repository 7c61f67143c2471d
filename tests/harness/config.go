package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// StackConfig is a stack's configuration as the Pulumi CLI hands it to the
// program: full keys ("refarch:vpcCidr") to text, arrays and objects as
// JSON, with the project's defaults and values applied.
type StackConfig struct {
	// Project is the project name from Pulumi.yaml.
	Project string
	// Stack is the stack name.
	Stack string
	// Values maps every full key to its text.
	Values map[string]string
	// Secret lists the keys whose values are secret (`secure:` in the stack
	// file). The harness cannot decrypt them; their values are placeholders.
	Secret []string
}

// projectFile is the part of Pulumi.yaml the harness reads.
type projectFile struct {
	Name   string                    `yaml:"name"`
	Config map[string]yaml.Node      `yaml:"config"`
	Extra  map[string]map[string]any `yaml:"-"`
}

// declaration is a typed project config key (a Pulumi.yaml `config:` entry).
type declaration struct {
	Type        string         `yaml:"type"`
	Items       *itemsType     `yaml:"items"`
	Description string         `yaml:"description"`
	Default     any            `yaml:"default"`
	Value       any            `yaml:"value"`
	Secret      bool           `yaml:"secret"`
	Rest        map[string]any `yaml:",inline"`
}

type itemsType struct {
	Type  string     `yaml:"type"`
	Items *itemsType `yaml:"items"`
}

// FindProjectDir walks up from dir to the nearest folder holding Pulumi.yaml,
// as the Pulumi CLI does.
func FindProjectDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any parent", abs)
		}
	}
}

// LoadStackConfig reads Pulumi.yaml and Pulumi.<stack>.yaml from dir and
// merges them the way the Pulumi CLI does: stack values over project values
// over project defaults. Like the CLI, it rejects a stack value whose type
// differs from the project's declaration; unlike the CLI, it also rejects a
// project-namespaced key that Pulumi.yaml does not declare, because the
// program would silently ignore a misspelt key.
func LoadStackConfig(dir, stack string) (*StackConfig, error) {
	projPath := filepath.Join(dir, "Pulumi.yaml")
	raw, err := os.ReadFile(projPath)
	if err != nil {
		return nil, fmt.Errorf("reading project file: %w", err)
	}
	var proj projectFile
	if err := yaml.Unmarshal(raw, &proj); err != nil {
		return nil, fmt.Errorf("%s: %w", projPath, err)
	}
	if proj.Name == "" {
		return nil, fmt.Errorf("%s: no project name", projPath)
	}
	cfg := &StackConfig{Project: proj.Name, Stack: stack, Values: map[string]string{}}
	decls := map[string]declaration{}
	var problems []string
	for key, node := range proj.Config {
		full := fullKey(proj.Name, key)
		var d declaration
		if node.Kind == yaml.MappingNode {
			if err := node.Decode(&d); err != nil {
				problems = append(problems, fmt.Sprintf("%s: config %q: %v", projPath, key, err))
				continue
			}
			if len(d.Rest) > 0 {
				problems = append(problems, fmt.Sprintf("%s: config %q has unknown attributes %v", projPath, key, keys(d.Rest)))
			}
		} else {
			// Shorthand: `aws:region: us-west-2` sets a value.
			var v any
			if err := node.Decode(&v); err != nil {
				problems = append(problems, fmt.Sprintf("%s: config %q: %v", projPath, key, err))
				continue
			}
			d.Value = v
		}
		namespaced := strings.HasPrefix(full, proj.Name+":")
		switch {
		case !namespaced && d.Type != "":
			problems = append(problems, fmt.Sprintf("%s: config %q is not namespaced by the project and must not declare a type", projPath, key))
		case d.Default != nil && d.Value != nil:
			problems = append(problems, fmt.Sprintf("%s: config %q has both a default and a value", projPath, key))
		case d.Type != "" && d.Default != nil && !matchesType(d.Type, d.Items, d.Default):
			problems = append(problems, fmt.Sprintf("%s: the default of %q is not of type %s", projPath, key, typeName(d.Type, d.Items)))
		}
		decls[full] = d
		switch {
		case d.Value != nil:
			cfg.Values[full] = present(d.Value)
		case d.Default != nil:
			cfg.Values[full] = present(d.Default)
		}
	}

	stackPath := filepath.Join(dir, "Pulumi."+stack+".yaml")
	raw, err = os.ReadFile(stackPath)
	if err != nil {
		return nil, fmt.Errorf("reading stack file: %w", err)
	}
	var stackFile struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &stackFile); err != nil {
		return nil, fmt.Errorf("%s: %w", stackPath, err)
	}
	for key, v := range stackFile.Config {
		full := fullKey(proj.Name, key)
		d, declared := decls[full]
		if strings.HasPrefix(full, proj.Name+":") && !declared {
			problems = append(problems, fmt.Sprintf("%s sets %s, which Pulumi.yaml does not declare (misspelt?)", filepath.Base(stackPath), full))
			continue
		}
		if secure, ok := secureValue(v); ok {
			cfg.Secret = append(cfg.Secret, full)
			cfg.Values[full] = "harness-secret:" + secure[:min(8, len(secure))]
			continue
		}
		if d.Type != "" && !matchesType(d.Type, d.Items, v) {
			problems = append(problems, fmt.Sprintf("%s: %s is %s, but Pulumi.yaml declares type %s",
				filepath.Base(stackPath), full, describe(v), typeName(d.Type, d.Items)))
			continue
		}
		cfg.Values[full] = present(v)
	}
	for full, d := range decls {
		if d.Secret && !contains(cfg.Secret, full) {
			if _, set := cfg.Values[full]; set {
				problems = append(problems, fmt.Sprintf("%s: %s must be a secret (pulumi config set --secret)", filepath.Base(stackPath), full))
			}
		}
	}
	sort.Strings(cfg.Secret)
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return cfg, nil
}

func fullKey(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// secureValue recognizes `{secure: <ciphertext>}`.
func secureValue(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	s, ok := m["secure"].(string)
	return s, ok
}

// present renders a YAML value as the CLI passes it to programs.
func present(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
}

func matchesType(typ string, items *itemsType, v any) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		_, ok := v.(int)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return false
		}
		if items == nil {
			return true
		}
		for _, e := range arr {
			if !matchesType(items.Type, items.Items, e) {
				return false
			}
		}
		return true
	}
	return false
}

func typeName(typ string, items *itemsType) string {
	if typ == "array" && items != nil {
		return "array<" + typeName(items.Type, items.Items) + ">"
	}
	return typ
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int:
		return "an integer"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
