package pages

import (
	"context"
	"encoding/json"
	"time"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/internal/lookup"
)

// spaceReadersTTL is how long a worker trusts a space's View permission.
const spaceReadersTTL = time.Minute

// maxSecuredPages bounds how many pages one permission change re-checks
// (the page and its descendants): a restriction on a large tree is
// finished by later events or the next filing of each page.
const maxSecuredPages = 2000

// readersOf is who may read a page now: its own and its ancestors' read
// restrictions and its space's View permission.
func (a *ConfluenceActivities) readersOf(ctx context.Context, pageID, spaceID, spaceKey string) (*access.PageReaders, error) {
	return a.readersOfPage(ctx, &confluence.Page{ID: pageID}, spaceID, spaceKey)
}

// readersOfPage is readersOf a page read with GetPage (whose parent, when
// known, spares the ancestor lookup of a page at the space root).
func (a *ConfluenceActivities) readersOfPage(ctx context.Context, page *confluence.Page, spaceID, spaceKey string) (*access.PageReaders, error) {
	pageID := page.ID
	levels, err := a.Confluence.EffectiveReadRestrictionOf(ctx, page)
	if err != nil {
		return nil, activities.BackendError("read the read restrictions of page "+pageID, err)
	}
	space, err := a.spaceReaders(ctx, spaceID, spaceKey)
	if err != nil {
		return nil, err
	}
	if space != nil {
		levels = append([]confluence.PageReadRestriction{*space}, levels...)
	}
	self, err := a.self(ctx)
	if err != nil {
		return nil, err
	}
	readers, err := access.ReadersOf(ctx, a.Confluence, self, levels)
	if err != nil {
		return nil, activities.BackendError("read the readers of page "+pageID, err)
	}
	return readers, nil
}

// RecordReaders lists the page and each of its descendants that has an
// OTCS record, with who may read it now (SecureRecords): a read
// restriction cascades to every child, so a change on one page can narrow
// many records.
func (a *ConfluenceActivities) RecordReaders(ctx context.Context, in activities.SecureRecordsInput) (_ *activities.RecordReadersResult, err error) {
	defer func() { activities.Observe(ctx, "RecordReaders", err) }()
	root := &confluence.Page{ID: in.PageID, SpaceKey: in.SpaceKey}
	if len(in.PageIDs) > 0 {
		// Pages of one space, listed just now (a reconciliation).
		id, err := a.spaceIDOf(ctx, in.SpaceKey)
		if err != nil {
			return nil, err
		}
		root.SpaceID = id
	} else {
		p, err := a.Confluence.GetPage(ctx, in.PageID, confluence.GetPageOptions{})
		if rest.IsKind(err, rest.KindNotFound) {
			return &activities.RecordReadersResult{}, nil // gone, or hidden from the bridge: nothing to re-check
		}
		if err != nil {
			return nil, activities.BackendError("read page "+in.PageID, err)
		}
		if err := a.resolveSpaceOf(ctx, p); err != nil {
			return nil, err
		}
		root = p
	}
	out := &activities.RecordReadersResult{}
	queue := []string{root.ID}
	if len(in.PageIDs) > 0 {
		queue = in.PageIDs // these pages only, not their descendants
	}
	for len(queue) > 0 && out.Checked < maxSecuredPages {
		id := queue[0]
		queue = queue[1:]
		out.Checked++
		prop, err := a.Confluence.GetProperty(ctx, id, activities.RecordPropertyKey)
		switch {
		case rest.IsKind(err, rest.KindNotFound):
		case err != nil:
			return nil, activities.BackendError("read the record of page "+id, err)
		default:
			var link activities.RecordLink
			if json.Unmarshal(prop.Value, &link) == nil && link.NodeID != 0 {
				readers, err := a.readersOf(ctx, id, root.SpaceID, root.SpaceKey)
				if err != nil {
					return nil, err
				}
				out.Records = append(out.Records, activities.RecordAccess{PageID: id, NodeID: link.NodeID, Readers: readers})
			}
		}
		if len(in.PageIDs) == 0 {
			kids, err := a.Confluence.Children(ctx, id)
			if err != nil {
				return nil, activities.BackendError("list the children of page "+id, err)
			}
			for _, k := range kids {
				queue = append(queue, k.ID)
			}
		}
		activities.Heartbeat(ctx, out.Checked)
	}
	out.Truncated = len(queue) > 0
	return out, nil
}

// resolveSpaceOf fills in the page's space key when the page read gave
// only its id (Cloud v2).
func (a *ConfluenceActivities) resolveSpaceOf(ctx context.Context, p *confluence.Page) error {
	if p.SpaceKey != "" {
		return nil
	}
	sp, err := a.Confluence.GetSpace(ctx, p.SpaceID)
	if err != nil {
		return activities.BackendError("read space "+p.SpaceID, err)
	}
	p.SpaceKey = sp.Key
	return nil
}

// spaceReaders is one more read restriction for the pages of a space
// that not every user may view: those who hold its View permission (nil
// when one of access.everyone holds it, so only page restrictions count).
// Data Center has no REST API for space permissions; there the space's
// pages count as open and the README says so.
func (a *ConfluenceActivities) spaceReaders(ctx context.Context, spaceID, spaceKey string) (*confluence.PageReadRestriction, error) {
	cached := func() (*confluence.PageReadRestriction, bool) {
		if v, ok := a.spaces.Load(spaceID); ok {
			if c := v.(cachedSpace); time.Since(c.at) < spaceReadersTTL {
				return c.level, true
			}
		}
		return nil, false
	}
	if level, ok := cached(); ok {
		return level, nil
	}
	return lookup.Do(ctx, &a.reads, "space-viewers:"+spaceID, func(ctx context.Context) (*confluence.PageReadRestriction, error) {
		if level, ok := cached(); ok {
			return level, nil // read by a call that ended since the miss
		}
		level, err := activities.SpaceViewers(ctx, a.Confluence, a.Rules.Access, spaceID, spaceKey)
		if err != nil {
			return nil, err
		}
		a.spaces.Store(spaceID, cachedSpace{level: level, at: time.Now()})
		return level, nil
	})
}

type cachedSpace struct {
	level *confluence.PageReadRestriction
	at    time.Time
}

// PublishedPages lists the pages of a mapped space that carry its
// published label (and so, normally, an OTCS record), for the periodic
// re-check of their records' access: a restriction changed without a
// webhook delivered reaches the records this way.
func (a *ConfluenceActivities) PublishedPages(ctx context.Context, spaceKey string) (_ []string, err error) {
	defer func() { activities.Observe(ctx, "PublishedPages", err) }()
	space, err := a.Rules.ForSpace(spaceKey)
	if err != nil {
		return nil, nil // a space reconciled for references only: it files no records
	}
	labels := []string{space.PublishedLabel}
	for _, r := range space.Records {
		if r.PublishedLabel != "" && r.PublishedLabel != space.PublishedLabel {
			labels = append(labels, r.PublishedLabel)
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, l := range labels {
		if l == "" {
			continue
		}
		refs, err := a.Confluence.PagesWithLabel(ctx, spaceKey, l)
		if err != nil {
			return nil, activities.BackendError("list the pages labelled "+l+" in "+spaceKey, err)
		}
		for _, r := range refs {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r.ID)
			}
		}
	}
	return out, nil
}
