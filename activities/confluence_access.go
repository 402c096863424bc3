package activities

import (
	"context"
	"time"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// spaceReadersTTL is how long a worker trusts a space's View permission.
const spaceReadersTTL = time.Minute

// spaceReaders is one more read restriction for the pages of a space
// that not every user may view: those who hold its View permission (nil
// when one of access.everyone holds it, so only page restrictions count).
// Data Center has no REST API for space permissions; there the space's
// pages count as open and the README says so.
func (a *ConfluenceActivities) spaceReaders(ctx context.Context, spaceID, spaceKey string) (*confluence.PageReadRestriction, error) {
	if v, ok := a.spaces.Load(spaceID); ok {
		if c := v.(cachedSpace); time.Since(c.at) < spaceReadersTTL {
			return c.level, nil
		}
	}
	level, err := a.readSpaceReaders(ctx, spaceID, spaceKey)
	if err != nil {
		return nil, err
	}
	a.spaces.Store(spaceID, cachedSpace{level: level, at: time.Now()})
	return level, nil
}

type cachedSpace struct {
	level *confluence.PageReadRestriction
	at    time.Time
}

func (a *ConfluenceActivities) readSpaceReaders(ctx context.Context, spaceID, spaceKey string) (*confluence.PageReadRestriction, error) {
	principals, err := a.Confluence.SpaceReadPermissions(ctx, spaceID)
	if rest.IsKind(err, rest.KindBadRequest) {
		return nil, nil // Data Center: no API (see above)
	}
	if err != nil {
		return nil, backendError("read the View permission of space "+spaceKey, err)
	}
	level := &confluence.PageReadRestriction{PageID: "space " + spaceKey}
	for _, p := range principals {
		switch p.Type {
		case "group":
			g, err := a.Confluence.GroupByID(ctx, p.ID)
			if err != nil {
				return nil, backendError("read group "+p.ID, err)
			}
			if a.Rules.Access.IsEveryone(g.Name) {
				return nil, nil
			}
			level.Groups = append(level.Groups, *g)
		case "user":
			u, err := a.Confluence.User(ctx, p.ID)
			if err != nil {
				return nil, backendError("read user "+p.ID, err)
			}
			level.Users = append(level.Users, *u)
		default:
			// A role (or anything else) cannot be mapped: it stands as a
			// group no rule maps, so the page is refused, never opened.
			level.Groups = append(level.Groups, confluence.Group{ID: p.ID, Name: p.Type + " " + p.ID})
		}
	}
	return level, nil
}
