package confluence

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// A subset of CQL, enough for change polling:
//
//	field op value [and field op value ...] [order by field [asc|desc], ...]
//
// fields: space (space.key), type (page, comment; other types match
// nothing), id, ancestor (a page any level above), label, title,
// lastmodified, created. Operators: = and != for all but title and the
// dates; in / not in (list) for space, type, id, ancestor and label; ~ and !~ (case-insensitive substring) for title; =, !=, >,
// >=, <, <= for the dates. Values are "double" or 'single' quoted strings,
// bare words, or now("-5m") (units m, h, d, w). Date literals are
// "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd" or "yyyy/MM/dd",
// read in the site's time zone, which is UTC here. Parentheses group
// and-ed clauses. Anything else (or, not, other fields or functions) is a
// 400 naming the problem. Field names and keywords are case-insensitive.

type cqlClause struct {
	field, op string
	values    []string
	times     []cqlTime // for date fields
}

type cqlTime struct {
	t    time.Time
	prec time.Duration // time.Minute or 24h: what "=" compares at
}

type cqlOrder struct {
	field string
	desc  bool
}

type cqlQuery struct {
	clauses []cqlClause
	order   []cqlOrder
}

type cqlToken struct {
	kind string // "str", "word", "op", "(", ")", ","
	text string
	pos  int
}

func cqlLex(q string) ([]cqlToken, error) {
	var toks []cqlToken
	rs := []rune(q)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != c; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated string starting at position %d", i)
			}
			toks = append(toks, cqlToken{"str", b.String(), i})
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, cqlToken{string(c), string(c), i})
			i++
		case strings.ContainsRune("=!<>~", c):
			j := i + 1
			if j < len(rs) && (rs[j] == '=' || rs[j] == '~') && c != '=' && c != '~' {
				j++
			}
			op := string(rs[i:j])
			if op == "!" {
				return nil, fmt.Errorf("unexpected '!' at position %d", i)
			}
			toks = append(toks, cqlToken{"op", op, i})
			i = j
		case unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune("_-.:", c):
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || strings.ContainsRune("_-.:", rs[j])) {
				j++
			}
			toks = append(toks, cqlToken{"word", string(rs[i:j]), i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
		}
	}
	return toks, nil
}

var cqlFieldOps = map[string][]string{
	"space": {"=", "!=", "in", "not in"}, "type": {"=", "!=", "in", "not in"}, "id": {"=", "!=", "in", "not in"},
	"ancestor": {"=", "!=", "in", "not in"},
	"label":    {"=", "!=", "in", "not in"}, "title": {"=", "!=", "~", "!~"},
	"lastmodified": {"=", "!=", ">", ">=", "<", "<="}, "created": {"=", "!=", ">", ">=", "<", "<="},
}

var cqlSortFields = map[string]bool{"lastmodified": true, "created": true, "title": true, "id": true}

type cqlParser struct {
	toks []cqlToken
	i    int
	now  time.Time
}

func (p *cqlParser) peek() *cqlToken {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return nil
}

func (p *cqlParser) isWord(w string) bool {
	t := p.peek()
	return t != nil && t.kind == "word" && strings.EqualFold(t.text, w)
}

func parseCQL(q string, now time.Time) (*cqlQuery, error) {
	toks, err := cqlLex(q)
	if err != nil {
		return nil, err
	}
	p := &cqlParser{toks: toks, now: now}
	out := &cqlQuery{}
	if p.peek() != nil && !p.isWord("order") {
		if err := p.expr(out, 0); err != nil {
			return nil, err
		}
	}
	if p.isWord("order") {
		p.i++
		if !p.isWord("by") {
			return nil, fmt.Errorf("expected 'by' after 'order'")
		}
		p.i++
		for {
			t := p.peek()
			if t == nil || t.kind != "word" {
				return nil, fmt.Errorf("expected a field after 'order by'")
			}
			f := cqlField(t.text)
			if !cqlSortFields[f] {
				return nil, fmt.Errorf("cannot order by %q (supported: lastmodified, created, title, id)", t.text)
			}
			p.i++
			o := cqlOrder{field: f}
			if p.isWord("asc") {
				p.i++
			} else if p.isWord("desc") {
				o.desc = true
				p.i++
			}
			out.order = append(out.order, o)
			if t := p.peek(); t != nil && t.kind == "," {
				p.i++
				continue
			}
			break
		}
	}
	if t := p.peek(); t != nil {
		return nil, fmt.Errorf("unexpected %q at position %d", t.text, t.pos)
	}
	return out, nil
}

func cqlField(f string) string {
	f = strings.ToLower(f)
	if f == "space.key" {
		return "space"
	}
	return f
}

// expr parses clause {and clause}, with parenthesised groups.
func (p *cqlParser) expr(out *cqlQuery, depth int) error {
	for {
		if t := p.peek(); t != nil && t.kind == "(" {
			p.i++
			if err := p.expr(out, depth+1); err != nil {
				return err
			}
			if t := p.peek(); t == nil || t.kind != ")" {
				return fmt.Errorf("missing ')'")
			}
			p.i++
		} else if err := p.clause(out); err != nil {
			return err
		}
		switch {
		case p.isWord("and"):
			p.i++
			continue
		case p.isWord("or"):
			return fmt.Errorf("the operator OR is not supported by the simulator")
		case p.isWord("not"):
			return fmt.Errorf("the operator NOT is not supported by the simulator")
		}
		if t := p.peek(); t != nil && t.kind == ")" && depth == 0 {
			return fmt.Errorf("unbalanced ')' at position %d", t.pos)
		}
		return nil
	}
}

func (p *cqlParser) clause(out *cqlQuery) error {
	t := p.peek()
	if t == nil {
		return fmt.Errorf("expected a clause at the end of the query")
	}
	if t.kind != "word" {
		return fmt.Errorf("expected a field name at position %d, got %q", t.pos, t.text)
	}
	if strings.EqualFold(t.text, "not") {
		return fmt.Errorf("the operator NOT is not supported by the simulator")
	}
	field := cqlField(t.text)
	ops, ok := cqlFieldOps[field]
	if !ok {
		return fmt.Errorf("unsupported field %q (supported: space, type, id, label, title, lastmodified, created)", t.text)
	}
	p.i++
	op := ""
	switch t := p.peek(); {
	case t == nil:
		return fmt.Errorf("expected an operator after %q", field)
	case t.kind == "op":
		op = t.text
		p.i++
	case t.kind == "word" && strings.EqualFold(t.text, "in"):
		op = "in"
		p.i++
	case t.kind == "word" && strings.EqualFold(t.text, "not"):
		p.i++
		if !p.isWord("in") {
			return fmt.Errorf("expected 'in' after 'not' at position %d", t.pos)
		}
		op = "not in"
		p.i++
	default:
		return fmt.Errorf("expected an operator after %q at position %d, got %q", field, t.pos, t.text)
	}
	if !contains(ops, op) {
		return fmt.Errorf("operator %q is not supported for field %q", op, field)
	}
	c := cqlClause{field: field, op: op}
	if op == "in" || op == "not in" {
		if t := p.peek(); t == nil || t.kind != "(" {
			return fmt.Errorf("expected '(' after %q", op)
		}
		p.i++
		for {
			v, err := p.value()
			if err != nil {
				return err
			}
			c.values = append(c.values, v)
			t := p.peek()
			if t != nil && t.kind == "," {
				p.i++
				continue
			}
			if t == nil || t.kind != ")" {
				return fmt.Errorf("expected ',' or ')' in the %q list", op)
			}
			p.i++
			break
		}
	} else {
		v, err := p.value()
		if err != nil {
			return err
		}
		c.values = []string{v}
	}
	if field == "lastmodified" || field == "created" {
		for _, v := range c.values {
			ct, err := p.parseTime(v)
			if err != nil {
				return err
			}
			c.times = append(c.times, ct)
		}
	}
	out.clauses = append(out.clauses, c)
	return nil
}

// value reads a string, a bare word or a function call (kept as
// "name(arg)" for the date parser).
func (p *cqlParser) value() (string, error) {
	t := p.peek()
	if t == nil {
		return "", fmt.Errorf("expected a value at the end of the query")
	}
	switch t.kind {
	case "str":
		p.i++
		return t.text, nil
	case "word":
		p.i++
		if n := p.peek(); n != nil && n.kind == "(" {
			p.i++
			arg := ""
			if a := p.peek(); a != nil && a.kind == "str" {
				arg = a.text
				p.i++
			}
			if c := p.peek(); c == nil || c.kind != ")" {
				return "", fmt.Errorf("expected ')' after the arguments of %s()", t.text)
			}
			p.i++
			return "\x00" + strings.ToLower(t.text) + "(" + arg + ")", nil
		}
		return t.text, nil
	}
	return "", fmt.Errorf("expected a value at position %d, got %q", t.pos, t.text)
}

var nowOffset = regexp.MustCompile(`^([+-]?\d+)([mhdw])$`)

func (p *cqlParser) parseTime(v string) (cqlTime, error) {
	if fn, ok := strings.CutPrefix(v, "\x00"); ok {
		arg, ok := strings.CutPrefix(fn, "now(")
		if !ok {
			return cqlTime{}, fmt.Errorf("unsupported function %s (only now() is supported)", strings.TrimSuffix(fn, ")")+")")
		}
		arg = strings.ReplaceAll(strings.TrimSuffix(arg, ")"), " ", "")
		t := p.now
		if arg != "" {
			m := nowOffset.FindStringSubmatch(arg)
			if m == nil {
				return cqlTime{}, fmt.Errorf("invalid now() offset %q (like \"-5m\", \"-2h\", \"-1d\", \"-1w\")", arg)
			}
			n, _ := strconv.Atoi(m[1])
			unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[2]]
			t = t.Add(time.Duration(n) * unit)
		}
		return cqlTime{t: t, prec: time.Millisecond}, nil
	}
	for _, f := range []struct {
		layout string
		prec   time.Duration
	}{{"2006-01-02 15:04", time.Minute}, {"2006/01/02 15:04", time.Minute}, {"2006-01-02", 24 * time.Hour}, {"2006/01/02", 24 * time.Hour}} {
		if t, err := time.ParseInLocation(f.layout, v, time.UTC); err == nil {
			return cqlTime{t: t, prec: f.prec}, nil
		}
	}
	return cqlTime{}, fmt.Errorf("invalid date %q (use \"yyyy-MM-dd HH:mm\" or \"yyyy-MM-dd\")", v)
}

// cqlItem is one searchable thing: a page or a comment.
type cqlItem struct {
	page    *page
	comment *comment
}

func (it cqlItem) id() string {
	if it.comment != nil {
		return it.comment.id
	}
	return it.page.id
}

func (it cqlItem) typ() string {
	if it.comment != nil {
		return "comment"
	}
	return "page"
}

func (it cqlItem) title() string {
	if it.comment != nil {
		return "Re: " + it.page.current().title
	}
	return it.page.current().title
}

func (it cqlItem) modified() time.Time {
	if it.comment != nil {
		return it.comment.createdAt
	}
	return it.page.current().createdAt
}

func (it cqlItem) created() time.Time {
	if it.comment != nil {
		return it.comment.createdAt
	}
	return it.page.createdAt
}

func (s *Server) cqlMatch(it cqlItem, c cqlClause) bool {
	var have []string // the item's values for the field
	switch c.field {
	case "space":
		if sp := s.spaceByID(it.page.spaceID); sp != nil {
			have = []string{sp.key}
		}
	case "type":
		have = []string{it.typ()}
	case "id":
		have = []string{it.id()}
	case "ancestor":
		if it.comment == nil {
			for id, n := it.page.parentID, 0; id != "" && n < 1000; n++ {
				have = append(have, id)
				par, ok := s.pages[id]
				if !ok {
					break
				}
				id = par.parentID
			}
		}
	case "label":
		if it.comment == nil {
			for _, l := range it.page.labels {
				have = append(have, l.name)
			}
		}
	case "title":
		t := it.title()
		switch c.op {
		case "=":
			return t == c.values[0]
		case "!=":
			return t != c.values[0]
		case "~":
			return strings.Contains(strings.ToLower(t), strings.ToLower(c.values[0]))
		case "!~":
			return !strings.Contains(strings.ToLower(t), strings.ToLower(c.values[0]))
		}
	case "lastmodified", "created":
		at := it.modified()
		if c.field == "created" {
			at = it.created()
		}
		ct := c.times[0]
		switch c.op {
		case "=":
			return at.Truncate(ct.prec).Equal(ct.t.Truncate(ct.prec))
		case "!=":
			return !at.Truncate(ct.prec).Equal(ct.t.Truncate(ct.prec))
		case ">":
			return at.After(ct.t)
		case ">=":
			return !at.Before(ct.t)
		case "<":
			return at.Before(ct.t)
		case "<=":
			return !at.After(ct.t)
		}
	}
	found := false
	for _, v := range c.values {
		want := v
		if c.field == "label" {
			want = strings.ToLower(v)
		}
		if contains(have, want) {
			found = true
			break
		}
	}
	if c.op == "!=" || c.op == "not in" {
		return !found
	}
	return found
}

// cqlHits evaluates query over the pages and comments who may see (pages
// not trashed), in the query's order, then by id. Call with s.mu held; the
// search endpoint and the Page Properties Report both use it.
func (s *Server) cqlHits(query *cqlQuery, who string) []cqlItem {
	var hits []cqlItem
	for _, p := range s.sortedPages() {
		if p.status != "current" || !s.canView(p, who) {
			continue
		}
		items := []cqlItem{{page: p}}
		for _, c := range p.comments {
			items = append(items, cqlItem{page: p, comment: c})
		}
		for _, it := range items {
			match := true
			for _, c := range query.clauses {
				if !s.cqlMatch(it, c) {
					match = false
					break
				}
			}
			if match {
				hits = append(hits, it)
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		for _, o := range query.order {
			var less, greater bool
			a, b := hits[i], hits[j]
			switch o.field {
			case "lastmodified":
				less, greater = a.modified().Before(b.modified()), a.modified().After(b.modified())
			case "created":
				less, greater = a.created().Before(b.created()), a.created().After(b.created())
			case "title":
				less, greater = a.title() < b.title(), a.title() > b.title()
			case "id":
				less, greater = idLess(a.id(), b.id()), idLess(b.id(), a.id())
			}
			if o.desc {
				less, greater = greater, less
			}
			if less || greater {
				return less
			}
		}
		return idLess(hits[i].id(), hits[j].id())
	})
	return hits
}

func (s *Server) routesSearch(mux *http.ServeMux, h *v1, prefix string) {
	mux.HandleFunc("GET "+prefix+"/content/search", func(w http.ResponseWriter, r *http.Request) { h.search(w, r, false) })
	mux.HandleFunc("GET "+prefix+"/search", func(w http.ResponseWriter, r *http.Request) { h.search(w, r, true) })
}

// search is GET .../content/search?cql=&limit=&start=&cursor=&expand=, and
// with wrap the site search GET .../search, whose results hold the content
// in a SearchResult (see searchResult); paging and links are the same.
// Results are v1 content objects (pages and comments the caller may see,
// not trashed), with size and totalSize, paged through _links.next and
// _links.prev. On DC those links page by start. Cloud's spec pages this
// endpoint by an opaque cursor (its parameters are cql, cqlcontext,
// expand, cursor and limit), and its links look like
// /rest/api/content/search?next=true&cursor=…&limit=…&start=…&cql=…, so
// Cloud links carry both cursor and start; a cursor, when sent, wins over
// start, and one the simulator did not issue is a 400.
func (h *v1) search(w http.ResponseWriter, r *http.Request, wrap bool) {
	q := r.URL.Query()
	cql := strings.TrimSpace(q.Get("cql"))
	if cql == "" {
		writeV1Error(w, http.StatusBadRequest, "The cql parameter is required")
		return
	}
	query, err := parseCQL(cql, h.s.now())
	if err != nil {
		writeV1Error(w, http.StatusBadRequest, "Could not parse cql : "+cql+" : "+err.Error())
		return
	}
	start, limit, ok := parseStartLimit(w, r, 25)
	if !ok {
		return
	}
	cloud := h.ctx == cloudCtx
	if c := q.Get("cursor"); c != "" && cloud {
		if start, ok = decodeCursor(c); !ok {
			writeV1Error(w, http.StatusBadRequest, "Invalid cursor: "+c)
			return
		}
	}
	expand := multiValues(r, "expand")

	h.s.mu.RLock()
	who := actor(r)
	hits := h.s.cqlHits(query, who)
	total := len(hits)
	results := []any{}
	if start < total {
		for _, it := range hits[start:min(start+limit, total)] {
			var c map[string]any
			if it.comment != nil {
				c = h.comment(it.comment, expand, who)
			} else {
				c = h.content(it.page, it.page.current(), expand, who)
			}
			if wrap {
				c = h.searchResult(it, c, who)
			}
			results = append(results, c)
		}
	}
	h.s.mu.RUnlock()

	origin := h.s.origin()
	links := map[string]any{"base": origin + h.ctx, "context": h.ctx, "self": origin + r.URL.Path + "?" + r.URL.RawQuery}
	link := func(dir string, offset int) string {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		delete(nq, "next")
		delete(nq, "prev")
		nq.Set("start", strconv.Itoa(offset))
		nq.Set("limit", strconv.Itoa(limit))
		if cloud {
			nq.Set(dir, "true")
			nq.Set("cursor", encodeCursor(offset))
		}
		return strings.TrimPrefix(r.URL.Path, h.ctx) + "?" + nq.Encode()
	}
	if start+limit < total {
		links["next"] = link("next", start+limit)
	}
	if start > 0 {
		links["prev"] = link("prev", max(0, start-limit))
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "start": start, "limit": limit, "size": len(results),
		"totalSize": total, "cqlQuery": cql, "searchDuration": 1, "_links": links})
}
