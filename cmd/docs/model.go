package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// pkgModel is what one package under components/ documents: its doc
// comment, its components (or, for a helper package, its exported API).
type pkgModel struct {
	// Name is the package name.
	Name string
	// Dir is the package's folder under components/ (its name, too, by
	// CONTRIBUTING.md's rule).
	Dir string
	// ImportPath is the path a Go program imports it by.
	ImportPath string
	// Doc is the package doc comment.
	Doc string
	// Components are the component types, in the order the package doc
	// names them.
	Components []*component
	// Funcs are the exported functions that are not a component's
	// constructor, and, in a helper package, the types' methods.
	Funcs []funcDoc
	// Types are a helper package's exported types (empty for a component
	// package, whose types appear in its components' tables).
	Types []typeDoc

	fset   *token.FileSet
	docPkg *doc.Package
	types  map[string]*doc.Type
}

// component is one type embedding pulumi.ResourceState.
type component struct {
	Name string
	Doc  string
	// Constructor is New<Name>, nil when the type is only created by
	// another component.
	Constructor *doc.Func
	// Args is the constructor's arguments type, nil without constructor.
	Args *structDoc
	// Outputs are the exported fields with a pulumi tag.
	Outputs []field
	// Others are the exported fields without a pulumi tag: Go values a
	// program reads, not registered outputs.
	Others []field
	// CreatedBy names the fields of other components holding this type
	// ("EcsCluster.Services"), for a type without constructor.
	CreatedBy []string
	// Examples are the folders under examples/ that call the constructor.
	Examples []string
}

// structDoc is a named type of the package referenced by arguments: a
// struct's fields, or a named basic type's constants.
type structDoc struct {
	Name string
	Doc  string
	// Underlying is the type's definition when it is not a struct
	// ("string"), empty for a struct.
	Underlying string
	Fields     []field
	// Consts are the constants of a non-struct type.
	Consts []constDoc
}

// field is one struct field.
type field struct {
	Name     string
	Type     string
	Doc      string
	Tag      string // the pulumi tag's name, "" without one
	Embedded bool
	// local lists the package's own types the field's type refers to.
	local []string
}

// constDoc is one constant of a named type.
type constDoc struct {
	Name  string
	Value string
	Doc   string
}

// funcDoc is one exported function or method.
type funcDoc struct {
	// Signature is how a Go reader calls it: "CheckName(name string) string",
	// "Document.JSON() (string, error)".
	Signature string
	Synopsis  string
}

// typeDoc is one exported type of a helper package.
type typeDoc struct {
	Name     string
	Synopsis string
}

// loadPackage parses the non-test Go files of dir (no build, no type
// check) and extracts its model.
func loadPackage(dir, importPath string) (*pkgModel, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", filepath.Join(dir, n), err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, nil
	}
	dp, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		return nil, fmt.Errorf("reading the doc comments of %s: %w", dir, err)
	}
	m := &pkgModel{Name: dp.Name, Dir: filepath.Base(dir), ImportPath: importPath, Doc: dp.Doc, fset: fset, docPkg: dp, types: map[string]*doc.Type{}}
	for _, t := range dp.Types {
		m.types[t.Name] = t
	}
	constructors := map[*doc.Func]bool{}
	for _, t := range dp.Types {
		if !isComponent(typeSpec(t)) {
			continue
		}
		c, err := m.component(t)
		if err != nil {
			return nil, err
		}
		if c.Constructor != nil {
			constructors[c.Constructor] = true
		}
		m.Components = append(m.Components, c)
	}
	m.orderComponents()
	m.linkCreators()
	m.collectFuncs(constructors)
	return m, nil
}

// typeSpec returns the spec declaring t.
func typeSpec(t *doc.Type) *ast.TypeSpec {
	for _, s := range t.Decl.Specs {
		if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == t.Name {
			return ts
		}
	}
	return nil
}

// isComponent reports whether the type is a struct embedding
// pulumi.ResourceState, which makes it a Pulumi component resource.
func isComponent(ts *ast.TypeSpec) bool {
	if ts == nil {
		return false
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return false
	}
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 && types.ExprString(f.Type) == "pulumi.ResourceState" {
			return true
		}
	}
	return false
}

// component extracts one component type, its constructor and arguments.
func (m *pkgModel) component(t *doc.Type) (*component, error) {
	c := &component{Name: t.Name, Doc: t.Doc}
	for _, f := range t.Funcs {
		if f.Name == "New"+t.Name {
			c.Constructor = f
		}
	}
	st := typeSpec(t).Type.(*ast.StructType)
	for _, f := range m.fields(st, true) {
		switch {
		case f.Embedded && f.Type == "pulumi.ResourceState":
		case f.Tag != "":
			c.Outputs = append(c.Outputs, f)
		default:
			c.Others = append(c.Others, f)
		}
	}
	if c.Constructor == nil {
		return c, nil
	}
	params := c.Constructor.Decl.Type.Params.List
	var argsType string
	if len(params) >= 3 {
		if star, ok := params[2].Type.(*ast.StarExpr); ok {
			if id, ok := star.X.(*ast.Ident); ok {
				argsType = id.Name
			}
		}
	}
	at, ok := m.types[argsType]
	if !ok {
		return nil, fmt.Errorf("%s: New%s's third parameter is not a pointer to an arguments struct of the package", m.ImportPath, t.Name)
	}
	args, ok := m.named(at)
	if !ok || args.Underlying != "" {
		return nil, fmt.Errorf("%s: %s is not a struct", m.ImportPath, argsType)
	}
	c.Args = args
	return c, nil
}

// named returns the documentation of a named type of the package: a
// struct's fields or a basic type's constants.
func (m *pkgModel) named(t *doc.Type) (*structDoc, bool) {
	ts := typeSpec(t)
	if ts == nil {
		return nil, false
	}
	s := &structDoc{Name: t.Name, Doc: t.Doc}
	if st, ok := ts.Type.(*ast.StructType); ok {
		s.Fields = m.fields(st, false)
		return s, true
	}
	s.Underlying = types.ExprString(ts.Type)
	for _, g := range t.Consts {
		for _, spec := range g.Decl.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !n.IsExported() {
					continue
				}
				value := ""
				if i < len(vs.Values) {
					value = types.ExprString(vs.Values[i])
				}
				d := vs.Doc.Text()
				if d == "" {
					d = vs.Comment.Text()
				}
				s.Consts = append(s.Consts, constDoc{Name: n.Name, Value: value, Doc: d})
			}
		}
	}
	return s, true
}

// fields lists a struct's exported fields with their docs. With share, a
// field without a doc comment of its own shares the doc of the field right
// above it (no blank line between) when that doc names it ("Name and ARN
// identify the cluster."), as a Go reader reads such a group of outputs.
// Arguments never share: each states its own default.
func (m *pkgModel) fields(st *ast.StructType, share bool) []field {
	var out []field
	prevDoc, prevEnd := "", -1
	for _, f := range st.Fields.List {
		d := f.Doc.Text()
		if d == "" {
			d = f.Comment.Text()
		}
		start := m.fset.Position(f.Pos()).Line
		if f.Doc != nil {
			start = m.fset.Position(f.Doc.Pos()).Line
		}
		names := []string{}
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		embedded := len(names) == 0
		if embedded {
			names = []string{strings.TrimPrefix(embeddedName(f.Type), "*")}
		}
		shared := ""
		if share && d == "" && start == prevEnd+1 {
			shared = prevDoc
		}
		for _, n := range names {
			if !ast.IsExported(n) {
				continue
			}
			fd := d
			if fd == "" && shared != "" && mentions(shared, n) {
				fd = shared
			}
			out = append(out, field{
				Name:     n,
				Type:     types.ExprString(f.Type),
				Doc:      fd,
				Tag:      pulumiTag(f.Tag),
				Embedded: embedded,
				local:    m.localTypes(f.Type),
			})
		}
		if d != "" {
			prevDoc = d
		}
		prevEnd = m.fset.Position(f.End()).Line
	}
	return out
}

// embeddedName is the field name of an embedded type.
func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.Ident:
		return t.Name
	}
	return types.ExprString(e)
}

// mentions reports whether text names the identifier as a word.
func mentions(text, name string) bool { return wordIndex(text, name) >= 0 }

// wordIndex is the index of the first occurrence of name in text as a
// whole word (an identifier), or -1.
func wordIndex(text, name string) int {
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return -1
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isIdentByte(text[j-1])) && (end == len(text) || !isIdentByte(text[end])) {
			return j
		}
		i = j + 1
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// pulumiTag returns the name in a field's `pulumi:"…"` tag.
func pulumiTag(tag *ast.BasicLit) string {
	if tag == nil {
		return ""
	}
	s, err := strconv.Unquote(tag.Value)
	if err != nil {
		return ""
	}
	name, _, _ := strings.Cut(reflect.StructTag(s).Get("pulumi"), ",")
	return name
}

// localTypes lists, in order of appearance, the exported types of the
// package an expression refers to.
func (m *pkgModel) localTypes(e ast.Expr) []string {
	var out []string
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			return false // another package's type
		case *ast.Ident:
			if _, ok := m.types[x.Name]; ok && !slices.Contains(out, x.Name) {
				out = append(out, x.Name)
			}
		}
		return true
	})
	return out
}

// nested returns the package's types the arguments refer to, directly or
// through one another, in order of first reference, without the types in
// skip (documented elsewhere on the page).
func (m *pkgModel) nested(args *structDoc, skip map[string]bool) []*structDoc {
	var out []*structDoc
	seen := map[string]bool{args.Name: true}
	queue := []*structDoc{args}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, f := range s.Fields {
			for _, name := range f.local {
				if seen[name] || skip[name] {
					continue
				}
				seen[name] = true
				n, ok := m.named(m.types[name])
				if !ok {
					continue
				}
				out = append(out, n)
				queue = append(queue, n)
			}
		}
	}
	return out
}

// orderComponents sorts the components in the order the package doc
// first names them; unnamed ones follow in alphabetical order.
func (m *pkgModel) orderComponents() {
	pos := func(c *component) int {
		if i := wordIndex(m.Doc, c.Name); i >= 0 {
			return i
		}
		return len(m.Doc)
	}
	slices.SortStableFunc(m.Components, func(a, b *component) int {
		if d := pos(a) - pos(b); d != 0 {
			return d
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// linkCreators records, for a component without constructor, which
// fields of the package's other components hold it.
func (m *pkgModel) linkCreators() {
	for _, c := range m.Components {
		if c.Constructor != nil {
			continue
		}
		for _, o := range m.Components {
			for _, f := range append(slices.Clone(o.Outputs), o.Others...) {
				if slices.Contains(f.local, c.Name) {
					c.CreatedBy = append(c.CreatedBy, o.Name+"."+f.Name)
				}
			}
		}
	}
}

// collectFuncs lists the exported functions that are not constructors of
// components and, in a helper package, the exported types and methods.
func (m *pkgModel) collectFuncs(constructors map[*doc.Func]bool) {
	add := func(recv string, f *doc.Func) {
		if constructors[f] {
			return
		}
		sig := strings.TrimPrefix(types.ExprString(f.Decl.Type), "func")
		name := f.Name
		if recv != "" {
			name = recv + "." + f.Name
		}
		m.Funcs = append(m.Funcs, funcDoc{Signature: name + sig, Synopsis: m.docPkg.Synopsis(f.Doc)})
	}
	for _, f := range m.docPkg.Funcs {
		add("", f)
	}
	helper := len(m.Components) == 0
	for _, t := range m.docPkg.Types {
		for _, f := range t.Funcs {
			add("", f)
		}
		if !helper {
			continue
		}
		m.Types = append(m.Types, typeDoc{Name: t.Name, Synopsis: m.docPkg.Synopsis(t.Doc)})
		for _, f := range t.Methods {
			add(t.Name, f)
		}
	}
	slices.SortStableFunc(m.Funcs, func(a, b funcDoc) int { return strings.Compare(a.Signature, b.Signature) })
}
