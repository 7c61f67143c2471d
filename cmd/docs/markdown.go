package main

import (
	"go/doc/comment"
	"regexp"
	"strings"
)

// markdown renders a doc comment as Markdown blocks: headings at level
// heading, paragraphs on one line each, lists, code blocks. Text is
// escaped except inside `code spans`, which the comments use for commands
// and literals, and URLs, which stay as written (GitHub links them).
func (m *pkgModel) markdown(text string, heading int) string {
	var b strings.Builder
	for i, block := range m.docPkg.Parser().Parse(text).Content {
		if i > 0 {
			b.WriteString("\n")
		}
		switch x := block.(type) {
		case *comment.Heading:
			b.WriteString(strings.Repeat("#", heading) + " " + inline(x.Text, false) + "\n")
		case *comment.Paragraph:
			b.WriteString(inline(x.Text, false) + "\n")
		case *comment.List:
			for n, item := range x.Items {
				marker := "- "
				if item.Number != "" {
					marker = item.Number + ". "
				}
				if n > 0 && x.BlankBetween() {
					b.WriteString("\n")
				}
				b.WriteString(marker + blocksInline(item.Content, " ") + "\n")
			}
		case *comment.Code:
			b.WriteString("```\n" + x.Text + "```\n")
		}
	}
	return b.String()
}

// cell renders a doc comment for a table cell: one line, blocks separated
// by <br>, every | escaped.
func (m *pkgModel) cell(text string) string {
	var parts []string
	for _, block := range m.docPkg.Parser().Parse(text).Content {
		switch x := block.(type) {
		case *comment.Heading:
			parts = append(parts, inline(x.Text, true))
		case *comment.Paragraph:
			parts = append(parts, inline(x.Text, true))
		case *comment.List:
			for _, item := range x.Items {
				marker := "- "
				if item.Number != "" {
					marker = item.Number + ". "
				}
				parts = append(parts, marker+blocksInline(item.Content, "<br>"))
			}
		case *comment.Code:
			for _, line := range strings.Split(strings.TrimRight(x.Text, "\n"), "\n") {
				parts = append(parts, codeSpan(line, true))
			}
		}
	}
	return strings.Join(parts, "<br>")
}

// blocksInline renders a list item's paragraphs on one line.
func blocksInline(blocks []comment.Block, sep string) string {
	var parts []string
	for _, block := range blocks {
		if p, ok := block.(*comment.Paragraph); ok {
			parts = append(parts, inline(p.Text, sep == "<br>"))
		}
	}
	return strings.Join(parts, sep)
}

// inline renders a run of comment text on one line.
func inline(text []comment.Text, inTable bool) string {
	var b strings.Builder
	for _, t := range text {
		switch x := t.(type) {
		case comment.Plain:
			b.WriteString(escape(string(x), inTable))
		case comment.Italic:
			b.WriteString("*" + escape(string(x), inTable) + "*")
		case *comment.Link:
			label := inline(x.Text, inTable)
			if x.Auto {
				b.WriteString(x.URL)
			} else {
				b.WriteString("[" + label + "](" + x.URL + ")")
			}
		case *comment.DocLink:
			b.WriteString(inline(x.Text, inTable))
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// escape escapes Markdown's special characters in plain comment text,
// keeping `code spans` as they are; in a table, | is escaped everywhere,
// code spans included (GitHub's table syntax requires it).
func escape(s string, inTable bool) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(escapeText(s, inTable))
			break
		}
		b.WriteString(escapeText(s[:i], inTable))
		end := strings.IndexByte(s[i+1:], '`')
		if end < 0 {
			b.WriteString("\\`" + escapeText(s[i+1:], inTable))
			break
		}
		b.WriteString(codeSpan(s[i+1:i+1+end], inTable))
		s = s[i+2+end:]
	}
	return b.String()
}

// escapeText escapes text outside code spans.
func escapeText(s string, inTable bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '*' || c == '[' || c == ']' || c == '<' || c == '>':
			b.WriteByte('\\')
		case c == '|' && inTable:
			b.WriteByte('\\')
		case c == '_' && (i == 0 || !isIdentByte(s[i-1]) || i == len(s)-1 || !isIdentByte(s[i+1])):
			// An underscore inside a word (ECS_FARGATE) never starts
			// emphasis; one at a word's edge may.
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// codeSpan writes s as a code span.
func codeSpan(s string, inTable bool) string {
	if inTable {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// clauseStart matches where a default or requirement may be stated: the
// start of the comment, of a sentence, of a clause after a semicolon, or
// of a parenthesis.
var clauseStart = regexp.MustCompile(`(?:^|[.!?]\s+|;\s+|\()`)

var (
	defaultLead  = regexp.MustCompile(`^[Dd]efaults?(?:\s+(?:to|is))?\b\s*:?\s*`)
	requiredLead = regexp.MustCompile(`^[Rr]equired\b`)
	literal      = regexp.MustCompile(`^(?:-?[0-9][0-9.]*|true|false|nil|"[^"]*"|\[.*\])$`)
)

// requirement is what a field's doc says about leaving it unset.
type requirement struct {
	// Required is "required" or its condition ("required unless
	// LogKMSKeyARN is given"), "" when the doc does not say it is.
	Required string
	// Default is the default's value as the doc states it, "" without.
	Default string
}

// conditional reports whether the field is required only in some cases
// ("required with X", "required when Y"), so a minimal call omits it.
func (r requirement) conditional() bool {
	return r.Required != "" && r.Required != "required" && !strings.HasPrefix(r.Required, "required unless")
}

// readRequirement finds, in the doc comment of the field called name, a
// clause that starts with "Required"/"(required" or with
// "Default"/"Defaults"/"default", and keeps its value: the clause up to
// the first colon, semicolon, comma or parenthesis, which is where the
// comments' explanation starts. In a doc shared by several fields
// ("Partition, Region and AccountID are …"), a clause starting with the
// field's own name ("Partition defaults to the region's") is that field's
// own, and overrides what the doc says of them all.
func readRequirement(doc, name string) requirement {
	text := strings.Join(strings.Fields(doc), " ")
	var r, own requirement
	for _, loc := range clauseStart.FindAllStringIndex(text, -1) {
		rest := text[loc[1]:]
		if strings.HasSuffix(text[loc[0]:loc[1]], "(") {
			if end := strings.IndexByte(rest, ')'); end >= 0 {
				rest = rest[:end]
			}
		}
		if after, ok := strings.CutPrefix(rest, name+" "); ok && name != "" {
			after = strings.TrimPrefix(after, "is ")
			switch {
			case own.Required == "" && requiredLead.MatchString(after):
				own.Required = required(after)
			case own.Default == "" && defaultLead.MatchString(after):
				own.Default = clip(defaultLead.ReplaceAllString(after, ""))
			}
			continue
		}
		switch {
		case r.Required == "" && requiredLead.MatchString(rest):
			r.Required = required(rest)
		case r.Default == "" && defaultLead.MatchString(rest):
			r.Default = clip(defaultLead.ReplaceAllString(rest, ""))
		}
	}
	if own != (requirement{}) {
		return own
	}
	return r
}

// required reads a "Required…" clause: its condition, without the
// parentheses that qualify it ("Required (at least 2) with ReadReplicas"
// is "required with ReadReplicas").
func required(clause string) string {
	return "r" + clip(parenthetical.ReplaceAllString(clause, ""))[1:]
}

// parenthetical matches a parenthesis and the space before it.
var parenthetical = regexp.MustCompile(`\s*\([^)]*\)`)

// clip cuts a clause at its explanation (the first ": ", "; ", ", ",
// " (", " — " or ". " outside quotes and code spans) and drops a final
// full stop.
func clip(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '`':
			quote = c
		case i > 0 && hasSeparator(s[i:]):
			return strings.TrimSuffix(strings.TrimSpace(s[:i]), ".")
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ".")
}

// hasSeparator reports whether s starts with a separator clip cuts at.
func hasSeparator(s string) bool {
	for _, sep := range []string{": ", "; ", ", ", " (", " — ", ". "} {
		if strings.HasPrefix(s, sep) {
			return true
		}
	}
	return false
}
