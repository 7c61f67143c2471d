package cost

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Write prints the report: the subtotal of each component, the most
// expensive first, and the total; then the lines of each component, the
// most expensive first, each citing the assumptions it rests on ([A3]),
// with the component's subtotal; the resources not priced; every
// assumption, numbered; and the price table's date, note and sources.
func (e *Estimate) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	components := e.ByComponent()
	fmt.Fprintf(bw, "Monthly cost estimate of stack %s (%s): %s %s\n", e.Stack, e.Region, money(e.Total), e.Currency)
	fmt.Fprintf(bw, "Prices of %s, %g hours a month. Every quantity not derived from the records is an assumption, listed below.\n\n", e.PriceDate, e.HoursPerMonth)

	var summary table
	summary.header("By component")
	for _, c := range components {
		summary.row("  "+c.Component, money(c.Monthly))
	}
	summary.row("  TOTAL", money(e.Total))
	summary.write(bw, []bool{false, true})

	var lines table
	for _, c := range components {
		lines.blank()
		lines.header(fmt.Sprintf("%s: %s", c.Component, money(c.Monthly)))
		var mine []Line
		for _, l := range e.Lines {
			if l.Component == c.Component {
				mine = append(mine, l)
			}
		}
		sort.SliceStable(mine, func(i, j int) bool { return mine[i].Monthly > mine[j].Monthly })
		for _, l := range mine {
			lines.row("  "+resourceName(l.Resource)+": "+l.Item+cite(l.AssumptionRefs),
				quantity(l.Quantity), l.Unit, "× "+price(l.UnitPrice), "= "+money(l.Monthly), l.Region)
		}
		lines.row(fmt.Sprintf("  subtotal, %d lines", c.Lines), "", "", "", "= "+money(c.Monthly), "")
	}
	lines.blank()
	lines.row("TOTAL", "", "", "", "= "+money(e.Total), e.Currency)
	lines.write(bw, []bool{false, true, false, false, true, false})

	if len(e.NotPriced) == 0 {
		fmt.Fprintf(bw, "\nNot priced: none (every resource is priced or listed as free in the price table).\n")
	} else {
		fmt.Fprintf(bw, "\nNot priced: %d resources, left out of the total:\n", len(e.NotPriced))
		for _, n := range e.NotPriced {
			fmt.Fprintf(bw, "  - %s %s: %s\n", n.Type, resourceName(n.Resource), n.Reason)
		}
	}

	fmt.Fprintf(bw, "\nAssumptions (%d):\n", len(e.Assumptions))
	for i, a := range e.Assumptions {
		fmt.Fprintf(bw, "  [A%d] %s\n", i+1, a)
	}

	fmt.Fprintf(bw, "\nPrice table of %s. %s\nSources:\n", e.PriceDate, e.Note)
	for _, s := range e.Sources {
		fmt.Fprintf(bw, "  %s\n", s)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cost report: %w", err)
	}
	return nil
}

// cite formats the numbers of a line's assumptions: " [A3, A12]".
func cite(refs []int) string {
	if len(refs) == 0 {
		return ""
	}
	parts := make([]string, len(refs))
	for i, n := range refs {
		parts[i] = "A" + strconv.Itoa(n)
	}
	return " [" + strings.Join(parts, ", ") + "]"
}

// table lays out rows in columns; headers and blank lines do not widen
// them.
type table struct {
	rows [][]string // nil: blank line; one cell with header: printed as is
	head []bool
}

func (t *table) row(cells ...string) {
	t.rows = append(t.rows, cells)
	t.head = append(t.head, false)
}

func (t *table) header(text string) {
	t.rows = append(t.rows, []string{text})
	t.head = append(t.head, true)
}

func (t *table) blank() {
	t.rows = append(t.rows, nil)
	t.head = append(t.head, false)
}

// write prints the table; right[i] right-aligns column i.
func (t *table) write(w io.Writer, right []bool) {
	var widths []int
	for i, r := range t.rows {
		if t.head[i] {
			continue
		}
		for j, c := range r {
			if j >= len(widths) {
				widths = append(widths, 0)
			}
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
	}
	for i, r := range t.rows {
		if t.head[i] || r == nil {
			fmt.Fprintln(w, strings.Join(r, ""))
			continue
		}
		var b strings.Builder
		for j, c := range r {
			if j > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c))
			if j < len(right) && right[j] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// resourceName returns the logical name at the end of a URN.
func resourceName(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}

// money formats an amount of dollars to the cent.
func money(v float64) string {
	return "$" + groupThousands(strconv.FormatFloat(v, 'f', 2, 64))
}

// price formats a unit price with all its digits, and at least cents.
func price(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i-1 < 2 {
		s += strings.Repeat("0", 2-(len(s)-i-1))
	}
	return "$" + groupThousands(s)
}

// quantity formats a quantity with up to 4 decimals.
func quantity(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return groupThousands(s)
}

// groupThousands puts commas between the thousands of a decimal number.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + frac
}
