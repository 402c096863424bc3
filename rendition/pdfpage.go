package rendition

import (
	"html"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"
)

// Placement says where a PDF rendition's attachments are kept.
type Placement string

const (
	// Embedded attachments are PDF/A-3 associated files inside the PDF.
	Embedded Placement = "embedded"
	// Beside attachments are filed as documents in a folder next to the
	// record, because together they exceed the embedding limit.
	Beside Placement = "filed beside"
)

// PDFSource is what the PDF renderer prints: the HTML and the local files
// it may load.
type PDFSource struct {
	HTML string
	// Images maps a resource path used in HTML (e.g. "att/2") to the index
	// of the attachment it shows.
	Images map[string]int
	// Blocked lists the external URLs the page refers to (images, frames,
	// scripts, style sheets, media): never fetched, named in the header.
	Blocked []string
}

// PDFPage builds the HTML a PDF rendition is printed from: the same header
// as the MHTML file (title, space, version, author, approval, source), the
// fixity manifest of the attachments (name, type, size, version, SHA-256,
// where they are kept), the external content left out, and the page's
// export_view body. Images of the page's own attachments point at local
// resources; every other URL stays as it is and is blocked by the renderer.
func PDFPage(doc Document, manifest []ManifestEntry, placement Placement) PDFSource {
	byName := map[string]int{}
	for i, m := range manifest {
		byName[m.FileName] = i
	}
	host := ""
	if u, err := url.Parse(doc.URL); err == nil {
		host = u.Host
	}
	src := PDFSource{Images: map[string]int{}}
	body, blocked := localiseBody(doc.BodyHTML, func(raw string) (string, bool) {
		i, ok := attachmentOf(raw, host, doc.PageID, byName)
		if !ok {
			return "", false
		}
		res := "att/" + strconv.Itoa(i)
		src.Images[res] = i
		return res, true
	})
	src.Blocked = blocked
	esc := html.EscapeString
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(doc.Title) + "</title>" +
		"<style>body{font-family:'Noto Sans','DejaVu Sans',sans-serif;font-size:10.5pt}" +
		"table.xb{border-collapse:collapse;margin-bottom:1em;font-size:9pt}table.xb th,table.xb td{border:1px solid #999;padding:2px 6px;text-align:start;vertical-align:top}" +
		"td.sum{font-family:'DejaVu Sans Mono',monospace;font-size:7.5pt;word-break:break-all}img{max-width:100%}</style></head><body>\n")
	b.WriteString("<header><p>Archival rendition (PDF/A) of a Confluence page, filed by xecm-bridge.</p>")
	b.WriteString(headerTable(doc))
	b.WriteString("<p>Attachments (" + esc(string(placement)) + "), as of this page version:</p>")
	if len(manifest) == 0 {
		b.WriteString("<p>none</p>")
	} else {
		b.WriteString("<table class=\"xb\"><tr><th>File</th><th>Type</th><th>Bytes</th><th>Version</th><th>SHA-256</th></tr>\n")
		for _, m := range manifest {
			b.WriteString("<tr><td>" + esc(m.FileName) + "</td><td>" + esc(m.MediaType) + "</td><td>" + strconv.FormatInt(m.Size, 10) +
				"</td><td>" + strconv.Itoa(m.Version) + "</td><td class=\"sum\">" + esc(m.SHA256) + "</td></tr>\n")
		}
		b.WriteString("</table>")
	}
	if len(blocked) > 0 {
		b.WriteString("<p>External content the page refers to, not included (the renderer fetches nothing):</p><ul>")
		for _, u := range blocked {
			b.WriteString("<li>" + esc(u) + "</li>")
		}
		b.WriteString("</ul>")
	}
	b.WriteString("<hr></header>\n<main>\n" + body + "\n</main></body></html>\n")
	src.HTML = b.String()
	return src
}

// headerTable is the header both renditions share, as a table.
func headerTable(doc Document) string {
	var table strings.Builder
	table.WriteString("<table class=\"xb\">\n")
	for _, r := range headerRows(doc) {
		table.WriteString("<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>\n")
	}
	table.WriteString("</table>")
	return table.String()
}

// attachmentOf tells whether a URL in the body is a download of one of the
// page's own attachments (on the page's own host, or relative), and which.
func attachmentOf(raw, host, pageID string, byName map[string]int) (int, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Host != "" && u.Host != host) || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return 0, false
	}
	dir, file := path.Split(u.Path)
	if !strings.HasSuffix(dir, "/attachments/"+pageID+"/") && !strings.HasSuffix(dir, "/thumbnails/"+pageID+"/") {
		return 0, false
	}
	if !strings.Contains(dir, "/download/") {
		return 0, false
	}
	i, ok := byName[file]
	return i, ok
}

// localiseBody rewrites the URLs that load content (img, iframe, script,
// link, video, audio, source, object, embed, and url() in style
// attributes): local ones to what local returns, and collects the rest.
func localiseBody(body string, local func(string) (string, bool)) (string, []string) {
	z := xhtml.NewTokenizer(strings.NewReader(body))
	seen := map[string]bool{}
	var blocked []string
	block := func(u string) {
		u = strings.TrimSpace(u)
		if u == "" || strings.HasPrefix(strings.ToLower(u), "data:") || seen[u] {
			return
		}
		seen[u] = true
		blocked = append(blocked, u)
	}
	var out strings.Builder
	inStyle := false
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		tok := z.Token()
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			for i, a := range tok.Attr {
				switch {
				case loads(tok.Data, a.Key):
					if res, ok := local(a.Val); ok {
						tok.Attr[i].Val = res
					} else {
						block(a.Val)
					}
				case a.Key == "srcset":
					for _, part := range strings.Split(a.Val, ",") {
						if f := strings.Fields(part); len(f) > 0 {
							block(f[0])
						}
					}
					tok.Attr[i].Val = ""
				case a.Key == "style":
					for _, u := range cssURLs(a.Val) {
						block(u)
					}
				}
			}
		}
		if tt == xhtml.TextToken && inStyle {
			for _, u := range cssURLs(tok.Data) {
				block(u)
			}
		}
		if tt == xhtml.StartTagToken && tok.Data == "style" {
			inStyle = true
		} else if tt == xhtml.EndTagToken && tok.Data == "style" {
			inStyle = false
		}
		if tt == xhtml.TextToken && inStyle {
			out.WriteString(tok.Data) // raw CSS: not HTML-escaped
			continue
		}
		out.WriteString(tok.String())
	}
	sort.Strings(blocked)
	return out.String(), blocked
}

// loads says whether an attribute of an element makes a browser load it.
func loads(tag, attr string) bool {
	switch attr {
	case "src":
		return tag == "img" || tag == "iframe" || tag == "script" || tag == "video" || tag == "audio" || tag == "source" || tag == "embed" || tag == "input" || tag == "track" || tag == "frame"
	case "href":
		return tag == "link"
	case "data":
		return tag == "object"
	case "poster":
		return tag == "video"
	case "background":
		return true
	}
	return false
}

// cssURLs finds url(...) references in CSS text.
func cssURLs(css string) []string {
	var urls []string
	for rest := css; ; {
		i := strings.Index(strings.ToLower(rest), "url(")
		if i < 0 {
			return urls
		}
		rest = rest[i+4:]
		j := strings.IndexByte(rest, ')')
		if j < 0 {
			return urls
		}
		urls = append(urls, strings.Trim(strings.TrimSpace(rest[:j]), `"'`))
		rest = rest[j+1:]
	}
}
