package opentext

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// catValues is a category with validated values, ready to apply.
type catValues struct {
	def    *categoryDef
	values map[string]any
}

// catIDOfKey returns the category id of an attribute key "{cat}_{attr}".
func catIDOfKey(key string) (int64, bool) {
	head, _, ok := strings.Cut(key, "_")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(head, 10, 64)
	return id, err == nil
}

// categoryDefByID returns a category definition. Definitions are fixed once
// seeded, so no lock is needed to read them.
func (s *Server) categoryDefByID(id int64) *categoryDef {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if n := s.nodes[id]; n != nil && n.catDef != nil {
		return n.catDef
	}
	return nil
}

// roleCategories reads roles.categories in either shape: v2 flat
// ({"9001_1":{},"9001_2":"x"}) or v1 nested ({"9001":{"9001_2":"x"}}).
func (s *Server) roleCategories(roles map[string]any) ([]catValues, int, string) {
	raw, _ := roles["categories"].(map[string]any)
	if raw == nil {
		return nil, 0, ""
	}
	grouped := map[int64]map[string]any{}
	var order []int64
	add := func(cat int64, k string, v any) {
		if grouped[cat] == nil {
			grouped[cat] = map[string]any{}
			order = append(order, cat)
		}
		if k != "" {
			grouped[cat][k] = v
		}
	}
	for k, v := range raw {
		if k == "inheritance" {
			continue
		}
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			nested, _ := v.(map[string]any)
			add(id, "", nil)
			for nk, nv := range nested {
				add(id, nk, nv)
			}
			continue
		}
		id, ok := catIDOfKey(k)
		if !ok {
			return nil, http.StatusBadRequest, fmt.Sprintf("Invalid category attribute key '%s'.", k)
		}
		add(id, k, v)
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	var out []catValues
	for _, id := range order {
		def := s.categoryDefByID(id)
		if def == nil {
			return nil, http.StatusBadRequest, fmt.Sprintf("Could not get a category for %d", id)
		}
		vals, msg := validateValues(def, grouped[id], nil, false)
		if msg != "" {
			return nil, http.StatusBadRequest, msg
		}
		out = append(out, catValues{def: def, values: vals})
	}
	return out, 0, ""
}

// validateValues checks keys and types and returns the full value set:
// base (nil on apply) overlaid with the normalised input. update selects
// the Categories Update wording for foreign keys.
func validateValues(def *categoryDef, in map[string]any, base map[string]any, update bool) (map[string]any, string) {
	out := map[string]any{}
	for _, a := range def.attrs {
		out[a.key] = nil
		if base != nil {
			out[a.key] = base[a.key]
		}
	}
	catKey := fmt.Sprintf("%d_1", def.id)
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == catKey {
			continue // the category itself; carries metadata_token
		}
		a := def.attr(k)
		if a == nil {
			if update {
				return nil, fmt.Sprintf("Category ID '%d' was specified for Categories Update, but a non-matching attribute ('%s') was found", def.id, k)
			}
			return nil, fmt.Sprintf("Invalid specification. Invalid attribute entry found: '%s' is not an attribute of category '%s' (%d).", k, def.name, def.id)
		}
		v, msg := normalise(a, in[k])
		if msg != "" {
			return nil, fmt.Sprintf("Invalid value for attribute '%s' (%s): %s", a.name, a.key, msg)
		}
		out[k] = v
	}
	for _, a := range def.attrs {
		if a.required && isEmptyValue(out[a.key]) {
			return nil, fmt.Sprintf("Attribute '%s' (%s) of category '%s' is required.", a.name, a.key, def.name)
		}
	}
	return out, ""
}

func isEmptyValue(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	case []any:
		for _, e := range t {
			if !isEmptyValue(e) {
				return false
			}
		}
		return true
	}
	return false
}

// normalise converts one attribute value to its stored form, accepting the
// string forms flat form fields deliver.
func normalise(a *attrDef, v any) (any, string) {
	if a.multi {
		var list []any
		switch t := v.(type) {
		case []any:
			list = t
		case []string:
			for _, s := range t {
				list = append(list, s)
			}
		case nil:
			return []any{}, ""
		default:
			list = []any{t}
		}
		if a.maxValues > 0 && len(list) > a.maxValues {
			return nil, fmt.Sprintf("at most %d values are allowed, got %d", a.maxValues, len(list))
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			n, msg := normaliseOne(a, e)
			if msg != "" {
				return nil, msg
			}
			out = append(out, n)
		}
		return out, ""
	}
	switch t := v.(type) {
	case []any:
		if len(t) > 1 {
			return nil, "the attribute takes a single value, got a list"
		}
		if len(t) == 0 {
			return nil, ""
		}
		v = t[0]
	case []string:
		if len(t) > 1 {
			return nil, "the attribute takes a single value, got a list"
		}
		if len(t) == 0 {
			return nil, ""
		}
		v = t[0]
	}
	return normaliseOne(a, v)
}

func normaliseOne(a *attrDef, v any) (any, string) {
	if v == nil {
		return nil, ""
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" && a.typeName != "String" {
		return nil, ""
	}
	switch a.typeName {
	case "String":
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case json.Number:
			s = t.String()
		case bool:
			s = strconv.FormatBool(t)
		case float64:
			s = strconv.FormatFloat(t, 'f', -1, 64)
		default:
			return nil, fmt.Sprintf("expected a String, got %s", describe(v))
		}
		if a.maxLength > 0 && len([]rune(s)) > a.maxLength {
			return nil, fmt.Sprintf("the value is %d characters long, the maximum is %d", len([]rune(s)), a.maxLength)
		}
		return s, ""
	case "Integer", "User":
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Sprintf("expected an %s (a whole number), got %s", map[bool]string{true: "Integer", false: "User id"}[a.typeName == "Integer"], describe(v))
		}
		return n, ""
	case "Date":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Sprintf("expected a Date (YYYY-MM-DD or ISO 8601 date-time), got %s", describe(v))
		}
		t, ok := parseDate(s)
		if !ok {
			return nil, fmt.Sprintf("expected a Date (YYYY-MM-DD or ISO 8601 date-time), got %s", describe(v))
		}
		return t.Format("2006-01-02T15:04:05"), ""
	case "Boolean":
		switch t := v.(type) {
		case bool:
			return t, ""
		case string:
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "true":
				return true, ""
			case "false":
				return false, ""
			}
		}
		return nil, fmt.Sprintf("expected a Boolean (true or false), got %s", describe(v))
	}
	return v, ""
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

func toInt(v any) (int64, bool) {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, true
		}
		f, err := t.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), true
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), true
		}
	case int:
		return int64(t), true
	case int64:
		return t, true
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04:05.000", "2006-01-02 15:04:05.000"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// categoryValuesJSON is the `data.categories` object of an applied category.
func categoryValuesJSON(catID int64, ac *appliedCat) map[string]any {
	out := map[string]any{}
	for k, v := range ac.values {
		out[k] = v
	}
	return out
}

// categoryMetadata describes a category and its attributes (`?metadata`).
func categoryMetadata(def *categoryDef) (map[string]any, []string) {
	key := strconv.FormatInt(def.id, 10)
	md := map[string]any{key: map[string]any{"key": key, "name": def.name, "persona": "category", "type": -18, "type_name": "Category"}}
	var keys []string
	for _, a := range def.attrs {
		md[a.key] = map[string]any{
			"key": a.key, "name": a.name, "persona": "categoryattribute", "type_name": a.typeName,
			"multi_value": a.multi, "multi_value_length_max": a.maxValues, "max_length": a.maxLength,
			"required": a.required, "hidden": false, "read_only": false,
		}
		keys = append(keys, a.key)
	}
	return md, keys
}

// categoryItem renders one applied category for v2 list/object shapes.
func (c *call) categoryItem(def *categoryDef, ac *appliedCat) map[string]any {
	item := map[string]any{"data": map[string]any{"categories": categoryValuesJSON(def.id, ac)}}
	if c.p.has("metadata") {
		md, keys := categoryMetadata(def)
		key := strconv.FormatInt(def.id, 10)
		item["metadata"] = map[string]any{"categories": md}
		item["metadata_map"] = map[string]any{"categories": map[string]any{key: keys}}
		item["metadata_order"] = map[string]any{"categories": []string{key}}
	}
	return item
}

func (s *Server) listCategories(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := c.pathNodeFor(permSee)
	if !ok {
		return
	}
	results := []any{}
	for _, cid := range n.catOrder {
		if def := s.nodes[cid]; def != nil && def.catDef != nil {
			results = append(results, c.categoryItem(def.catDef, n.cats[cid]))
		}
	}
	c.respondOK(map[string]any{"data": results}, results)
}

// nodeAndCategory resolves {id} and {cat}; it writes the error itself.
func (c *call) nodeAndCategory() (*node, *categoryDef, bool) {
	// Reading needs see, changing needs edit_attributes.
	need := permSee
	if c.r.Method != http.MethodGet {
		need = permEditAttributes
	}
	n, ok := c.pathNodeFor(need)
	if !ok {
		return nil, nil, false
	}
	catID, err := strconv.ParseInt(c.r.PathValue("cat"), 10, 64)
	var def *categoryDef
	if err == nil {
		if dn := c.s.nodes[catID]; dn != nil {
			def = dn.catDef
		}
	}
	if def == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get a category for %s", c.r.PathValue("cat")))
		return nil, nil, false
	}
	return n, def, true
}

// catRefusal completes a hold/finalized refusal for category changes.
const catRefusal = "its categories cannot be changed"

func notAppliedMsg(n *node, def *categoryDef) string {
	return fmt.Sprintf("The category '%s' (%d) is not applied to node %d.", def.name, def.id, n.id)
}

// appliedCategory is nodeAndCategory for a category that must already be
// applied to the node; it writes the error itself.
func (c *call) appliedCategory() (*node, *categoryDef, *appliedCat, bool) {
	n, def, ok := c.nodeAndCategory()
	if !ok {
		return nil, nil, nil, false
	}
	ac := n.cats[def.id]
	if ac == nil {
		c.fail(http.StatusBadRequest, notAppliedMsg(n, def))
		return nil, nil, nil, false
	}
	return n, def, ac, true
}

func (s *Server) getCategory(c *call) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, def, ac, ok := c.appliedCategory()
	if !ok {
		return
	}
	item := c.categoryItem(def, ac)
	if md, _ := categoryMetadata(def); item["metadata"] == nil {
		item["metadata"] = map[string]any{"categories": md}
	}
	c.respondOK(item, item)
}

// applyCategory is POST /nodes/{id}/categories: category_id plus keys.
func (s *Server) applyCategory(c *call) {
	catID, present, err := c.p.int("category_id")
	if err != nil {
		c.fail(http.StatusBadRequest, "Invalid datatype specified for argument 'category_id'")
		return
	}
	if !present {
		c.fail(http.StatusBadRequest, "Missing required parameter 'category_id'")
		return
	}
	def := s.categoryDefByID(catID)
	if def == nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Could not get a category for %d", catID))
		return
	}
	vals, msg := validateValues(def, c.categoryKeys(), nil, false)
	if c.refused(msg) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := c.pathNodeFor(permEditAttributes)
	if !ok {
		return
	}
	if c.lockedAgainst(n, catRefusal) {
		return
	}
	if n.cats[def.id] != nil {
		c.fail(http.StatusBadRequest, fmt.Sprintf("The attribute group '%s' already exists", def.name))
		return
	}
	n.cats[def.id] = &appliedCat{values: vals, token: newToken(16)}
	n.catOrder = append(n.catOrder, def.id)
	n.touch(s.now(), c.user.id)
	c.respondV2(map[string]any{})
}

// categoryKeys picks the attribute-key parameters ("{digits}_...") out of
// the merged parameters; keys of other categories are kept so the
// validation can name them.
func (c *call) categoryKeys() map[string]any {
	out := map[string]any{}
	for k, v := range c.p {
		if _, ok := catIDOfKey(k); ok {
			out[k] = v
		}
	}
	return out
}

// updateCategory is PUT /nodes/{id}/categories/{cat}.
func (s *Server) updateCategory(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, def, ac, ok := c.appliedCategory()
	if !ok {
		return
	}
	if c.lockedAgainst(n, catRefusal) {
		return
	}
	in := c.categoryKeys()
	token := c.p.str("metadata_token")
	if meta, ok := in[fmt.Sprintf("%d_1", def.id)].(map[string]any); ok && token == "" {
		token = firstString(meta["metadata_token"])
	}
	if token != "" && token != ac.token {
		c.fail(http.StatusConflict, "Could not update metadata (edit conflict)")
		return
	}
	vals, msg := validateValues(def, in, ac.values, true)
	if c.refused(msg) {
		return
	}
	ac.values, ac.token = vals, newToken(16)
	n.touch(s.now(), c.user.id)
	c.respondV2(map[string]any{})
}

func (s *Server) removeCategory(c *call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, def, _, ok := c.appliedCategory()
	if !ok {
		return
	}
	if c.lockedAgainst(n, catRefusal) {
		return
	}
	delete(n.cats, def.id)
	for i, id := range n.catOrder {
		if id == def.id {
			n.catOrder = append(n.catOrder[:i:i], n.catOrder[i+1:]...)
			break
		}
	}
	n.touch(s.now(), c.user.id)
	c.respondV2(map[string]any{})
}

// categoryForm serves the Alpaca forms for categories/create and /update.
func (s *Server) categoryForm(c *call) {
	id, _, err1 := c.p.int("id")
	catID, _, err2 := c.p.int("category_id")
	if err1 != nil || err2 != nil || id == 0 || catID == 0 {
		c.fail(http.StatusBadRequest, "Could not retrieve form. Invalid or missing parameters")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := s.nodes[id]
	dn := s.nodes[catID]
	if n == nil || !c.may(n, permSee) || dn == nil || dn.catDef == nil {
		c.fail(http.StatusBadRequest, "Could not retrieve form. Invalid or missing parameters")
		return
	}
	def := dn.catDef
	update := strings.HasSuffix(c.r.URL.Path, "/update")
	ac := n.cats[def.id]
	if update && ac == nil {
		c.fail(http.StatusBadRequest, notAppliedMsg(n, def))
		return
	}
	catKey := fmt.Sprintf("%d_1", def.id)
	data := map[string]any{}
	props := map[string]any{}
	fields := map[string]any{}
	if update {
		data[catKey] = map[string]any{"metadata_token": ac.token}
	}
	for _, a := range def.attrs {
		var v any
		if ac != nil {
			v = ac.values[a.key]
		}
		data[a.key] = v
		sch, opt := alpacaAttr(a)
		props[a.key] = sch
		fields[a.key] = opt
	}
	c.json(http.StatusOK, map[string]any{"forms": []any{map[string]any{
		"data":      data,
		"options":   map[string]any{"fields": fields, "form": map[string]any{}, "label": def.name},
		"schema":    map[string]any{"properties": props, "title": def.name, "type": "object"},
		"columns":   1,
		"role_name": "categories",
	}}})
}

// alpacaAttr renders one attribute's schema and options entries. Alpaca's
// schema type is coarse (Date is a string), so options carry type_name too.
func alpacaAttr(a attrDef) (map[string]any, map[string]any) {
	schemaType, optType := "string", "text"
	switch a.typeName {
	case "Integer":
		schemaType, optType = "integer", "integer"
	case "Date":
		schemaType, optType = "string", "date"
	case "Boolean":
		schemaType, optType = "boolean", "checkbox"
	case "User":
		schemaType, optType = "integer", "otcs_user_picker"
	}
	elem := map[string]any{"type": schemaType}
	if a.typeName == "String" && a.maxLength > 0 {
		elem["maxLength"] = a.maxLength
	}
	if a.typeName == "Date" {
		elem["format"] = "date"
	}
	sch := map[string]any{"title": a.name, "required": a.required, "readonly": false}
	opt := map[string]any{"label": a.name, "type": optType, "type_name": a.typeName, "readonly": false}
	if a.multi {
		sch["type"], sch["items"] = "array", elem
		if a.maxValues > 0 {
			sch["maxItems"] = a.maxValues
		}
		opt["type"] = "array"
		opt["items"] = map[string]any{"type": optType}
	} else {
		for k, v := range elem {
			sch[k] = v
		}
	}
	return sch, opt
}
