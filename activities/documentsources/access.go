package documentsources

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/xecm-bridge/xecm-bridge/access"
	"github.com/xecm-bridge/xecm-bridge/activities"
	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/opentext"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// errNodeGone: OTCS shows the bridge no such node (deleted, or no longer
// visible to it).
var errNodeGone = errors.New("no such node, or not visible to the bridge")

// resolver is the principal look-up of the source activities.
func (a *DocumentSourceActivities) resolver() *access.Resolver {
	return a.resolverOnce.Get(&a.Access, a.Rules, nil, a.OTCS)
}

// readership reads a node's permissions and maps every principal that may
// see it: the owner, the owner group and the assigned access entries.
// Public access with `see` makes it public whoever else is listed.
func (a *DocumentSourceActivities) readership(ctx context.Context, nodeID int64) (*activities.Readership, int, error) {
	perms, err := a.OTCS.NodePermissions(ctx, nodeID)
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, 1, fmt.Errorf("read the permissions of %d: %w", nodeID, errNodeGone)
	}
	if err != nil {
		return nil, 1, activities.BackendError(fmt.Sprintf("read the permissions of %d", nodeID), err)
	}
	if perms.PublicCanSee() {
		return &activities.Readership{Public: true, Source: "OTCS public access"}, 1, nil
	}
	var entries []opentext.PermissionEntry
	for _, e := range []*opentext.PermissionEntry{perms.Owner, perms.OwnerGroup} {
		if e != nil {
			entries = append(entries, *e)
		}
	}
	entries = append(entries, perms.Custom...)
	out := &activities.Readership{}
	var source []string
	res := a.resolver()
	for _, e := range entries {
		if e.RightID == 0 || !e.Permissions.Has(opentext.PermSee) {
			continue
		}
		name, group, err := res.OpenTextMember(ctx, e.RightID)
		if err != nil {
			return nil, 1, activities.BackendError(fmt.Sprintf("read OTCS member %d", e.RightID), err)
		}
		switch {
		case name == "":
			out.Unmapped = append(out.Unmapped, fmt.Sprintf("OTCS member %d (unknown to the bridge)", e.RightID))
			source = append(source, fmt.Sprintf("member %d", e.RightID))
		case group:
			source = append(source, "group "+name)
			if cg, ok := a.Rules.Access.ConfluenceGroup(name); ok {
				out.Groups = activities.AppendNew(out.Groups, cg)
			} else {
				out.Unmapped = append(out.Unmapped, "OTCS group "+name+" (add it to access.groups)")
			}
		default:
			source = append(source, "user "+name)
			if acct, ok := res.ConfluenceAccount(name); ok {
				out.Users = activities.AppendNew(out.Users, acct)
			} else {
				out.Unmapped = append(out.Unmapped, "OTCS user "+name+" (add it to access.user_table)")
			}
		}
	}
	sort.Strings(out.Groups)
	sort.Strings(out.Users)
	out.Source = "OTCS: nobody but administrators"
	if len(source) > 0 {
		out.Source = "OTCS: " + strings.Join(source, ", ")
	}
	return out, 1, nil
}

// authorMaySee reports whether a Confluence user may see a node in OTCS:
// anyone may see what public access may see (its page is open to the
// documents space anyway); otherwise the user must map to an OTCS user
// (access.user_table, or the email with users: email) whose effective
// permissions on the node include see.
func (a *DocumentSourceActivities) authorMaySee(ctx context.Context, nodeID int64, author activities.ReferenceAuthor) (bool, error) {
	perms, err := a.OTCS.NodePermissions(ctx, nodeID)
	if rest.IsKind(err, rest.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, activities.BackendError(fmt.Sprintf("read the permissions of %d", nodeID), err)
	}
	if perms.PublicCanSee() {
		return true, nil
	}
	uid, found, err := a.resolver().OpenTextUserID(ctx, confluence.User{AccountID: author.AccountID, Email: author.Email})
	if err != nil {
		return false, activities.BackendError("look up the OTCS user of "+author.AccountID, err)
	}
	if !found {
		return false, nil
	}
	eff, err := a.OTCS.EffectivePermissions(ctx, nodeID, uid)
	if err != nil {
		return false, activities.BackendError(fmt.Sprintf("read the permissions of user %d on %d", uid, nodeID), err)
	}
	return eff.Has(opentext.PermSee), nil
}
