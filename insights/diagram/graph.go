package diagram

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// shape is how Mermaid draws a node
// (https://mermaid.js.org/syntax/flowchart.html#node-shapes).
type shape int

const (
	box      shape = iota // ["…"]  a resource
	rounded               // ("…")  a topic, a subscriber, an empty tier
	stadium               // (["…"]) a function or what triggers one
	cylinder              // [("…")] a data store or a bucket
	circle                // (("…")) the Internet
	hexagon               // {{"…"}} a load balancer
)

// open and close are a shape's delimiters around the quoted label.
func (s shape) open() string {
	return [...]string{"[", "(", "([", "[(", "((", "{{"}[s]
}

func (s shape) close() string {
	return [...]string{"]", ")", "])", ")]", "))", "}}"}[s]
}

// arrow is how an edge is drawn
// (https://mermaid.js.org/syntax/flowchart.html#links-between-nodes).
type arrow int

const (
	solid  arrow = iota // -->  traffic or a trigger
	dotted              // -.-> a dependency: replication, images
	both                // <--> a peering
)

func (a arrow) String() string {
	return [...]string{"-->", "-.->", "<-->"}[a]
}

// node is one box of the chart; lines are its label, unescaped.
type node struct {
	id    string
	lines []string
	shape shape
	group string // the subgraph holding it; "" for the top level
	rank  int    // order among its siblings, then id
}

// group is one subgraph; lines are its title, unescaped.
type group struct {
	id     string
	lines  []string
	parent string
	rank   int
}

// edge is one link; labels are merged when the same pair is linked twice.
type edge struct {
	from, to string
	arrow    arrow
	labels   []string
}

// graph is the chart being built: nodes and groups keyed by id, edges by
// their ends.
type graph struct {
	nodes  map[string]*node
	groups map[string]*group
	edges  map[[2]string]*edge
	ids    map[string]string // what an id was made for → the id
	used   map[string]bool
}

func newGraph() *graph {
	return &graph{
		nodes:  map[string]*node{},
		groups: map[string]*group{},
		edges:  map[[2]string]*edge{},
		ids:    map[string]string{},
		used:   map[string]bool{},
	}
}

// id returns the Mermaid id of the thing key names: kind and a sanitized
// name, with a numeric suffix when two names sanitize alike. The same key
// always gets the same id.
func (g *graph) id(key, kind, name string) string {
	if id, ok := g.ids[key]; ok {
		return id
	}
	base := kind
	if s := sanitize(name); s != "" {
		base += "_" + s
	}
	id := base
	for n := 2; g.used[id]; n++ {
		id = fmt.Sprintf("%s_%d", base, n)
	}
	g.ids[key] = id
	g.used[id] = true
	return id
}

// sanitize turns a name into the characters a Mermaid id may hold
// (letters, digits, underscores), lower case, one underscore for each run of
// anything else.
func sanitize(name string) string {
	var b strings.Builder
	gap := false
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteRune(c)
			continue
		}
		gap = true
	}
	return b.String()
}

// addNode adds a node, or returns the one with that id (the first
// definition wins).
func (g *graph) addNode(id string, sh shape, grp string, rank int, lines ...string) *node {
	if n, ok := g.nodes[id]; ok {
		return n
	}
	n := &node{id: id, lines: compact(lines), shape: sh, group: grp, rank: rank}
	g.nodes[id] = n
	return n
}

// addGroup adds a subgraph, or returns the one with that id.
func (g *graph) addGroup(id, parent string, rank int, lines ...string) *group {
	if gr, ok := g.groups[id]; ok {
		return gr
	}
	gr := &group{id: id, lines: compact(lines), parent: parent, rank: rank}
	g.groups[id] = gr
	return gr
}

// link adds an edge from → to, merging its label into an existing one.
func (g *graph) link(from, to string, a arrow, label string) {
	if from == "" || to == "" || from == to {
		return
	}
	key := [2]string{from, to}
	if a == both && from > to {
		key = [2]string{to, from}
		from, to = to, from
	}
	e, ok := g.edges[key]
	if !ok {
		e = &edge{from: from, to: to, arrow: a}
		g.edges[key] = e
	}
	if label != "" && !slices.Contains(e.labels, label) {
		e.labels = append(e.labels, label)
	}
}

// ancestors returns the groups holding id, innermost first.
func (g *graph) ancestors(id string) []string {
	parent := ""
	if n, ok := g.nodes[id]; ok {
		parent = n.group
	} else if gr, ok := g.groups[id]; ok {
		parent = gr.parent
	}
	var out []string
	for parent != "" {
		out = append(out, parent)
		parent = g.groups[parent].parent
	}
	return out
}

// render writes the chart. A subgraph's title is one line (Mermaid lays
// a longer one over the subgraph's content); a group left empty is drawn
// as a node, since Mermaid draws nothing useful for an empty subgraph.
func (g *graph) render() string {
	nonEmpty := map[string]bool{} // a group holding anything is a subgraph
	for _, n := range g.nodes {
		nonEmpty[n.group] = true
	}
	for _, gr := range g.groups {
		nonEmpty[gr.parent] = true
	}
	type item struct {
		rank  int
		id    string
		group *group
		node  *node
	}
	children := map[string][]item{}
	for _, n := range g.nodes {
		children[n.group] = append(children[n.group], item{rank: n.rank, id: n.id, node: n})
	}
	for _, gr := range g.groups {
		if nonEmpty[gr.id] {
			children[gr.parent] = append(children[gr.parent], item{rank: gr.rank, id: gr.id, group: gr})
			continue
		}
		n := &node{id: gr.id, lines: gr.lines, shape: rounded, group: gr.parent, rank: gr.rank}
		children[gr.parent] = append(children[gr.parent], item{rank: gr.rank, id: gr.id, node: n})
	}
	for _, list := range children {
		sort.Slice(list, func(i, j int) bool {
			if list[i].rank != list[j].rank {
				return list[i].rank < list[j].rank
			}
			return list[i].id < list[j].id
		})
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		indent := strings.Repeat("  ", depth)
		for _, it := range children[parent] {
			if it.node != nil {
				fmt.Fprintf(&b, "%s%s%s\"%s\"%s\n", indent, it.node.id, it.node.shape.open(), label(it.node.lines), it.node.shape.close())
				continue
			}
			fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", indent, it.group.id, escape(strings.Join(it.group.lines, " · ")))
			walk(it.group.id, depth+1)
			fmt.Fprintf(&b, "%send\n", indent)
		}
	}
	walk("", 1)
	edges := make([]*edge, 0, len(g.edges))
	for _, e := range g.edges {
		edges = append(edges, e)
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].from != edges[j].from {
			return edges[i].from < edges[j].from
		}
		return edges[i].to < edges[j].to
	})
	for _, e := range edges {
		if len(e.labels) == 0 {
			fmt.Fprintf(&b, "  %s %s %s\n", e.from, e.arrow, e.to)
			continue
		}
		fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", e.from, e.arrow, escape(strings.Join(e.labels, ", ")), e.to)
	}
	return b.String()
}

// label joins escaped lines with Mermaid's line break.
func label(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = escape(l)
	}
	return strings.Join(out, "<br/>")
}

// escaper writes the characters that would end or reinterpret a quoted
// label as Mermaid entity codes, which Mermaid decodes to the character
// (https://mermaid.js.org/syntax/flowchart.html#entity-codes-to-escape-characters):
// the quote, the entity marker itself, HTML's markup characters, the edge
// label delimiter and the backtick that would start a Markdown string.
var escaper = strings.NewReplacer(
	"#", "#35;",
	`"`, "#quot;",
	"<", "#lt;",
	">", "#gt;",
	"&", "#amp;",
	"|", "#124;",
	"`", "#96;",
	"\r\n", " ",
	"\n", " ",
	"\r", " ",
	"\t", " ",
)

// escape makes text safe inside a quoted Mermaid label.
func escape(text string) string { return escaper.Replace(text) }

// compact drops empty lines.
func compact(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
