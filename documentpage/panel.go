package documentpage

import (
	"fmt"
	"html"
	"strings"
)

// PanelName names the bridge's excerpt macro. Excerpt Include with this name
// shows only the panel; Include Page shows the whole page.
const PanelName = "xecm-document"

// PropertiesID is the id of the Page Properties macro inside the panel, so
// a Page Properties Report (the hub index) lists every document of a hub.
const PropertiesID = "xecm-document"

// Lozenge texts the panel may carry besides the status.
const (
	SourceChangedText = "Source changed – review the summary"
	ControlledCopy    = "Controlled copy"
)

// Panel renders the bridge-owned panel of a document page in storage
// format. The output depends only on d, so an unchanged document gives the
// same bytes and the bridge writes no new page version.
func Panel(d Document) string {
	var b strings.Builder
	b.WriteString(`<ac:structured-macro ac:name="excerpt" ac:schema-version="1">`)
	param(&b, "name", PanelName)
	param(&b, "atlassian-macro-output-type", "BLOCK")
	b.WriteString(`<ac:rich-text-body>`)
	b.WriteString(`<p>`)
	lozenge(&b, string(d.Status), d.Status.colour())
	if d.SourceChanged {
		b.WriteString(" ")
		lozenge(&b, SourceChangedText, "Yellow")
	}
	b.WriteString(` <strong>`)
	b.WriteString(esc(d.Name))
	b.WriteString(`</strong> — controlled document in OpenText`)
	if d.Note != "" {
		b.WriteString(` (` + esc(d.Note) + `)`)
	}
	b.WriteString(`</p>`)

	b.WriteString(`<ac:structured-macro ac:name="details" ac:schema-version="1">`)
	param(&b, "id", PropertiesID)
	b.WriteString(`<ac:rich-text-body><table><tbody>`)
	row(&b, "Document", link(d.NodeURL, d.Name))
	if d.Description != "" {
		row(&b, "Description", esc(d.Description))
	}
	if d.Type != "" {
		row(&b, "Document type", esc(d.Type))
	}
	if d.Owner != "" {
		row(&b, "Owner", esc(d.Owner))
	}
	if a := d.Approved; a != nil {
		row(&b, "Approved version", link(d.VersionURL, "Version "+a.Label()))
		// The version's date: OTCS does not say when it was approved.
		row(&b, "Version date", esc(a.Date.UTC().Format("2006-01-02")))
		if a.ApprovedBy != "" {
			row(&b, "Approved by", esc(a.ApprovedBy))
		}
	} else {
		row(&b, "Approved version", "none yet")
	}
	if d.Latest.Number != 0 && (d.Approved == nil || d.Latest.Number != d.Approved.Number) {
		row(&b, "Latest version", esc(d.Latest.Label())+" (not approved)")
	}
	row(&b, "Status", esc(string(d.Status)))
	for _, v := range d.Values {
		row(&b, v.Name, esc(v.Value))
	}
	if d.Hub != "" {
		row(&b, "Hub", esc(d.Hub))
	}
	row(&b, "OTCS node", fmt.Sprint(d.NodeID))
	b.WriteString(`</tbody></table></ac:rich-text-body></ac:structured-macro>`)

	if d.Preview != "" && d.Approved != nil {
		b.WriteString(`<p>`)
		lozenge(&b, ControlledCopy+" – OTCS version "+d.Approved.Label(), "Blue")
		b.WriteString(`</p><ac:structured-macro ac:name="view-file" ac:schema-version="1"><ac:parameter ac:name="name"><ri:attachment ri:filename="`)
		b.WriteString(esc(d.Preview))
		b.WriteString(`" /></ac:parameter><ac:parameter ac:name="height">250</ac:parameter></ac:structured-macro>`)
	}
	b.WriteString(`<p><strong>Referenced from:</strong> `)
	restricted, named := 0, 0
	for _, r := range d.Referenced {
		if r.Restricted {
			restricted++
			continue
		}
		if named > 0 {
			b.WriteString(", ")
		}
		named++
		b.WriteString(`<ac:link><ri:page ri:content-title="` + esc(r.Title) + `" ri:space-key="` + esc(r.SpaceKey) + `" /></ac:link>`)
	}
	switch {
	case restricted > 0 && named > 0:
		fmt.Fprintf(&b, " and %s", restrictedPages(restricted))
	case restricted > 0:
		b.WriteString(restrictedPages(restricted))
	case named == 0:
		b.WriteString(`no page yet`)
	}
	b.WriteString(`</p>`)
	b.WriteString(`<p><em>Kept current by the bridge from OpenText; change the document there. Edits inside this panel are undone.</em></p>`)
	b.WriteString(`</ac:rich-text-body></ac:structured-macro>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

func param(b *strings.Builder, name, value string) {
	b.WriteString(`<ac:parameter ac:name="` + name + `">` + esc(value) + `</ac:parameter>`)
}

func lozenge(b *strings.Builder, title, colour string) {
	b.WriteString(`<ac:structured-macro ac:name="status" ac:schema-version="1">`)
	param(b, "colour", colour)
	param(b, "title", title)
	b.WriteString(`</ac:structured-macro>`)
}

func row(b *strings.Builder, name, cellXHTML string) {
	b.WriteString(`<tr><th>` + esc(name) + `</th><td>` + cellXHTML + `</td></tr>`)
}

func link(href, text string) string {
	if href == "" {
		return esc(text)
	}
	return `<a href="` + esc(href) + `">` + esc(text) + `</a>`
}

// restrictedPages counts referencing pages that are read-restricted.
func restrictedPages(n int) string {
	if n == 1 {
		return "a restricted page"
	}
	return fmt.Sprintf("%d restricted pages", n)
}
