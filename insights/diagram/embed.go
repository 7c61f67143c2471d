package diagram

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Markers returns the HTML comments that delimit the diagram of stack in a
// Markdown document; GitHub renders neither
// (https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#hiding-content-with-comments).
func Markers(stack string) (start, end string) {
	return "<!-- diagram:" + stack + " -->", "<!-- /diagram:" + stack + " -->"
}

const (
	fenceOpen  = "```mermaid\n"
	fenceClose = "```\n"
)

// Embed replaces the text between the markers `<!-- diagram:<stack> -->`
// and `<!-- /diagram:<stack> -->` in doc with a ```mermaid fenced block of
// diagram (the way GitHub renders a Mermaid diagram,
// https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams#creating-mermaid-diagrams),
// leaving the rest of doc as it is. It errors if either marker is missing
// or appears more than once, or if the end comes first. Embedding the same
// diagram again changes nothing.
func Embed(doc []byte, stack, diagram string) ([]byte, error) {
	if strings.Contains(diagram, "```") {
		return nil, errors.New("diagram: the diagram holds a code fence (```), which would end its block")
	}
	from, to, err := span(doc, stack)
	if err != nil {
		return nil, err
	}
	if diagram != "" && !strings.HasSuffix(diagram, "\n") {
		diagram += "\n"
	}
	var out bytes.Buffer
	out.Write(doc[:from])
	out.WriteString("\n" + fenceOpen)
	out.WriteString(diagram)
	out.WriteString(fenceClose)
	out.Write(doc[to:])
	return out.Bytes(), nil
}

// Extract returns the diagram currently embedded for stack: the text of the
// ```mermaid block between its markers, ending with a newline, exactly what
// Embed wrote (for a drift test: Extract(readme) == Mermaid(plan)).
func Extract(doc []byte, stack string) (string, error) {
	from, to, err := span(doc, stack)
	if err != nil {
		return "", err
	}
	body := string(doc[from:to])
	open := strings.Index(body, fenceOpen)
	if open < 0 {
		return "", fmt.Errorf("diagram: no ```mermaid block between the %s markers", stack)
	}
	rest := body[open+len(fenceOpen):]
	closeAt := -1
	if strings.HasPrefix(rest, fenceClose) {
		closeAt = 0
	} else if i := strings.Index(rest, "\n"+fenceClose); i >= 0 {
		closeAt = i + 1
	} else if strings.HasSuffix(rest, "\n```") {
		closeAt = len(rest) - len("```")
	}
	if closeAt < 0 {
		return "", fmt.Errorf("diagram: the ```mermaid block of %s is not closed before its end marker", stack)
	}
	return rest[:closeAt], nil
}

// span returns where the text between stack's markers starts and ends.
func span(doc []byte, stack string) (from, to int, err error) {
	if stack == "" || strings.ContainsAny(stack, " \t\r\n") || strings.Contains(stack, "--") {
		return 0, 0, fmt.Errorf("diagram: %q cannot name a diagram marker", stack)
	}
	start, end := Markers(stack)
	for _, m := range []string{start, end} {
		switch n := bytes.Count(doc, []byte(m)); {
		case n == 0:
			return 0, 0, fmt.Errorf("diagram: marker %s is missing", m)
		case n > 1:
			return 0, 0, fmt.Errorf("diagram: marker %s appears %d times", m, n)
		}
	}
	from = bytes.Index(doc, []byte(start)) + len(start)
	to = bytes.Index(doc, []byte(end))
	if to < from {
		return 0, 0, fmt.Errorf("diagram: marker %s comes before %s", end, start)
	}
	return from, to, nil
}
