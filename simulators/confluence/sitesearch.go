package confluence

import (
	"strings"
	"unicode/utf8"
)

// excerptRunes is how much of a body a search result's excerpt shows.
const excerptRunes = 200

// searchResult is the SearchResult object of the site search (GET
// /rest/api/search): the content as content/search returns it, with the
// title, a plain-text excerpt of the body, the web UI URL, the space as
// result container, an empty breadcrumb trail and the modification time.
// The excerpt is taken from the body as rendered for the caller, so that
// text of pages the caller may not read (an included page) stays out.
// Call with s.mu held.
func (h *v1) searchResult(it cqlItem, content map[string]any, viewer string) map[string]any {
	s := h.s
	p := it.page
	sp := s.spaceByID(p.spaceID)
	var view string
	if it.comment != nil {
		view = s.commentBody(p, it.comment, "view", h.ctx, viewer)
	} else {
		view = s.bodyValue(p, p.current(), "view", h.ctx, viewer)
	}
	webui, _ := content["_links"].(map[string]any)["webui"].(string)
	return map[string]any{
		"content":               content,
		"title":                 it.title(),
		"excerpt":               plainExcerpt(view),
		"url":                   webui,
		"resultGlobalContainer": map[string]any{"title": sp.name, "displayUrl": "/spaces/" + sp.key},
		"breadcrumbs":           []any{},
		"entityType":            "content",
		"iconCssClass":          "aui-icon content-type-" + it.typ(),
		"lastModified":          it.modified().Format(timeLayout),
		"friendlyLastModified":  it.modified().Format("Jan 02, 2006"),
	}
}

// plainExcerpt is the start of a rendered body as plain text, white space
// collapsed and blocks apart; a body that does not parse gives "".
func plainExcerpt(html string) string {
	n, err := parseStorage(html)
	if err != nil {
		return ""
	}
	var b strings.Builder
	spacedText(n, &b)
	text := strings.Join(strings.Fields(b.String()), " ")
	if utf8.RuneCountInString(text) <= excerptRunes {
		return text
	}
	return string([]rune(text)[:excerptRunes]) + "…"
}

// spacedText writes the text of n with a space after every element, so
// that "<p>a</p><p>b</p>" reads "a b".
func spacedText(n *node, b *strings.Builder) {
	if n.local == "" {
		b.WriteString(n.text)
		return
	}
	for _, c := range n.children {
		spacedText(c, b)
	}
	b.WriteByte(' ')
}
