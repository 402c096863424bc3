package records

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/mapping"
	"github.com/xecm-bridge/xecm-bridge/rendition"
)

// PlanWrites works out the writes StoreRecord and WriteBack would make for
// the page version, using the same lookups of a, and makes none. A page the real run would refuse gives the same typed
// error. It is a function, not a method, so that registering
// OpenTextActivities does not make it an activity.
func PlanWrites(ctx context.Context, a *OpenTextActivities, page *activities.PageSnapshot) (*activities.Plan, error) {
	rules, err := a.target(page)
	if err != nil {
		return nil, err
	}
	facts := page.Facts()
	plan := &activities.Plan{Page: *page}
	add := func(format string, args ...any) { plan.Writes = append(plan.Writes, fmt.Sprintf(format, args...)) }

	// The folder path: which segments exist, which would be created.
	parent := a.Rules.Root
	segments := rules.FolderPath(facts)
	missing := 0
	for i, seg := range segments {
		n, err := a.OTCS.FindChild(ctx, parent, seg)
		if err != nil {
			return nil, activities.BackendError("look up folder "+seg, err)
		}
		if n == nil {
			missing = len(segments) - i
			for _, m := range segments[i:] {
				add("OTCS: create folder %q (path %s)", m, strings.Join(segments, "/"))
			}
			break
		}
		parent = n.ID
	}
	values, err := a.categoryValues(ctx, parent, rules, facts)
	if err != nil {
		return nil, err
	}
	var existingID int64
	name := rules.RecordName(facts)
	if missing == 0 {
		existing, n, _, err := a.findRecord(ctx, parent, rules, facts)
		if err != nil {
			return nil, err
		}
		name = n
		if existing != nil {
			existingID = existing.ID
			if err := a.checkHolds(ctx, existing.ID); err != nil {
				return nil, err
			}
			versions, err := a.OTCS.Versions(ctx, existing.ID)
			if err != nil {
				return nil, activities.BackendError("list versions", err)
			}
			marker := activities.SourceMarker(page.PageID, page.Version)
			for _, v := range versions {
				if strings.HasPrefix(v.Description, marker) {
					add("OTCS: none to the document: page %s v%d is already node %d version %d", page.PageID, page.Version, existing.ID, v.Number)
					return a.planClassify(ctx, plan, rules, existing.ID, values, add)
				}
			}
			add("OTCS: add version %d to document %d %q: file %q (%s of page v%d with %d attachment(s)), description %q",
				len(versions)+1, existing.ID, existing.Name, name+renditionExtension(rules), a.renditionKind(rules, page), page.Version, len(page.Attachments), marker+" "+page.Title)
		}
	}
	if existingID == 0 {
		add("OTCS: create document %q in %s: file %q (%s of page v%d with %d attachment(s)), category %d with %s",
			name, strings.Join(segments, "/"), name+renditionExtension(rules), a.renditionKind(rules, page), page.Version, len(page.Attachments), rules.Category.ID, describeValues(values))
		add("OTCS: set nickname %q on the new document", Nickname(page.PageID))
	}
	return a.planClassify(ctx, plan, rules, existingID, values, add)
}

func (a *OpenTextActivities) planClassify(ctx context.Context, plan *activities.Plan, rules *mapping.Target, nodeID int64, values map[string]any, add func(string, ...any)) (*activities.Plan, error) {
	delete(values, fmt.Sprintf("%d_1", rules.Category.ID))
	add("OTCS: write category %d values %s, and the SHA-256 computed during the upload", rules.Category.ID, describeValues(values))
	if rules.RM != nil {
		current := ""
		if nodeID != 0 {
			state, err := a.OTCS.RMClassifications(ctx, nodeID)
			if err != nil {
				return nil, activities.BackendError("read RM classification", err)
			}
			for _, c := range state.Classifications {
				if c.ClassID == rules.RM.ClassID {
					current = describeRM(c)
				}
			}
		}
		if current != "" {
			add("OTCS: none to the RM classification: already %s", current)
		} else {
			add("OTCS: apply RM classification %d (official: %t, status: %s)", rules.RM.ClassID, rules.RM.Official, rules.RM.Status)
		}
	}
	add("OTCS: read the version back and compare its SHA-256 (no write)")
	add("Confluence: set content property %q on page %s (node, version, URL, checksum, classification)", activities.RecordPropertyKey, plan.Page.PageID)
	if plan.Page.PublishedLabel != "" {
		add("Confluence: add label %q to page %s", plan.Page.PublishedLabel, plan.Page.PageID)
	}
	return plan, nil
}

func describeValues(values map[string]any) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, isObj := values[k].(map[string]any); isObj {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, values[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// renditionExtension is the file extension of the rule's rendition.
func renditionExtension(rules *mapping.Target) string {
	if rules.Rendition == mapping.RenditionPDF {
		return pdfExtension
	}
	return rendition.FileExtension
}

// renditionKind names the rendition a dry run would make.
func (a *OpenTextActivities) renditionKind(rules *mapping.Target, page *activities.PageSnapshot) string {
	if rules.Rendition != mapping.RenditionPDF {
		return "MHTML rendition"
	}
	var total int64
	for _, at := range page.Attachments {
		total += at.Size
	}
	switch {
	case len(page.Attachments) == 0:
		return "PDF/A-2b rendition"
	case a.placementOf(total) == rendition.Beside:
		return "PDF/A-2b rendition, attachments filed beside in a folder"
	}
	return "PDF/A-3b rendition, attachments embedded"
}
