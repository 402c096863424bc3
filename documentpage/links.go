package documentpage

import (
	"encoding/xml"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Link is one link to an OTCS node found in a page body.
type Link struct {
	NodeID int64
	URL    string // as written in the page
}

// Links returns the links in body that point at OTCS nodes on otcsHost
// (host[:port], compared case-insensitively), one per node, in node id
// order. It recognises Smart View links (…/app/nodes/<id>) and classic
// links (…?func=ll&objId=<id>…), in anchors and in macro URL parameters.
// Links to other hosts are ignored.
func Links(body, otcsHost string) []Link {
	seen := map[int64]Link{}
	d := decoder(body)
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var raw string
		switch {
		case t.Name.Space == "" && t.Name.Local == "a":
			raw = attr(t, "href")
		case t.Name.Space == "ri" && t.Name.Local == "url":
			raw = attr(t, "value")
		default:
			continue
		}
		if id, ok := NodeIDFromURL(raw, otcsHost); ok {
			if _, dup := seen[id]; !dup {
				seen[id] = Link{NodeID: id, URL: raw}
			}
		}
	}
	out := make([]Link, 0, len(seen))
	for _, l := range seen {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NodeID < out[j].NodeID })
	return out
}

// NodeIDFromURL returns the OTCS node id a URL on otcsHost points at.
func NodeIDFromURL(raw, otcsHost string) (int64, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, otcsHost) {
		return 0, false
	}
	// Smart View: …/app/nodes/<id>[/…]
	if _, rest, ok := strings.Cut(u.Path, "/app/nodes/"); ok {
		seg, _, _ := strings.Cut(rest, "/")
		return positiveID(seg)
	}
	// Classic UI: …/cs.exe?func=ll&objId=<id>&objAction=…
	q := u.Query()
	if strings.EqualFold(q.Get("func"), "ll") {
		for k, v := range q {
			if strings.EqualFold(k, "objId") && len(v) > 0 {
				return positiveID(v[0])
			}
		}
	}
	return 0, false
}

func positiveID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
