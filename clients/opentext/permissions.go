package opentext

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// Permission is one OTCS node permission name.
type Permission string

// The permissions of reference §7.3, in OTCS's order.
const (
	PermSee             Permission = "see"
	PermSeeContents     Permission = "see_contents"
	PermModify          Permission = "modify"
	PermEditAttributes  Permission = "edit_attributes"
	PermAddItems        Permission = "add_items"
	PermReserve         Permission = "reserve"
	PermAddMajorVersion Permission = "add_major_version"
	PermDeleteVersions  Permission = "delete_versions"
	PermDelete          Permission = "delete"
	PermEditPermissions Permission = "edit_permissions"
)

// ReadPermissions is what reading an item takes: seeing it and opening it.
var ReadPermissions = PermissionSet{PermSee, PermSeeContents}

// PermissionSet is a list of permissions as OTCS sends and takes them.
type PermissionSet []Permission

// Has reports whether p is in the set.
func (s PermissionSet) Has(p Permission) bool { return slices.Contains(s, p) }

// CanRead reports whether the set allows seeing and opening an item.
func (s PermissionSet) CanRead() bool { return s.Has(PermSee) && s.Has(PermSeeContents) }

// ApplyTo says which items a permission change reaches.
type ApplyTo int

// apply_to values [PX otcs.py:assign_permission]; anything but
// ApplyThisItem on a non-container is refused by the server.
const (
	ApplyThisItem             ApplyTo = 0
	ApplySubItems             ApplyTo = 1
	ApplyThisAndSubItems      ApplyTo = 2
	ApplyThisAndImmediateSubs ApplyTo = 3
)

// PermissionEntry is one right on a node: its kind ("owner", "group",
// "public" or "custom"), the user or group (0 for public access) and
// what it may do.
type PermissionEntry struct {
	Type        string
	RightID     int64
	Permissions PermissionSet
}

// Permissions is a node's permissions: default access (owner, owner
// group, public access; nil when the entry was removed) and the assigned
// access list.
type Permissions struct {
	Owner      *PermissionEntry
	OwnerGroup *PermissionEntry
	Public     *PermissionEntry
	Custom     []PermissionEntry
}

// PublicCanSee reports whether public access (every authenticated user)
// may see the node.
func (p *Permissions) PublicCanSee() bool {
	return p.Public != nil && p.Public.Permissions.Has(PermSee)
}

// PublicCanRead reports whether public access may see and open the node.
func (p *Permissions) PublicCanRead() bool { return p.Public != nil && p.Public.Permissions.CanRead() }

// Assigned returns rightID's assigned access entry, or nil.
func (p *Permissions) Assigned(rightID int64) *PermissionEntry {
	for i := range p.Custom {
		if p.Custom[i].RightID == rightID {
			return &p.Custom[i]
		}
	}
	return nil
}

// wirePermission is one entry as data.permissions carries it; a removed
// default entry has "permissions": null.
type wirePermission struct {
	Type        flexString `json:"type"`
	RightID     flexInt    `json:"right_id"`
	Permissions []string   `json:"permissions"`
}

func (w wirePermission) entry() PermissionEntry {
	e := PermissionEntry{Type: string(w.Type), RightID: int64(w.RightID), Permissions: PermissionSet{}}
	for _, p := range w.Permissions {
		e.Permissions = append(e.Permissions, Permission(p))
	}
	return e
}

// NodePermissions reads a node's permissions (GET /api/v2/nodes/{id}/permissions).
// A node the caller cannot see fails with KindNotFound.
func (c *Client) NodePermissions(ctx context.Context, id int64) (*Permissions, error) {
	var out struct {
		Results []struct {
			Data struct {
				Permissions wirePermission `json:"permissions"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d/permissions", id)}, &out); err != nil {
		return nil, err
	}
	p := &Permissions{}
	for _, r := range out.Results {
		e := r.Data.Permissions.entry()
		switch e.Type {
		case "owner":
			p.Owner = &e
		case "group":
			p.OwnerGroup = &e
		case "public":
			p.Public = &e
		default:
			p.Custom = append(p.Custom, e)
		}
	}
	return p, nil
}

// permissionBody is the `body` of every permission write.
func permissionBody(perms PermissionSet, rightID int64, applyTo ApplyTo, withPerms bool) (url.Values, error) {
	b := map[string]any{"apply_to": int(applyTo)}
	if withPerms {
		list := []Permission{} // [] means "none", never "unchanged"
		b["permissions"] = append(list, perms...)
	}
	if rightID != 0 {
		b["right_id"] = rightID
	}
	return bodyForm(b)
}

// writePermissions sends one permission write; the answer carries nothing
// the caller needs.
func (c *Client) writePermissions(ctx context.Context, method, path string, form url.Values, err error) error {
	if err != nil {
		return err
	}
	return c.call(ctx, request{method: method, path: path, form: form}, nil)
}

// SetPublicPermissions sets what public access may do
// (PUT /api/v2/nodes/{id}/permissions/public); no permissions closes the
// node to everyone without another entry.
func (c *Client) SetPublicPermissions(ctx context.Context, id int64, perms PermissionSet, applyTo ApplyTo) error {
	form, err := permissionBody(perms, 0, applyTo, true)
	return c.writePermissions(ctx, http.MethodPut, fmt.Sprintf("/api/v2/nodes/%d/permissions/public", id), form, err)
}

// SetOwnerGroupPermissions sets the owner group's permissions and, when
// groupID is not 0, makes that group the owner group
// (PUT /api/v2/nodes/{id}/permissions/group).
func (c *Client) SetOwnerGroupPermissions(ctx context.Context, id, groupID int64, perms PermissionSet, applyTo ApplyTo) error {
	form, err := permissionBody(perms, groupID, applyTo, true)
	return c.writePermissions(ctx, http.MethodPut, fmt.Sprintf("/api/v2/nodes/%d/permissions/group", id), form, err)
}

// AddCustomPermission gives a user or group assigned access
// (POST /api/v2/nodes/{id}/permissions/custom), replacing its permissions
// where it already has an entry.
func (c *Client) AddCustomPermission(ctx context.Context, id, rightID int64, perms PermissionSet, applyTo ApplyTo) error {
	form, err := permissionBody(perms, rightID, applyTo, true)
	return c.writePermissions(ctx, http.MethodPost, fmt.Sprintf("/api/v2/nodes/%d/permissions/custom", id), form, err)
}

// UpdateCustomPermission changes an existing assigned access entry
// (PUT /api/v2/nodes/{id}/permissions/custom/{right_id}).
func (c *Client) UpdateCustomPermission(ctx context.Context, id, rightID int64, perms PermissionSet, applyTo ApplyTo) error {
	form, err := permissionBody(perms, 0, applyTo, true)
	return c.writePermissions(ctx, http.MethodPut, fmt.Sprintf("/api/v2/nodes/%d/permissions/custom/%d", id, rightID), form, err)
}

// RemoveCustomPermission drops a user's or group's assigned access
// (DELETE /api/v2/nodes/{id}/permissions/custom/{right_id}).
func (c *Client) RemoveCustomPermission(ctx context.Context, id, rightID int64, applyTo ApplyTo) error {
	form, err := permissionBody(nil, 0, applyTo, false)
	return c.writePermissions(ctx, http.MethodDelete, fmt.Sprintf("/api/v2/nodes/%d/permissions/custom/%d", id, rightID), form, err)
}

// EffectivePermissions is what a user or group may do on a node, its
// groups' entries and public access included
// (GET /api/v2/nodes/{id}/permissions/effective/{member_id}). Checking a
// copy's readers goes through this rather than re-deriving OTCS's rules.
func (c *Client) EffectivePermissions(ctx context.Context, id, memberID int64) (PermissionSet, error) {
	var out struct {
		Results struct {
			Data struct {
				Permissions wirePermission `json:"permissions"`
			} `json:"data"`
		} `json:"results"`
	}
	if err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/v2/nodes/%d/permissions/effective/%d", id, memberID)}, &out); err != nil {
		return nil, err
	}
	return out.Results.Data.Permissions.entry().Permissions, nil
}
