package records

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
	"github.com/xecm-bridge/xecm-bridge/mapping"
)

// stagingCheckEvery is how long a worker trusts that the staging folder
// is still readable by the bridge and the kept groups only.
const stagingCheckEvery = time.Minute

// resolver is the worker's principal look-up.
func (a *OpenTextActivities) resolver() *access.Resolver {
	return a.resolverOnce.Get(&a.Access, a.Rules, a.Confluence, a.OTCS)
}

// recordAccess decides who the record of this page version may be read
// by: nil when the page is not read-restricted (the record keeps its
// folder's access list). A restricted page whose readers the bridge cannot
// map, or whose rule refuses restricted pages, is refused before anything
// is written.
func (a *OpenTextActivities) recordAccess(ctx context.Context, page *activities.PageSnapshot, rules *mapping.Target) (*access.PageAccess, error) {
	if page.Readers == nil {
		return nil, activities.NonRetryable(activities.TypeRestrictedSourceUnmapped, "the read access of Confluence page %s version %d was not read, so the bridge cannot prove who may read its record; nothing was stored", page.PageID, page.Version)
	}
	if page.Readers.Open {
		return nil, nil
	}
	if rules.Restricted == mapping.RestrictedRefuse {
		return nil, activities.NonRetryable(activities.TypeRestrictedSource, "Confluence page %s (%q) is read-restricted (%s) and rule %s files no restricted pages (restricted: refuse); nothing was stored",
			page.PageID, page.Title, page.Readers.Source(), rules.Rule)
	}
	pa, err := a.resolver().ForPage(ctx, page.Readers)
	if err != nil {
		return nil, activities.BackendError("map the page's readers", err)
	}
	if len(pa.Unmapped) == 0 {
		return pa, nil
	}
	fallback, err := a.addFallback(ctx, pa)
	if err != nil {
		return nil, err
	}
	if fallback {
		return pa, nil
	}
	file := a.Rules.File
	return nil, activities.NonRetryable(activities.TypeRestrictedSourceUnmapped, "Confluence page %s (%q) is read-restricted (%s) and the bridge cannot map %s; add them to the access: section of %s (groups: or user_table:), or set access.unmapped: fallback. Nothing was stored",
		page.PageID, page.Title, page.Readers.Source(), strings.Join(pa.Unmapped, ", "), file)
}

// addFallback gives the readers access.fallback_group.opentext when the
// mapping restricts (rather than refuses) pages naming someone it cannot
// map; false when it refuses.
func (a *OpenTextActivities) addFallback(ctx context.Context, pa *access.PageAccess) (bool, error) {
	acc := a.Rules.Access
	if acc == nil || acc.Unmapped != mapping.UnmappedFallback {
		return false, nil
	}
	id, found, err := a.resolver().OpenTextGroupID(ctx, acc.Fallback.OpenText)
	if err != nil {
		return false, activities.BackendError("look up the fallback group", err)
	}
	if !found {
		return false, activities.NonRetryable(activities.TypeRestrictedSourceUnmapped, "access.fallback_group.opentext %q does not exist in OTCS; nothing was stored", acc.Fallback.OpenText)
	}
	pa.Readers = append(pa.Readers, access.Principal{ID: id, Name: acc.Fallback.OpenText, Group: true})
	return true, nil
}

// stagingFolder is where records of restricted pages are made: a folder
// under otcs.root that only the bridge (its owner) and the kept groups may
// read, so a record is never readable by others before its own access list
// is set. The bridge makes it so and checks it once a minute per worker;
// it refuses to stage anything while it cannot.
func (a *OpenTextActivities) stagingFolder(ctx context.Context) (*opentext.Node, error) {
	path := a.Rules.Access.StagingPath()
	folder, err := a.OTCS.EnsureFolderPath(ctx, a.Rules.Root, path)
	if err != nil {
		return nil, activities.BackendError("ensure the staging folder "+strings.Join(path, "/"), err)
	}
	if at, ok := a.stagingChecked.Load(folder.ID); ok && time.Since(at.(time.Time)) < stagingCheckEvery {
		return folder, nil
	}
	keep, err := a.keptGroups(ctx, folder.ID)
	if err != nil {
		return nil, err
	}
	if _, err := a.narrowTo(ctx, folder.ID, keep); err != nil {
		return nil, err
	}
	a.stagingChecked.Store(folder.ID, time.Now())
	return folder, nil
}

// keptGroups are access.keep.opentext's groups with the permissions they
// hold on folderID (the folder's own rules decide what they may do).
func (a *OpenTextActivities) keptGroups(ctx context.Context, folderID int64) (map[int64]opentext.PermissionSet, error) {
	out := map[int64]opentext.PermissionSet{}
	if a.Rules.Access == nil {
		return out, nil
	}
	for _, name := range a.Rules.Access.Keep.OpenText {
		id, found, err := a.resolver().OpenTextGroupID(ctx, name)
		if err != nil {
			return nil, activities.BackendError("look up OTCS group "+name, err)
		}
		if !found {
			return nil, activities.NonRetryable(activities.TypeNoMapping, "access.keep.opentext names %q, which OTCS does not have", name)
		}
		eff, err := a.OTCS.EffectivePermissions(ctx, folderID, id)
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("read the permissions of %s on %d", name, folderID), err)
		}
		if eff.Has(opentext.PermSee) {
			out[id] = eff
		}
	}
	return out, nil
}

// recordACL is the access list of a restricted page's record in folder:
// each mapped reader the folder admits, with the permissions a reader
// needs (see, see contents) that the folder gives them, and the kept
// groups with what the folder gives them. Nobody else: no public access,
// no owner group.
func (a *OpenTextActivities) recordACL(ctx context.Context, folderID int64, pa *access.PageAccess) (map[int64]opentext.PermissionSet, error) {
	acl, err := a.keptGroups(ctx, folderID)
	if err != nil {
		return nil, err
	}
	for _, p := range pa.Readers {
		if _, kept := acl[p.ID]; kept {
			continue
		}
		eff, err := a.OTCS.EffectivePermissions(ctx, folderID, p.ID)
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("read the permissions of %s on %d", p.Name, folderID), err)
		}
		var perms opentext.PermissionSet
		for _, want := range opentext.ReadPermissions {
			if eff.Has(want) {
				perms = append(perms, want)
			}
		}
		if perms.Has(opentext.PermSee) {
			acl[p.ID] = perms
		}
	}
	return acl, nil
}

// narrowTo gives a node exactly the assigned access acl (right id ->
// permissions), no public access and no owner-group access; the owner
// (the bridge, which made it) keeps its own. Everything that is removed
// or reduced is removed first, so a crash between two calls leaves the
// node narrower than either its old or its new list, never wider.
//
// Only the node itself is changed: a folder's new children inherit its
// list when they are made, and records already inside keep their own.
func (a *OpenTextActivities) narrowTo(ctx context.Context, nodeID int64, acl map[int64]opentext.PermissionSet) (changed bool, err error) {
	changed, _, err = a.setList(ctx, nodeID, acl)
	return changed, err
}

// setList is narrowTo, saying also whether anything was added or widened.
func (a *OpenTextActivities) setList(ctx context.Context, nodeID int64, acl map[int64]opentext.PermissionSet) (changed, added bool, err error) {
	apply := opentext.ApplyThisItem
	cur, err := a.OTCS.NodePermissions(ctx, nodeID)
	if err != nil {
		return false, false, activities.BackendError(fmt.Sprintf("read the permissions of %d", nodeID), err)
	}
	if cur.Public != nil && len(cur.Public.Permissions) > 0 {
		if err := a.OTCS.SetPublicPermissions(ctx, nodeID, nil, apply); err != nil {
			return false, false, activities.BackendError(fmt.Sprintf("remove public access from %d", nodeID), err)
		}
		changed = true
	}
	if g := cur.OwnerGroup; g != nil && len(g.Permissions) > 0 {
		if _, kept := acl[g.RightID]; !kept {
			if err := a.OTCS.SetOwnerGroupPermissions(ctx, nodeID, g.RightID, nil, apply); err != nil {
				return false, false, activities.BackendError(fmt.Sprintf("remove owner-group access from %d", nodeID), err)
			}
			changed = true
		}
	}
	for _, e := range cur.Custom {
		want, ok := acl[e.RightID]
		switch {
		case !ok:
			if err := a.OTCS.RemoveCustomPermission(ctx, nodeID, e.RightID, apply); err != nil {
				return false, false, activities.BackendError(fmt.Sprintf("remove %d's access from %d", e.RightID, nodeID), err)
			}
			changed = true
		case !subset(e.Permissions, want):
			if err := a.OTCS.UpdateCustomPermission(ctx, nodeID, e.RightID, intersect(e.Permissions, want), apply); err != nil {
				return false, false, activities.BackendError(fmt.Sprintf("narrow %d's access to %d", e.RightID, nodeID), err)
			}
			changed = true
		}
	}
	// Then what is added or widened, back to what the list allows.
	if changed {
		if cur, err = a.OTCS.NodePermissions(ctx, nodeID); err != nil {
			return false, false, activities.BackendError(fmt.Sprintf("read the permissions of %d", nodeID), err)
		}
	}
	for _, id := range sortedRights(acl) {
		want := acl[id]
		e := cur.Assigned(id)
		switch {
		case e == nil:
			if err := a.OTCS.AddCustomPermission(ctx, nodeID, id, want, apply); err != nil {
				return false, false, activities.BackendError(fmt.Sprintf("give %d access to %d", id, nodeID), err)
			}
			added = true
		case !subset(want, e.Permissions):
			if err := a.OTCS.UpdateCustomPermission(ctx, nodeID, id, want, apply); err != nil {
				return false, false, activities.BackendError(fmt.Sprintf("set %d's access to %d", id, nodeID), err)
			}
			added = true
		}
	}
	return changed, added, nil
}

// secureRecord gives the record of a restricted page its access list:
// the page's readers as far as the folder the record lives in admits them.
// A record made in the staging folder is then moved into its folder (a
// move keeps a node's own permissions). Run before any new version is
// added, so narrowing always comes first.
func (a *OpenTextActivities) secureRecord(ctx context.Context, node, folder *opentext.Node, pa *access.PageAccess) error {
	home, staged, err := a.homeOf(ctx, node, folder.ID)
	if err != nil {
		return err
	}
	acl, err := a.recordACL(ctx, home, pa)
	if err != nil {
		return err
	}
	if !staged {
		// A record in place never widens: readers the page gained since
		// the record was restricted wait for a records manager.
		if acl, err = a.withinCurrent(ctx, node.ID, acl); err != nil {
			return err
		}
	}
	if _, err := a.narrowTo(ctx, node.ID, acl); err != nil || !staged {
		return err
	}
	return a.leaveStaging(ctx, node, folder.ID)
}

// leaveStaging moves a node made in the staging folder to its place
// (a move keeps the node's own permissions, set just before).
func (a *OpenTextActivities) leaveStaging(ctx context.Context, node *opentext.Node, parentID int64) error {
	moved, err := a.OTCS.MoveNode(ctx, node.ID, parentID)
	if err != nil {
		return activities.BackendError(fmt.Sprintf("move node %d from the staging folder into %d", node.ID, parentID), err)
	}
	*node = *moved
	return nil
}

// homeOf is the folder whose access list bounds a node's: its target
// folder when it is there or still in the staging folder (staged), else
// the folder a records manager moved it to.
func (a *OpenTextActivities) homeOf(ctx context.Context, node *opentext.Node, folderID int64) (home int64, staged bool, err error) {
	if node.ParentID == folderID || a.Rules.Access == nil {
		return folderID, false, nil
	}
	staging, err := a.OTCS.EnsureFolderPath(ctx, a.Rules.Root, a.Rules.Access.StagingPath())
	if err != nil {
		return 0, false, activities.BackendError("find the staging folder", err)
	}
	if node.ParentID == staging.ID {
		return folderID, true, nil
	}
	return node.ParentID, false, nil
}

// settleAccess brings a record's access list in line with its page
// before anything more is written to it. A restricted page's record gets
// its list (secureRecord). An open page's record keeps the list it has:
// the bridge never widens a record, so one that was restricted stays so
// until a records manager widens it; only a record an earlier attempt left
// in the staging folder is moved into its folder.
func (a *OpenTextActivities) settleAccess(ctx context.Context, node, folder *opentext.Node, pa *access.PageAccess) error {
	if pa != nil {
		return a.secureRecord(ctx, node, folder, pa)
	}
	_, staged, err := a.homeOf(ctx, node, folder.ID)
	if err != nil || !staged {
		return err
	}
	return a.leaveStaging(ctx, node, folder.ID)
}

// withinCurrent keeps of acl only what the node grants today: each
// principal's permissions as far as it has them on the node now (through
// public access, a group or its own entry), so applying acl never widens.
func (a *OpenTextActivities) withinCurrent(ctx context.Context, nodeID int64, acl map[int64]opentext.PermissionSet) (map[int64]opentext.PermissionSet, error) {
	out := map[int64]opentext.PermissionSet{}
	for _, id := range sortedRights(acl) {
		eff, err := a.OTCS.EffectivePermissions(ctx, nodeID, id)
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("read the permissions of %d on %d", id, nodeID), err)
		}
		if perms := intersect(acl[id], eff); perms.Has(opentext.PermSee) {
			out[id] = perms
		}
	}
	return out, nil
}

// NarrowRecords applies the pages' read access, as it is now, to their
// records (a page restricted, or an ancestor's restriction, after the
// record was filed). Without Widen it only ever narrows: a page that is
// open now, or whose readers grew, leaves its record as it is. With Widen
// (a page's own SecureRecords run, which applies changes in order) a
// record grows back to what its page and folder allow: an open page's
// record gets its folder's list again. Readers the bridge cannot map lose
// access (with the fallback group kept when the mapping says unmapped:
// fallback). An access list widened by hand in OTCS is narrowed back on
// the way.
func (a *OpenTextActivities) NarrowRecords(ctx context.Context, in activities.RecordAccessInput) (_ *activities.NarrowResult, err error) {
	defer func() { activities.Observe(ctx, "NarrowRecords", err) }()
	out := &activities.NarrowResult{}
	for _, rec := range in.Records {
		if rec.Readers == nil || (rec.Readers.Open && !in.Widen) {
			out.Unchanged++
			continue
		}
		node, err := a.OTCS.GetNode(ctx, rec.NodeID)
		if rest.IsKind(err, rest.KindNotFound) || rest.IsKind(err, rest.KindBadRequest) {
			out.Unchanged++ // the record is gone (or no longer the bridge's to see)
			continue
		}
		if err != nil {
			return nil, activities.BackendError(fmt.Sprintf("read record %d", rec.NodeID), err)
		}
		var acl map[int64]opentext.PermissionSet
		if rec.Readers.Open {
			widened, err := a.openTo(ctx, node)
			if err != nil {
				return nil, err
			}
			if widened {
				out.Widened = append(out.Widened, node.ID)
			} else {
				out.Unchanged++
			}
			activities.Heartbeat(ctx, rec.NodeID)
			continue
		}
		pa, err := a.resolver().ForPage(ctx, rec.Readers)
		if err != nil {
			return nil, activities.BackendError("map the readers of page "+rec.PageID, err)
		}
		if len(pa.Unmapped) > 0 {
			// Whoever is unmapped loses access; the fallback group, when
			// the mapping names one, keeps it.
			out.Fallback = append(out.Fallback, rec.NodeID)
			if _, err := a.addFallback(ctx, pa); err != nil {
				return nil, err
			}
		}
		if acl, err = a.recordACL(ctx, node.ParentID, pa); err != nil {
			return nil, err
		}
		if !in.Widen {
			if acl, err = a.withinCurrent(ctx, node.ID, acl); err != nil {
				return nil, err
			}
		}
		removed, added, err := a.setList(ctx, node.ID, acl)
		if err != nil {
			return nil, err
		}
		switch {
		case removed:
			out.Narrowed = append(out.Narrowed, node.ID)
		case added:
			out.Widened = append(out.Widened, node.ID)
		default:
			out.Unchanged++
		}
		activities.Heartbeat(ctx, rec.NodeID)
	}
	return out, nil
}

// openTo gives the record of a page that is no longer restricted its
// folder's access list again (the rule for an open page), reporting
// whether anything changed. Entries the folder does not have go first.
func (a *OpenTextActivities) openTo(ctx context.Context, node *opentext.Node) (bool, error) {
	folder, err := a.OTCS.NodePermissions(ctx, node.ParentID)
	if err != nil {
		return false, activities.BackendError(fmt.Sprintf("read the permissions of folder %d", node.ParentID), err)
	}
	cur, err := a.OTCS.NodePermissions(ctx, node.ID)
	if err != nil {
		return false, activities.BackendError(fmt.Sprintf("read the permissions of %d", node.ID), err)
	}
	apply := opentext.ApplyThisItem
	changed := false
	for _, e := range cur.Custom {
		if folder.Assigned(e.RightID) == nil {
			if err := a.OTCS.RemoveCustomPermission(ctx, node.ID, e.RightID, apply); err != nil {
				return false, activities.BackendError(fmt.Sprintf("remove %d's access from %d", e.RightID, node.ID), err)
			}
			changed = true
		}
	}
	for _, e := range folder.Custom {
		have := cur.Assigned(e.RightID)
		if have != nil && samePerms(e.Permissions, have.Permissions) {
			continue
		}
		var err error
		if have == nil {
			err = a.OTCS.AddCustomPermission(ctx, node.ID, e.RightID, e.Permissions, apply)
		} else {
			err = a.OTCS.UpdateCustomPermission(ctx, node.ID, e.RightID, e.Permissions, apply)
		}
		if err != nil {
			return false, activities.BackendError(fmt.Sprintf("give %d its folder's access to %d", e.RightID, node.ID), err)
		}
		changed = true
	}
	if g := folder.OwnerGroup; g != nil && (cur.OwnerGroup == nil || !samePerms(cur.OwnerGroup.Permissions, g.Permissions)) {
		if err := a.OTCS.SetOwnerGroupPermissions(ctx, node.ID, g.RightID, g.Permissions, apply); err != nil {
			return false, activities.BackendError(fmt.Sprintf("give %d its folder's owner-group access", node.ID), err)
		}
		changed = true
	}
	if p := folder.Public; p != nil && (cur.Public == nil || !samePerms(cur.Public.Permissions, p.Permissions)) {
		if err := a.OTCS.SetPublicPermissions(ctx, node.ID, p.Permissions, apply); err != nil {
			return false, activities.BackendError(fmt.Sprintf("give %d its folder's public access", node.ID), err)
		}
		changed = true
	}
	return changed, nil
}

func samePerms(a, b opentext.PermissionSet) bool { return subset(a, b) && subset(b, a) }

func subset(a, b opentext.PermissionSet) bool {
	for _, p := range a {
		if !b.Has(p) {
			return false
		}
	}
	return true
}

func intersect(a, b opentext.PermissionSet) opentext.PermissionSet {
	var out opentext.PermissionSet
	for _, p := range a {
		if b.Has(p) {
			out = append(out, p)
		}
	}
	return out
}

func sortedRights(acl map[int64]opentext.PermissionSet) []int64 {
	return slices.Sorted(maps.Keys(acl))
}
