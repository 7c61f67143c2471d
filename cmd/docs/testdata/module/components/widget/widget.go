// Package widget provides Widget, a component the docs command's tests
// document, and Gadget, which only a Widget creates.
package widget

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Widget is a test component: it creates nothing.
//
//   - A list item, with <angle> brackets and a_b.
type Widget struct {
	pulumi.ResourceState

	// ID and ARN identify the widget.
	ID  pulumi.StringOutput `pulumi:"id"`
	ARN pulumi.StringOutput `pulumi:"arn"`
	// Gadgets are the widget's gadgets by name.
	Gadgets map[string]*Gadget
}

// Gadget is a part of a Widget.
type Gadget struct {
	pulumi.ResourceState

	// Name is the gadget's name.
	Name pulumi.StringOutput `pulumi:"name"`
}

// DefaultSize is a Widget's size by default.
const DefaultSize = 3

// WidgetArgs configures a Widget.
type WidgetArgs struct {
	// Name names the widget (required).
	Name string
	// Size is how big it is. Default 3: small.
	Size int
	// Pattern matches a|b, `x|y` literally. Default DefaultSize.
	Pattern string
	// Parts are its parts. Default none.
	Parts []Part
	// Mode picks a mode. Default ModeOn.
	Mode Mode
	// Key is a key. Required unless Size is given: a rule.
	Key pulumi.StringInput
	// Zone is a zone. Required with Parts.
	Zone string
	// Left, Right are the sides. Required; Right defaults to Left.
	Left, Right string
	// Main is the main part. Required.
	Main map[string]Part
	// Extra has no default in its doc.
	Extra *Part
}

// Part is one part of a Widget.
type Part struct {
	// Label names the part. Required.
	Label string
}

// Mode is how a Widget runs.
type Mode string

// The modes.
const (
	// ModeOn runs it.
	ModeOn Mode = "on"
	// ModeOff stops it.
	ModeOff Mode = "off"
)

// NewWidget creates a Widget.
func NewWidget(ctx *pulumi.Context, name string, args *WidgetArgs, opts ...pulumi.ResourceOption) (*Widget, error) {
	return &Widget{}, nil
}

// CheckName returns the rule a name breaks, or "".
func CheckName(name string) string { return "" }
