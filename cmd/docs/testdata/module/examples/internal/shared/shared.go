// Package shared is code the examples share: not an example itself.
package shared

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/lib/components/helper"
	"example.com/lib/components/widget"
)

// Widget creates a widget.
func Widget(ctx *pulumi.Context) error {
	_, err := widget.NewWidget(ctx, "shared", &widget.WidgetArgs{Name: "shared"})
	_ = helper.Double(1)
	return err
}
