package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// show prints what the bridge recorded for a page on both sides: the
// record link on the Confluence page, and the OTCS node it points to with
// its versions, category values and RM classification.
func show(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("show")
	pageID := fs.String("page", "", "Confluence page id (required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *pageID == "" || len(pos) > 0 {
		return usageFor(fs, "show needs --page ID")
	}
	b, err := loadBackends()
	if err != nil {
		return err
	}
	conf, otcs := b.conf, b.otcs
	page, err := conf.GetPage(ctx, *pageID, confluence.GetPageOptions{})
	if rest.IsKind(err, rest.KindNotFound) {
		return failedError{fmt.Sprintf("Confluence page %s does not exist", *pageID)}
	}
	if err != nil {
		return err
	}
	labels, err := conf.Labels(ctx, page.ID)
	if err != nil {
		return err
	}
	names := make([]string, len(labels))
	for i, l := range labels {
		names[i] = l.Name
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "Confluence page %s %q, version %d\n  url: %s\n  labels: %s\n", page.ID, page.Title, page.Version.Number, page.WebURL, strings.Join(names, ", "))
	prop, err := conf.GetProperty(ctx, page.ID, activities.RecordPropertyKey)
	if rest.IsKind(err, rest.KindNotFound) {
		fmt.Fprintf(stdout, "  property %s: none (not published yet)\n", activities.RecordPropertyKey)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  property %s (version %d): %s\n", activities.RecordPropertyKey, prop.Version, prop.Value)
	var link activities.RecordLink
	if err := json.Unmarshal(prop.Value, &link); err != nil {
		return fmt.Errorf("property %s is not a record link: %w", activities.RecordPropertyKey, err)
	}
	if sp, err := conf.GetProperty(ctx, page.ID, activities.RecordStatusPropertyKey); err == nil {
		var st activities.RecordStatus
		if json.Unmarshal(sp.Value, &st) == nil {
			fmt.Fprintf(stdout, "  record status shown on the page (%s): %s\n", activities.RecordStatusPropertyKey, st.Line)
		}
	} else if !rest.IsKind(err, rest.KindNotFound) {
		return err
	}
	node, err := otcs.GetNode(ctx, link.NodeID)
	if err != nil {
		return fmt.Errorf("OTCS node %d: %w", link.NodeID, err)
	}
	fmt.Fprintf(stdout, "OTCS node %d %q (%s) in folder %d\n  url: %s\n", node.ID, node.Name, node.TypeName, node.ParentID, otcs.NodeURL(node.ID))
	versions, err := otcs.Versions(ctx, node.ID)
	if err != nil {
		return err
	}
	for _, v := range versions {
		fmt.Fprintf(stdout, "  version %d: %s, %d bytes, %q\n", v.Number, v.FileName, v.FileSize, v.Description)
	}
	if rules, err := mapping.LoadFile(b.mappingFile); err == nil {
		if sp, err := rules.ForSpace(spaceOf(ctx, conf, page)); err == nil {
			printCategory(ctx, stdout, otcs, node.ID, sp.Category.ID)
		}
	}
	if rm, err := otcs.RMClassifications(ctx, node.ID); err == nil {
		for _, c := range rm.Classifications {
			fmt.Fprintf(stdout, "  RM classification: %s (file number %s, official: %t, finalized: %t, status: %s, record date: %s)\n", c.Name, c.FileNumber, c.Official, c.Finalized, c.Status, c.RecordDate)
		}
	}
	return nil
}

func spaceOf(ctx context.Context, conf *confluence.Client, page *confluence.Page) string {
	if page.SpaceKey != "" {
		return page.SpaceKey
	}
	if s, err := conf.GetSpace(ctx, page.SpaceID); err == nil {
		return s.Key
	}
	return ""
}
