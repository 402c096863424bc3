package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// documentsCmd is `documents --page P | --node N [--json]`: the references
// of a page, or the document page of a node, as the bridge recorded them.
func documentsCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("documents")
	page := fs.String("page", "", "a Confluence page: its references, or the document it stands for")
	node := fs.Int64("node", 0, "an OTCS document: its document page and who references it")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if (*page == "") == (*node == 0) || len(pos) > 0 {
		return usageFor(fs, "documents needs --page ID or --node N")
	}
	b, err := loadBackends()
	if err != nil {
		return err
	}
	if *node != 0 {
		rules, err := mapping.LoadFile(b.mappingFile)
		if err != nil {
			return err
		}
		if rules.Documents == nil {
			return failedError{"the mapping has no documents: section"}
		}
		refs, err := b.conf.PagesWithLabel(ctx, rules.Documents.Space, activities.NodeLabel(*node))
		if err != nil {
			return err
		}
		if len(refs) == 0 {
			return failedError{fmt.Sprintf("OTCS node %d has no document page in space %s", *node, rules.Documents.Space)}
		}
		*page = refs[0].ID
	}
	p, err := b.conf.GetPage(ctx, *page, confluence.GetPageOptions{})
	if rest.IsKind(err, rest.KindNotFound) {
		return failedError{fmt.Sprintf("Confluence page %s does not exist", *page)}
	}
	if err != nil {
		return err
	}
	out := map[string]any{"pageId": p.ID, "title": p.Title, "url": p.WebURL}
	for _, key := range []string{activities.DocumentPropertyKey, activities.ReferencesPropertyKey} {
		prop, err := b.conf.GetProperty(ctx, p.ID, key)
		if rest.IsKind(err, rest.KindNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		out[key] = json.RawMessage(prop.Value)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(out)
	}
	fmt.Fprintf(stdout, "Confluence page %s %q\n  url: %s\n", p.ID, p.Title, p.WebURL)
	if raw, ok := out[activities.DocumentPropertyKey].(json.RawMessage); ok {
		var rec activities.DocumentRecord
		if err := json.Unmarshal(raw, &rec); err == nil {
			d := rec.Doc
			approved := "none"
			if d.Approved != nil {
				approved = d.Approved.Label()
			}
			fmt.Fprintf(stdout, "  document page of OTCS node %d %q: approved version %s, status %s, hub %q, archived %t\n  %s\n",
				d.NodeID, d.Name, approved, d.Status, d.Hub, rec.Archived, d.NodeURL)
			for _, r := range d.Referenced {
				fmt.Fprintf(stdout, "  referenced from page %s %q (space %s)\n", r.PageID, r.Title, r.SpaceKey)
			}
		}
	}
	if raw, ok := out[activities.ReferencesPropertyKey].(json.RawMessage); ok {
		var list activities.ReferenceList
		if err := json.Unmarshal(raw, &list); err == nil {
			printReferences(stdout, list.Refs)
		}
	}
	return nil
}

func printReferences(stdout io.Writer, refs []activities.Reference) {
	if len(refs) == 0 {
		fmt.Fprintln(stdout, "  references: none")
	}
	for _, r := range refs {
		target := "document page " + r.DocumentPage + " " + strconv.Quote(r.Title)
		if r.Status != activities.RefAvailable {
			target = r.Reason
		}
		manual := ""
		if r.Manual {
			manual = " (added by an operator)"
		}
		fmt.Fprintf(stdout, "  references OTCS node %d: %s — %s%s\n", r.NodeID, r.Status, target, manual)
	}
}
