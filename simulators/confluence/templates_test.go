package confluence_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// templateRoots are the template API roots, by flavour: Cloud v1, DC REST
// and DC's experimental alias.
var templateRoots = []string{"/wiki/rest/api/template", "/rest/api/template", "/rest/experimental/template"}

func templateJSON(fields map[string]any) string {
	base := map[string]any{"name": "Policy", "templateType": "page",
		"body": map[string]any{"storage": map[string]any{"value": "<p>x</p>", "representation": "storage"}}}
	for k, v := range fields {
		if v == nil {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	b, _ := json.Marshal(base)
	return string(b)
}

// checkTemplateShape checks ContentTemplate's field names and JSON types.
func checkTemplateShape(t *testing.T, m map[string]any, withBody bool) {
	t.Helper()
	for _, f := range []string{"templateId", "name", "description", "templateType"} {
		if !isString(m[f]) {
			t.Errorf("%s = %#v, want a string", f, m[f])
		}
	}
	if m["templateType"] != "page" {
		t.Errorf("templateType = %v", m["templateType"])
	}
	if _, ok := m["labels"].([]any); !ok {
		t.Errorf("labels = %#v, want an array", m["labels"])
	}
	for _, l := range arr(m["labels"]) {
		for _, f := range []string{"prefix", "name", "id", "label"} {
			if !isString(obj(l)[f]) {
				t.Errorf("label %s = %#v", f, obj(l)[f])
			}
		}
	}
	if obj(m["_links"]) == nil || !isString(obj(m["_links"])["self"]) {
		t.Errorf("_links = %#v", m["_links"])
	}
	exp := obj(m["_expandable"])
	if exp == nil {
		t.Errorf("_expandable missing")
	}
	st := obj(obj(m["body"])["storage"])
	if withBody {
		if !isString(st["value"]) || st["representation"] != "storage" {
			t.Errorf("body = %#v", m["body"])
		}
		if _, has := exp["body"]; has {
			t.Errorf("_expandable.body with the body expanded")
		}
	} else if m["body"] != nil || !isString(exp["body"]) {
		t.Errorf("body %#v, _expandable %#v: want no body and _expandable.body", m["body"], exp)
	}
}

func TestTemplatesCRUDEveryRoot(t *testing.T) {
	for _, root := range templateRoots {
		t.Run(strings.ReplaceAll(root, "/", "_"), func(t *testing.T) {
			h := start(t)
			// go-atlassian's shape for a global template: "space":null and
			// "description":"".
			g := h.json("POST", root, templateJSON(map[string]any{"name": "Global", "description": "", "space": nil}), 200)
			checkTemplateShape(t, g, true)
			if _, has := g["space"]; has {
				t.Errorf("global template has a space: %v", g["space"])
			}
			c := h.json("POST", root, templateJSON(map[string]any{"description": "Controlled document",
				"labels": []any{map[string]any{"prefix": "global", "name": "Doc-Page"}}, "space": map[string]any{"key": "DOCS"}}), 200)
			checkTemplateShape(t, c, true)
			id := c["templateId"].(string)
			if sp := obj(c["space"]); sp["key"] != "DOCS" || !isNumber(sp["id"]) {
				t.Errorf("space = %#v", c["space"])
			}
			if l := obj(arr(c["labels"])[0]); l["name"] != "doc-page" || l["label"] != "doc-page" || l["prefix"] != "global" {
				t.Errorf("label = %#v", l)
			}
			if self := obj(c["_links"])["self"].(string); !strings.HasSuffix(self, root+"/"+id) {
				t.Errorf("self = %s", self)
			}

			checkTemplateShape(t, h.json("GET", root+"/"+id, "", 200), false)
			for _, e := range []string{"body", "body.storage"} {
				got := h.json("GET", root+"/"+id+"?expand="+e, "", 200)
				checkTemplateShape(t, got, true)
				if obj(obj(got["body"])["storage"])["value"] != "<p>x</p>" {
					t.Errorf("expand=%s body = %#v", e, got["body"])
				}
			}

			u := h.json("PUT", root, templateJSON(map[string]any{"templateId": id, "name": "Policy v2", "description": "short",
				"space": map[string]any{"key": "DOCS"},
				"body":  map[string]any{"storage": map[string]any{"value": "<p>y</p>", "representation": "storage"}}}), 200)
			checkTemplateShape(t, u, true)
			if u["templateId"] != id || u["name"] != "Policy v2" || u["description"] != "short" || len(arr(u["labels"])) != 1 {
				t.Errorf("updated = %#v", u)
			}

			if st, _, b := h.do("DELETE", root+"/"+id, nil); st != 204 || len(b) != 0 {
				t.Errorf("DELETE = %d %s", st, b)
			}
			for _, m := range []string{"GET", "DELETE"} {
				if st, _, _ := h.do(m, root+"/"+id, nil); st != 403 {
					t.Errorf("%s deleted template = %d, want 403", m, st)
				}
			}
			if st, _, _ := h.do("PUT", root, strings.NewReader(templateJSON(map[string]any{"templateId": id}))); st != 403 {
				t.Errorf("PUT deleted template = %d, want 403", st)
			}

			bp := h.json("GET", root+"/blueprint?spaceKey=DOCS&start=0&limit=10&expand=body", "", 200)
			if len(arr(bp["results"])) != 0 || !isNumber(bp["start"]) || !isNumber(bp["size"]) || bp["limit"] != 10.0 {
				t.Errorf("blueprints = %#v", bp)
			}
		})
	}
}

func TestTemplatesListGlobalSpaceAndPaging(t *testing.T) {
	for _, root := range templateRoots {
		t.Run(strings.ReplaceAll(root, "/", "_"), func(t *testing.T) {
			h := start(t)
			for i := range 5 {
				h.json("POST", root, templateJSON(map[string]any{"name": "T" + strconv.Itoa(i), "space": map[string]any{"key": "DOCS"}}), 200)
			}
			h.json("POST", root, templateJSON(map[string]any{"name": "G"}), 200)

			global := h.json("GET", root+"/page", "", 200)
			if rs := arr(global["results"]); len(rs) != 1 || obj(rs[0])["name"] != "G" || global["size"] != 1.0 {
				t.Errorf("global list = %#v", global)
			}

			var names []string
			next := root + "/page?spaceKey=DOCS&limit=2&expand=body"
			for pages := 0; next != ""; pages++ {
				if pages > 5 {
					t.Fatal("paging does not end")
				}
				l := h.json("GET", next, "", 200)
				if !isNumber(l["start"]) || l["limit"] != 2.0 || !isNumber(l["size"]) {
					t.Errorf("envelope = %#v", l)
				}
				for _, it := range arr(l["results"]) {
					checkTemplateShape(t, obj(it), true)
					names = append(names, obj(it)["name"].(string))
				}
				next, _ = obj(l["_links"])["next"].(string)
				if next != "" && strings.HasPrefix(root, "/wiki") {
					next = "/wiki" + next // v1 links are relative to the context
				}
			}
			if strings.Join(names, ",") != "T0,T1,T2,T3,T4" {
				t.Errorf("paged names = %v", names)
			}
			// Without expand=body, lists carry no bodies.
			l := h.json("GET", root+"/page?spaceKey=DOCS&start=4", "", 200)
			if rs := arr(l["results"]); len(rs) != 1 || l["start"] != 4.0 {
				t.Fatalf("start=4: %#v", l)
			}
			checkTemplateShape(t, obj(arr(l["results"])[0]), false)

			if st, _, _ := h.do("GET", root+"/page?spaceKey=NOPE", nil); st != 400 {
				t.Errorf("unknown space list = %d, want 400", st)
			}
		})
	}
}

func TestTemplatesValidation(t *testing.T) {
	h := start(t)
	root := "/wiki/rest/api/template"
	long := func(n int) string { return strings.Repeat("é", n) } // limits count characters, not bytes
	for name, body := range map[string]string{
		"null name":          templateJSON(map[string]any{"name": nil}),
		"empty name":         templateJSON(map[string]any{"name": ""}),
		"blueprint type":     templateJSON(map[string]any{"templateType": "blueprint"}),
		"no type":            templateJSON(map[string]any{"templateType": nil}),
		"no body":            templateJSON(map[string]any{"body": nil}),
		"view body":          templateJSON(map[string]any{"body": map[string]any{"storage": map[string]any{"value": "x", "representation": "view"}}}),
		"no storage value":   templateJSON(map[string]any{"body": map[string]any{"storage": map[string]any{"representation": "storage"}}}),
		"description 256":    templateJSON(map[string]any{"description": long(256)}),
		"unknown space":      templateJSON(map[string]any{"space": map[string]any{"key": "NOPE"}}),
		"bad label":          templateJSON(map[string]any{"labels": []any{map[string]any{"name": "a b"}}}),
		"not JSON":           `{`,
		"labels not objects": templateJSON(map[string]any{"labels": "x"}),
	} {
		if st, _, b := h.do("POST", root, strings.NewReader(body)); st != 400 {
			t.Errorf("%s: %d %s, want 400", name, st, b)
		}
	}
	ok := h.json("POST", root, templateJSON(map[string]any{"description": long(255), "space": map[string]any{"key": "DOCS"}}), 200)
	id := ok["templateId"].(string)
	g := h.json("POST", root, templateJSON(map[string]any{"name": "G"}), 200)

	upd := func(fields map[string]any) map[string]any {
		f := map[string]any{"templateId": id, "space": map[string]any{"key": "DOCS"}}
		for k, v := range fields {
			f[k] = v
		}
		return f
	}
	for name, body := range map[string]string{
		"no templateId":     templateJSON(map[string]any{"space": map[string]any{"key": "DOCS"}}),
		"description 101":   templateJSON(upd(map[string]any{"description": long(101)})),
		"empty name":        templateJSON(upd(map[string]any{"name": " "})),
		"other type":        templateJSON(upd(map[string]any{"templateType": "blog"})),
		"no body":           templateJSON(upd(map[string]any{"body": nil})),
		"no space":          templateJSON(upd(map[string]any{"space": nil})),
		"other space":       templateJSON(upd(map[string]any{"space": map[string]any{"key": "POL"}})),
		"global into space": templateJSON(map[string]any{"templateId": g["templateId"], "space": map[string]any{"key": "DOCS"}}),
	} {
		if st, _, b := h.do("PUT", root, strings.NewReader(body)); st != 400 {
			t.Errorf("update %s: %d %s, want 400", name, st, b)
		}
	}
	// 100 characters is fine on update, and the bare {value,representation}
	// body confluence.js types for updates is accepted.
	u := h.json("PUT", root, templateJSON(upd(map[string]any{"description": long(100),
		"body": map[string]any{"value": "<p>flat</p>", "representation": "storage"}})), 200)
	if u["description"] != long(100) || obj(obj(u["body"])["storage"])["value"] != "<p>flat</p>" {
		t.Errorf("update = %#v", u)
	}
	// Unknown ids: 403 on every operation, never 404; a numeric id is fine.
	if st, _, _ := h.do("PUT", root, strings.NewReader(templateJSON(map[string]any{"templateId": 999}))); st != 403 {
		t.Errorf("PUT unknown = %d, want 403", st)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if st, _, b := h.do(m, root+"/999", nil); st != 403 || !strings.Contains(string(b), `"statusCode":403`) {
			t.Errorf("%s unknown = %d %s, want a v1 403", m, st, b)
		}
	}
}

func TestTemplatesXSRFAndAliases(t *testing.T) {
	h := start(t)
	// JSON writes need no X-Atlassian-Token (confluence.js 2.1 sends none);
	// a form-like content type does, as for attachment uploads.
	body := templateJSON(map[string]any{"name": "X"})
	if st, _, b := h.do("POST", "/rest/api/template", strings.NewReader(body), "Content-Type", "text/plain"); st != 403 ||
		!strings.Contains(string(b), "XSRF") {
		t.Errorf("text/plain without token = %d %s, want 403", st, b)
	}
	c := h.json("POST", "/rest/api/template", body, 200)
	if st, _, _ := h.do("PUT", "/rest/api/template", strings.NewReader(templateJSON(map[string]any{"templateId": c["templateId"]})),
		"Content-Type", "text/plain", "X-Atlassian-Token", "no-check"); st != 200 {
		t.Errorf("text/plain with token = %d, want 200", st)
	}
	// DC's two roots serve one set of templates; Cloud has no experimental
	// root and DC no /wiki one.
	if got := h.json("GET", "/rest/experimental/template/"+c["templateId"].(string), "", 200); got["name"] != "Policy" {
		t.Errorf("via experimental = %#v", got)
	}
	if st, _, _ := h.do("GET", "/wiki/rest/experimental/template/page", nil); st != 404 {
		t.Errorf("Cloud experimental = %d, want 404", st)
	}
	// Authentication applies as everywhere.
	req, _ := http.NewRequest("GET", h.srv.URL+"/wiki/rest/api/template/page", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("anonymous = %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func TestTemplatesGoAPIAndState(t *testing.T) {
	h := start(t)
	if len(h.s.Templates()) != 0 {
		t.Fatal("templates before any were created")
	}
	c := h.json("POST", "/wiki/rest/api/template", templateJSON(map[string]any{"name": "Doc", "description": "d",
		"labels": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}, "space": map[string]any{"key": "DOCS"}}), 200)
	h.json("POST", "/wiki/rest/api/template", templateJSON(map[string]any{"name": "Doc"}), 200)
	id := c["templateId"].(string)

	got, ok := h.s.TemplateByName("DOCS", "Doc")
	if !ok || got.ID != id || got.SpaceKey != "DOCS" || got.Description != "d" || got.Body != "<p>x</p>" ||
		strings.Join(got.Labels, ",") != "a,b" || got.Updates != 0 || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Errorf("TemplateByName = %+v, %v", got, ok)
	}
	if g, ok := h.s.TemplateByName("", "Doc"); !ok || g.ID == id || g.SpaceKey != "" {
		t.Errorf("global Doc = %+v, %v", g, ok)
	}
	if _, ok := h.s.TemplateByName("POL", "Doc"); ok {
		t.Error("found a template in the wrong space")
	}

	// Labels absent on update keep the template's labels.
	h.json("PUT", "/wiki/rest/api/template", templateJSON(map[string]any{"templateId": id, "name": "Doc",
		"space": map[string]any{"key": "DOCS"}}), 200)
	got, _ = h.s.TemplateByName("DOCS", "Doc")
	if got.Updates != 1 || len(got.Labels) != 2 || got.Description != "d" {
		t.Errorf("after update: %+v", got)
	}
	if all := h.s.Templates(); len(all) != 2 || all[0].ID != id {
		t.Errorf("Templates = %+v", all)
	}

	resp, err := http.Get(h.srv.URL + "/__sim/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Templates []map[string]any `json:"templates"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || len(d.Templates) != 2 || d.Templates[0]["id"] != id ||
		d.Templates[0]["spaceKey"] != "DOCS" {
		t.Errorf("state templates = %#v, %v", d.Templates, err)
	}
}
