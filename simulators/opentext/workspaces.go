package opentext

import (
	"fmt"
	"net/http"
	"strings"
)

// workspace is what a business workspace (subtype 848) carries beyond an
// ordinary container: its workspace type and the business objects of
// leading systems it stands for.
type workspace struct {
	typeID     int64
	typeName   string
	templateID int64
	refs       []BusinessObjectRef // the first is the one business_properties shows
}

// BusinessObjectRef links a business workspace to an object of a leading
// system, as workspace_references entries and the where_ext_system_id,
// where_bo_type and where_bo_id filters name it.
type BusinessObjectRef struct {
	ExternalSystemID string // external_system_id, e.g. "SAP"
	Type             string // business_object_type, e.g. "PROJECT"
	ID               string // business_object_id, e.g. "APOLLO"
}

// matches applies the where_ext_system_id/where_bo_type/where_bo_id
// filters; an empty filter matches anything.
func (r BusinessObjectRef) matches(sys, typ, id string) bool {
	return (sys == "" || r.ExternalSystemID == sys) && (typ == "" || r.Type == typ) && (id == "" || r.ID == id)
}

// workspaceNotFound answers the 404 the Business Workspaces API gives for
// an id that is not a business workspace.
func (c *call) workspaceNotFound(id any) {
	c.fail(http.StatusNotFound, fmt.Sprintf("Business workspace %v not found.", id))
}

// wkspIcon is the workspace type's icon path, as wksp_info shows it.
func wkspIcon(typeID int64) string {
	return fmt.Sprintf("/appimg/ot_bws/icons/%d%%2Esvg", typeID)
}

// workspaceProps is props plus the workspace members the Business
// Workspaces API adds (wnf_* in lists, wksp_type_name and classification
// members on GET). Callers hold s.mu.
func (s *Server) workspaceProps(n *node) map[string]any {
	p := s.props(n)
	w := n.wksp
	var classID any
	if len(n.classifications) > 0 {
		classID = n.classifications[0]
	}
	p["wnf_wksp_type_id"], p["wnf_wksp_template_id"], p["wksp_type_name"] = w.typeID, w.templateID, w.typeName
	p["classification_id"], p["classification_ids"] = classID, append([]int64{}, n.classifications...)
	p["rm_enabled"], p["image_url"] = len(n.rm) > 0, nil
	return p
}

// selectProps keeps only the sub-selected keys of properties{a,b}.
func selectProps(p map[string]any, sub []string) map[string]any {
	if len(sub) == 0 {
		return p
	}
	out := map[string]any{}
	for _, k := range sub {
		if v, ok := p[k]; ok {
			out[k] = v
		}
	}
	return out
}

// businessProperties describes the workspace type and only the first
// linked business object, as OTCS does; workspace_references lists all.
func businessProperties(w *workspace) map[string]any {
	bp := map[string]any{
		"workspace_type_id": w.typeID, "workspace_type_name": w.typeName, "isEarly": false,
		"display_url": nil, "has_default_display": false, "has_default_search": false,
		"business_object_id": nil, "business_object_type": nil, "business_object_type_id": nil,
		"business_object_type_name": nil, "external_system_id": nil, "external_system_name": nil,
	}
	bp["workspace_type_name_multilingual"] = map[string]any{"en": w.typeName}
	if len(w.refs) > 0 {
		r := w.refs[0]
		bp["business_object_id"], bp["business_object_type"], bp["business_object_type_name"] = r.ID, r.Type, r.Type
		bp["external_system_id"], bp["external_system_name"] = r.ExternalSystemID, r.ExternalSystemID
		bp["has_default_display"], bp["has_default_search"] = true, true
	}
	return bp
}

func workspaceReferences(w *workspace) []any {
	out := []any{}
	for i, r := range w.refs {
		out = append(out, map[string]any{
			"business_object_id": r.ID, "business_object_type": r.Type, "business_object_type_id": nil,
			"external_system_id": r.ExternalSystemID, "workspace_type_id": w.typeID,
			"has_default_display": i == 0, "has_default_search": i == 0,
		})
	}
	return out
}

// getWorkspace is GET /api/v1|v2/businessworkspaces/{id}. `fields` picks
// the groups properties (with sub-selection), business_properties,
// categories, workspace_references, display_urls and wksp_info; without
// it all are sent. The reference gives one shape for both versions, so v1
// differs only in lacking `links`.
func (s *Server) getWorkspace(c *call) {
	id, ok := c.pathID("id")
	if !ok {
		return
	}
	fields := parseFields(c.p)
	if len(fields) == 0 {
		for _, g := range []string{"properties", "business_properties", "categories", "workspace_references", "display_urls", "wksp_info"} {
			fields = append(fields, fieldSel{name: g, elem: -1})
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[id]
	if n == nil || n.wksp == nil || !c.may(n, permSee) {
		c.workspaceNotFound(id)
		return
	}
	data := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "properties":
			data["properties"] = selectProps(s.workspaceProps(n), f.sub)
		case "business_properties":
			data["business_properties"] = businessProperties(n.wksp)
		case "categories":
			data["categories"] = s.nodeData(n, []fieldSel{f})["categories"]
		case "workspace_references":
			data["workspace_references"] = workspaceReferences(n.wksp)
		case "display_urls":
			data["display_urls"] = []any{}
		case "wksp_info":
			data["wksp_info"] = map[string]any{"wksp_type_icon": wkspIcon(n.wksp.typeID)}
		}
	}
	body := map[string]any{"results": map[string]any{"data": data}}
	if c.v2 {
		body["links"] = c.selfLinks()
	}
	c.json(http.StatusOK, body)
}

// whereName splits a where_name value into its match mode (contains_ or
// startswith_ prefix; plain means contains) and lower-cased text.
func whereName(v string) (prefix bool, text string) {
	if rest, ok := strings.CutPrefix(v, "startswith_"); ok {
		return true, strings.ToLower(rest)
	}
	return false, strings.ToLower(strings.TrimPrefix(v, "contains_"))
}

// listWorkspaces is GET /api/v2/businessworkspaces. Unlike browse it puts
// `paging` at the top level and wraps each item as {actions, data}. The
// simulator does not track access, so expanded_view=false (recently
// accessed only) lists the same workspaces as true.
func (s *Server) listWorkspaces(c *call) {
	page, limit, ok := c.pageParams(25)
	if !ok {
		return
	}
	typeID, byTypeID, err := c.p.int("where_workspace_type_id")
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'where_workspace_type_id'")
		return
	}
	typeName := c.p.str("where_workspace_type_name")
	startsWith, name := whereName(c.p.str("where_name"))
	sys, boType, boID := c.p.str("where_ext_system_id"), c.p.str("where_bo_type"), c.p.str("where_bo_id")
	byRef := sys != "" || boType != "" || boID != ""
	sortKey := c.p.str("sort")
	var sub []string
	for _, f := range parseFields(c.p) {
		if f.name == "properties" {
			sub = f.sub
		}
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []*node
	for _, n := range s.nodes {
		w := n.wksp
		switch {
		case w == nil, !c.may(n, permSee),
			byTypeID && w.typeID != typeID,
			typeName != "" && !strings.EqualFold(w.typeName, typeName),
			startsWith && !strings.HasPrefix(strings.ToLower(n.name), name),
			!startsWith && !strings.Contains(strings.ToLower(n.name), name),
			byRef && !w.anyRef(sys, boType, boID):
			continue
		}
		all = append(all, n)
	}
	// Map order is random; sortNodes breaks every tie by id.
	if !sortNodes(all, sortKey) {
		c.fail(http.StatusInternalServerError, fmt.Sprintf("Invalid column name (%s) specified for sorting", sortKey))
		return
	}
	pg := pageOf(len(all), int(page), int(limit))
	results := make([]any, 0, pg.hi-pg.lo)
	for _, n := range all[pg.lo:pg.hi] {
		results = append(results, map[string]any{"actions": map[string]any{}, "data": map[string]any{"properties": selectProps(s.workspaceProps(n), sub)}})
	}
	info := map[string]any{}
	if byTypeID {
		info["wksp_type_icon"] = wkspIcon(typeID)
	}
	c.json(http.StatusOK, map[string]any{"links": c.selfLinks(), "paging": pg.paging(), "results": results, "wksp_info": info})
}

func (w *workspace) anyRef(sys, typ, id string) bool {
	for _, r := range w.refs {
		if r.matches(sys, typ, id) {
			return true
		}
	}
	return false
}

// enclosingWorkspace is GET /api/v1/nodes/{id}/businessworkspace: the
// nearest business workspace at or above the node, 404 when there is none.
func (s *Server) enclosingWorkspace(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSee)
	if !ok {
		return
	}
	for cur := n; cur != nil; cur = s.nodes[cur.parentID] {
		if cur.wksp != nil {
			c.json(http.StatusOK, map[string]any{"id": cur.id, "isLinked": false, "type": typeBusinessWorkspace, "workspace_type_id": cur.wksp.typeID})
			return
		}
		if cur.parentID == cur.id {
			break
		}
	}
	c.fail(http.StatusNotFound, fmt.Sprintf("The item %d is not inside a business workspace.", n.id))
}
