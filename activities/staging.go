package activities

import (
	"context"
	"sync"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
)

// StagingPageTitle is the page, read-restricted to the bridge account,
// under which the bridge makes the pages of restricted sources. Confluence
// makes a page readable by every space reader until its own restriction
// is set; under this page (read restrictions cascade) nobody else can
// read it in between. The page is set, then moved under its hub.
const StagingPageTitle = "xecm-bridge staging"

const stagingBody = "<p>Pages the bridge is preparing for restricted OpenText sources. Only the bridge account can read this page and the pages under it; each page moves to its place once its own read restriction is set.</p>"

// Staging finds a space's staging page, or makes it when create is set; ""
// when there is none. Before it is returned its read restriction is
// checked (and set): nothing goes under a staging page anyone else could
// read. The check is made on every call, as someone may have lifted it.
func Staging(ctx context.Context, conf *confluence.Client, cache *sync.Map, sp *confluence.Space, bridge string, create bool) (string, error) {
	key := "staging:" + sp.Key
	id, _ := cache.Load(key)
	pageID, _ := id.(string)
	if pageID == "" {
		p, err := conf.FindPageByTitle(ctx, sp.ID, sp.Key, StagingPageTitle)
		if err != nil {
			return "", BackendError("find "+StagingPageTitle, err)
		}
		if p == nil && !create {
			return "", nil
		}
		if p == nil {
			// Empty of content: the moment before its restriction is set
			// shows nothing but this text.
			p, err = conf.CreatePage(ctx, confluence.CreatePageRequest{SpaceID: sp.ID, SpaceKey: sp.Key, Title: StagingPageTitle, StorageBody: stagingBody})
			if confluence.IsTitleTaken(err) {
				p, err = conf.FindPageByTitle(ctx, sp.ID, sp.Key, StagingPageTitle)
			}
			if err != nil || p == nil {
				return "", BackendError("create "+StagingPageTitle, err)
			}
		}
		pageID = p.ID
	}
	if _, err := SetReaders(ctx, conf, pageID, ReadPlan{Users: []string{bridge}}); err != nil {
		return "", err
	}
	cache.Store(key, pageID)
	return pageID, nil
}

// LeaveStaging moves a page from under the space's staging page to
// parent, once its own read restriction is in place; a page anywhere else
// (under parent already, in the archive, moved by people) stays.
func LeaveStaging(ctx context.Context, conf *confluence.Client, cache *sync.Map, sp *confluence.Space, bridge string, page *confluence.Page, parent string) error {
	if page.ParentID == parent || page.ParentID == "" {
		return nil
	}
	stage, err := Staging(ctx, conf, cache, sp, bridge, false)
	if err != nil || stage != page.ParentID {
		return err
	}
	if err := conf.MovePage(ctx, page.ID, parent); err != nil {
		return BackendError("move page "+page.ID+" from staging to its place", err)
	}
	page.ParentID = parent
	return nil
}

// SetReaders makes a page's own read restriction what plan says (none
// when Open), keeping its update restriction; changed reports a write.
// One PUT replaces the whole list, so a narrowing never passes through a
// wider state.
func SetReaders(ctx context.Context, conf *confluence.Client, pageID string, plan ReadPlan) (changed bool, err error) {
	cur, err := conf.Restrictions(ctx, pageID)
	if err != nil {
		return false, BackendError("read the restrictions of "+pageID, err)
	}
	restricted := len(cur.ReadUsers)+len(cur.ReadGroups) > 0
	switch {
	case plan.Open && !restricted:
		return false, nil
	case plan.Open:
		err = conf.RemoveReadRestriction(ctx, pageID)
	case restricted && SameNames(cur.ReadUsers, plan.Users) && SameNames(cur.ReadGroups, plan.Groups):
		return false, nil
	default:
		err = conf.SetReadRestriction(ctx, pageID, plan.Users, plan.Groups)
	}
	if err != nil {
		return false, BackendError("set the read restriction of "+pageID, err)
	}
	return true, nil
}

// ArchiveBody is the archive page's body.
func ArchiveBody(string) string {
	return "<p>Document pages whose source was withdrawn or deleted in OpenText. Nothing is deleted in Confluence.</p>"
}
