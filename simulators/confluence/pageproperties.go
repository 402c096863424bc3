package confluence

import (
	"html"
	"sort"
	"strings"
)

// Page Properties (details) and the Page Properties Report
// (detailssummary). A details macro holds two-column tables: the first
// cell of each row names a property, the second holds its value. The
// report finds pages by CQL (the simulator's subset; currentSpace() is
// replaced by the rendering page's space) and shows one row per page that
// has details (with the report's id, when it names one): the page title,
// then one column per property heading (the headings parameter, else
// every heading in order of first appearance). Rows are sorted by title,
// or by the column sortBy names; reverseSort=true reverses.

// pageProperties is one page's properties: value cells by heading, and
// the headings in page order. The first value of a heading wins.
type pageProperties struct {
	values   map[string]*node
	headings []string
}

// detailsOf collects the properties of a storage body's details macros
// whose id is id ("" = every details macro); ok is false when none is.
func detailsOf(storage, id string) (props pageProperties, ok bool) {
	root, err := parseStorage(storage)
	if err != nil {
		return props, false
	}
	props.values = map[string]*node{}
	var rows func(n *node)
	rows = func(n *node) {
		if n.space == "" && n.local == "tr" {
			var cells []*node
			for _, c := range n.children {
				if c.space == "" && (c.local == "th" || c.local == "td") {
					cells = append(cells, c)
				}
			}
			if len(cells) == 2 {
				h := strings.Join(strings.Fields(cells[0].textContent()), " ")
				if _, seen := props.values[h]; h != "" && !seen {
					props.values[h] = cells[1]
					props.headings = append(props.headings, h)
				}
			}
			return
		}
		for _, c := range n.children {
			rows(c)
		}
	}
	root.find(func(n *node) bool {
		if n.isMacro("details") && (id == "" || n.paramText("id") == id) {
			ok = true
			if rb := n.child("ac", "rich-text-body"); rb != nil {
				rows(rb)
			}
		}
		return false
	})
	return props, ok
}

type reportRow struct {
	p     *page
	props pageProperties
}

func (r *renderer) detailsSummary(n *node) {
	cql := n.paramText("cql")
	if sp := r.s.spaceByID(r.from.spaceID); sp != nil {
		cql = strings.ReplaceAll(cql, "currentSpace()", quoteCQLValue(sp.key))
	}
	if cql == "" {
		r.errorText("detailssummary", "The report has no CQL query.")
		return
	}
	q, err := parseCQL(cql, r.s.now())
	if err != nil {
		r.errorText("detailssummary", "Invalid CQL: "+err.Error())
		return
	}
	id := n.paramText("id")
	var rows []reportRow
	var headings []string
	for _, it := range r.s.cqlHits(q, r.viewer) {
		if it.comment != nil {
			continue
		}
		props, ok := detailsOf(it.page.current().body, id)
		if !ok {
			continue
		}
		rows = append(rows, reportRow{p: it.page, props: props})
		for _, h := range props.headings {
			if !contains(headings, h) {
				headings = append(headings, h)
			}
		}
	}
	if hs := n.paramText("headings"); hs != "" {
		headings = nil
		for _, h := range strings.Split(hs, ",") {
			if h = strings.Join(strings.Fields(h), " "); h != "" {
				headings = append(headings, h)
			}
		}
	}
	sortReport(rows, n.paramText("sortBy"), strings.EqualFold(n.paramText("reverseSort"), "true"))

	r.open(n, "detailssummary", "div")
	defer r.close("div")
	if len(rows) == 0 {
		r.b.WriteString("<p>No content found.</p>")
		return
	}
	r.b.WriteString(`<table class="metadata-summary-macro"><thead><tr><th>Title</th>`)
	for _, h := range headings {
		r.b.WriteString("<th>" + html.EscapeString(h) + "</th>")
	}
	r.b.WriteString("</tr></thead><tbody>")
	for _, row := range rows {
		title := row.p.current().title
		r.b.WriteString(`<tr><td><a href="` + html.EscapeString(r.ctx+r.s.webui(row.p, title)) + `">` + html.EscapeString(title) + "</a></td>")
		for _, h := range headings {
			r.b.WriteString("<td>")
			r.cellValue(row.p, row.props.values[h])
			r.b.WriteString("</td>")
		}
		r.b.WriteString("</tr>")
	}
	r.b.WriteString("</tbody></table>")
}

// cellValue renders a property value of page p. A page already being
// rendered (a report listing a page whose values hold the report) or one
// too deep gives plain text, so reports cannot recurse.
func (r *renderer) cellValue(p *page, cell *node) {
	switch {
	case cell == nil:
	case contains(r.stack, p.id) || len(r.stack) >= maxIncludeDepth:
		r.b.WriteString(html.EscapeString(strings.TrimSpace(cell.textContent())))
	default:
		r.inPage(p, func() { r.children(cell) })
	}
}

// sortReport orders rows by title, or by the text of the column sortBy
// names (then by title).
func sortReport(rows []reportRow, sortBy string, reverse bool) {
	key := func(row reportRow) string {
		if sortBy == "" || strings.EqualFold(sortBy, "title") {
			return ""
		}
		if v := row.props.values[sortBy]; v != nil {
			return strings.TrimSpace(v.textContent())
		}
		return ""
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if reverse {
			a, b = b, a
		}
		if ka, kb := key(a), key(b); ka != kb {
			return ka < kb
		}
		return a.p.current().title < b.p.current().title
	})
}

// quoteCQLValue makes s a double-quoted CQL string.
func quoteCQLValue(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
