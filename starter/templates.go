package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// templatesCmd is `templates [--json]`: every controlled copy of an OTCS
// template with its OTCS version, page, Confluence template id and state.
func templatesCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("templates")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageFor(fs, "templates takes only --json")
	}
	b, err := loadBackends()
	if err != nil {
		return err
	}
	rules, err := mapping.LoadFile(b.mappingFile)
	if err != nil {
		return err
	}
	t := rules.Templates
	if t == nil {
		return failedError{"the mapping has no templates: section"}
	}
	var recs []activities.TemplateRecord
	var pageIDs []string
	for _, w := range t.Watches {
		refs, err := b.conf.PagesWithLabel(ctx, t.Space, activities.TemplateWatchLabel(w.Name))
		if err != nil {
			return err
		}
		for _, r := range refs {
			prop, err := b.conf.GetProperty(ctx, r.ID, activities.TemplatePropertyKey)
			if err != nil {
				continue // a page with the label but no record: not a copy
			}
			var rec activities.TemplateRecord
			if json.Unmarshal(prop.Value, &rec) == nil {
				recs = append(recs, rec)
				pageIDs = append(pageIDs, r.ID)
			}
		}
	}
	if *asJSON {
		out := make([]map[string]any, len(recs))
		for i, r := range recs {
			out[i] = map[string]any{"pageId": pageIDs[i], "record": r}
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	if len(recs) == 0 {
		fmt.Fprintf(stdout, "no controlled copies in space %s yet (run `starter sync templates --now`)\n", t.Space)
	}
	for i, r := range recs {
		tpl := r.TemplateID
		if tpl == "" {
			tpl = "none"
		}
		fmt.Fprintf(stdout, "%-30s OTCS %d version %-5s %-9s page %-8s template %-8s %s (%s)\n",
			r.TemplateName, r.NodeID, r.VersionLabel, r.Status, pageIDs[i], tpl, r.Kind, r.Watch)
	}
	return nil
}
