package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoRoot is the module root, two levels above this package.
const repoRoot = "../.."

// TestPagesAreCurrent fails when a committed components/<name>/README.md
// differs from what the code's doc comments generate, naming the command
// that regenerates it.
func TestPagesAreCurrent(t *testing.T) {
	pages, err := generate(repoRoot)
	require.NoError(t, err)
	require.Contains(t, pages, "components/network/README.md")
	require.Contains(t, pages, "components/ecscluster/README.md")
	for _, p := range sortedKeys(pages) {
		committed, err := os.ReadFile(filepath.Join(repoRoot, p))
		if !assert.NoError(t, err, "%s is missing: run %s", p, command) {
			continue
		}
		if line, got, want := firstDifference(string(committed), pages[p]); line > 0 {
			t.Errorf("%s is stale: run %s (line %d is %q, the code generates %q)", p, command, line, got, want)
		}
	}
}

// firstDifference returns the first line (from 1) where got and want
// differ, and both lines; 0 when they are equal.
func firstDifference(got, want string) (line int, gotLine, wantLine string) {
	if got == want {
		return 0, "", ""
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; ; i++ {
		if i >= len(g) || i >= len(w) || g[i] != w[i] {
			at := func(lines []string) string {
				if i < len(lines) {
					return lines[i]
				}
				return "(end of file)"
			}
			return i + 1, at(g), at(w)
		}
	}
}

// TestEveryArgumentExplained: every argument of every component (nested
// argument types included) has a doc comment that says whether it is
// required or what its default is, and every output has a doc comment; a
// page would otherwise show an empty description or a bare "—".
func TestEveryArgumentExplained(t *testing.T) {
	module, err := modulePath(repoRoot)
	require.NoError(t, err)
	models, err := loadComponents(repoRoot, module)
	require.NoError(t, err)
	components := 0
	for _, m := range models {
		for _, c := range m.Components {
			components++
			for _, p := range explainProblems(m, c) {
				t.Errorf("%s (fix the doc comment, then run %s)", p, command)
			}
		}
	}
	assert.GreaterOrEqual(t, components, 22, "every component type is found")
}

// explainProblems lists a component's fields a reader would find
// unexplained.
func explainProblems(m *pkgModel, c *component) []string {
	var out []string
	where := m.Name + "." + c.Name
	for _, f := range append(c.Outputs, c.Others...) {
		if strings.TrimSpace(f.Doc) == "" {
			out = append(out, where+"."+f.Name+": output without a doc comment")
		}
	}
	if c.Args == nil {
		return out
	}
	for _, s := range append([]*structDoc{c.Args}, m.nested(c.Args, nil)...) {
		for _, f := range s.Fields {
			name := m.Name + "." + s.Name + "." + f.Name
			r := readRequirement(f.Doc, f.Name)
			switch {
			case strings.TrimSpace(f.Doc) == "":
				out = append(out, name+": no doc comment")
			case r.Required == "" && r.Default == "" && !f.Embedded:
				out = append(out, name+": the doc says neither Required nor Default")
			}
		}
		for _, k := range s.Consts {
			if strings.TrimSpace(k.Doc) == "" {
				out = append(out, m.Name+"."+k.Name+": constant without a doc comment")
			}
		}
	}
	return out
}

// fixture copies the test module (a component package, a helper package
// and an example) to a temporary directory.
func fixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "module"))))
	return dir
}

// TestRunWritesThenChecks: the command writes every page, -check then
// passes, and fails naming the page and the command once a doc comment
// changes or a page is missing.
func TestRunWritesThenChecks(t *testing.T) {
	dir := fixture(t)
	var out, errOut strings.Builder
	require.Equal(t, 1, run([]string{"-check", "-root", dir}, &out, &errOut))
	assert.Contains(t, errOut.String(), "components/widget/README.md is missing: run go run ./cmd/docs")
	assert.Contains(t, errOut.String(), "components/helper/README.md is missing: run go run ./cmd/docs")

	out.Reset()
	errOut.Reset()
	require.Equal(t, 0, run([]string{"-root", dir}, &out, &errOut), errOut.String())
	assert.Equal(t, "wrote components/helper/README.md\nwrote components/widget/README.md\n", out.String())
	require.Equal(t, 0, run([]string{"-check", "-root", dir}, &out, &errOut), errOut.String())

	src := filepath.Join(dir, "components", "widget", "widget.go")
	code, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(src, []byte(strings.Replace(string(code), "Default 3: small.", "Default 4: small.", 1)), 0o644))
	errOut.Reset()
	assert.Equal(t, 1, run([]string{"-check", "-root", dir}, &out, &errOut))
	assert.Equal(t, "components/widget/README.md is stale: run go run ./cmd/docs\n", errOut.String())

	assert.Equal(t, 2, run([]string{"-check", "extra"}, &out, &errOut), "a stray argument is a usage error")
}

// TestFixturePage checks the page of the fixture's component: the usage
// snippet with the required arguments, the argument table's type, default
// and escaped description, the nested types, the outputs, and the example.
func TestFixturePage(t *testing.T) {
	pages, err := generate(fixture(t))
	require.NoError(t, err)
	page := pages["components/widget/README.md"]
	for _, want := range []string{
		header,
		"import \"example.com/lib/components/widget\"",
		"| [`Widget`](#widget) | Widget is a test component: it creates nothing. |",
		"- A list item, with \\<angle\\> brackets and a_b.",
		"myWidget, err := widget.NewWidget(ctx, \"widget\", &widget.WidgetArgs{\n\tName: name, // string\n\tKey:  key,  // pulumi.StringInput, required unless Size is given\n\tLeft: left, // string\n\tMain: main, // map[string]widget.Part\n})",
		"ctx.Export(\"id\", myWidget.ID)",
		"Used in [`examples/demo`](../../examples/demo/).",
		"| `Name` | `string` | required | Name names the widget (required). |",
		"| `Size` | `int` | `3` | Size is how big it is. Default 3: small. |",
		"| `Pattern` | `string` | `DefaultSize` (`3`) | Pattern matches a\\|b, `x\\|y` literally. Default DefaultSize. |",
		"| `Parts` | [`[]Part`](#part) | none |",
		"| `Key` | `pulumi.StringInput` | required unless Size is given |",
		"| `Zone` | `string` | required with Parts |",
		"| `Left` | `string` | required |",
		"| `Right` | `string` | Left |",
		"| `Extra` | [`*Part`](#part) | — |",
		"#### `Part`",
		"| `Label` | `string` | required | Label names the part. Required. |",
		"`type Mode string`, one of:",
		"| `ModeOn` | `\"on\"` | ModeOn runs it. |",
		"| `ID` (`id`) | `pulumi.StringOutput` | ID and ARN identify the widget. |",
		"| `ARN` (`arn`) | `pulumi.StringOutput` | ID and ARN identify the widget. |",
		"| `Gadgets` | [`map[string]*Gadget`](#gadget) | Gadgets are the widget's gadgets by name. |",
		"It has no constructor of its own: `Widget.Gadgets` holds the ones it creates.",
		"| `CheckName(name string) string` | CheckName returns the rule a name breaks, or \"\". |",
	} {
		assert.Contains(t, page, want)
	}
	assert.NotContains(t, page, "Zone:", "a conditionally required argument is not in the minimal call")
	assert.NotContains(t, page, "examples/internal", "a folder without Pulumi.yaml is no example")
	assert.Less(t, strings.Index(page, "## Widget"), strings.Index(page, "## Gadget"), "components in the package doc's order")

	helper := pages["components/helper/README.md"]
	assert.Contains(t, helper, "| `Double(n int) int` | Double returns twice n. |")
	assert.Contains(t, helper, "| `Tool.Use()` | Use does nothing. |")

	again, err := generate(fixture(t))
	require.NoError(t, err)
	assert.Equal(t, pages, again, "the output is deterministic")
}

func TestReadRequirement(t *testing.T) {
	for _, c := range []struct {
		doc, name string
		want      requirement
	}{
		{"X is the block (required): a network.", "X", requirement{Required: "required"}},
		{"X is it. Required: the deploy role.", "X", requirement{Required: "required"}},
		{"X is it. Required unless Y is given: the deploy role.", "X", requirement{Required: "required unless Y is given"}},
		{"X is it. Required (at least 2) with Y: spread.", "X", requirement{Required: "required with Y"}},
		{"X is it. Required (at least one, the deploy role): a key.", "X", requirement{Required: "required"}},
		{"X is it. Default 365: months of history.", "X", requirement{Default: "365"}},
		{"X is it. Default: DefaultMasks (half of a zone).", "X", requirement{Default: "DefaultMasks"}},
		{"X is it. Default\nfalse; prod sets it.", "X", requirement{Default: "false"}},
		{"X is it. Defaults to \"a, b\", quoted.", "X", requirement{Default: `"a, b"`}},
		{"X is it (default 30), short.", "X", requirement{Default: "30"}},
		{"X is it. DefaultMasks sizes it.", "X", requirement{}},
		{"X and Y are it. Required; Y defaults to X.", "Y", requirement{Default: "X"}},
		{"X and Y are it. Required; Y defaults to X.", "X", requirement{Required: "required"}},
		{"X is it.", "X", requirement{}},
	} {
		assert.Equal(t, c.want, readRequirement(c.doc, c.name), c.doc)
	}
}

func TestEscape(t *testing.T) {
	assert.Equal(t, `a|b \<name\> \*x `+"`c|d`", escape("a|b <name> *x `c|d`", false))
	assert.Equal(t, `a\|b `+"`c\\|d`", escape("a|b `c|d`", true), "| is escaped in a table, code spans included")
	assert.Equal(t, `ECS_FARGATE \_x`, escape("ECS_FARGATE _x", false), "an underscore inside a word stays")
	assert.Equal(t, "\\`odd", escape("`odd", false), "an unpaired backtick is escaped")
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{"VpcID": "vpcID", "KMSKeyARN": "kmsKeyARN", "ARN": "arn", "CIDRBlock": "cidrBlock", "x": "x"} {
		assert.Equal(t, want, lowerCamel(in), in)
	}
}

func TestSlugify(t *testing.T) {
	assert.Equal(t, "servicespec", slugify("`ServiceSpec`"))
	assert.Equal(t, "componentsnetwork", slugify("components/network"))
	assert.Equal(t, "first-deployment", slugify("First deployment"))
}

func TestFirstDifference(t *testing.T) {
	line, got, want := firstDifference("a\nb\nc\n", "a\nB\nc\n")
	assert.Equal(t, 2, line)
	assert.Equal(t, "b", got)
	assert.Equal(t, "B", want)
	line, got, _ = firstDifference("a\n", "a\nb\n")
	assert.Equal(t, 2, line)
	assert.Equal(t, "", got, "the committed file ends with an empty line")
	line, _, _ = firstDifference("a\n", "a\n")
	assert.Zero(t, line)
}
