package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	w "example.com/lib/components/widget"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := w.NewWidget(ctx, "demo", &w.WidgetArgs{Name: "demo"})
		return err
	})
}
