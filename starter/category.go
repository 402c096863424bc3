package main

import (
	"context"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
)

// printCategory prints a node's category values by attribute name.
func printCategory(ctx context.Context, w io.Writer, otcs *opentext.Client, nodeID, categoryID int64) {
	def, err := otcs.CategoryDefinition(ctx, nodeID, categoryID)
	if err != nil {
		return
	}
	values, err := otcs.CategoryValues(ctx, nodeID, categoryID)
	if err != nil {
		fmt.Fprintf(w, "  category %d: not applied\n", categoryID)
		return
	}
	fmt.Fprintf(w, "  category %d %q:\n", def.ID, def.Name)
	for _, a := range def.Attributes {
		if v, ok := values[a.Key]; ok && v != nil && v != "" {
			fmt.Fprintf(w, "    %s: %v\n", a.Name, v)
		}
	}
}
