package opentext

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Search: POST /api/v2/search (and the deprecated GET with the same
// parameters) over a subset of the Livelink Query Language (LQL) in
// `where`, which arrives as a form field, in the query string or inside the
// JSON `body` field (xecm sends body={"limit":100,"where":".."} plus a flat
// `page`; cs-rest sends body={"where":..}). The subset:
//
//	OTName: word       the name holds that word (or consecutive words, for
//	                   a value such as policy.txt), case-insensitively; a
//	                   trailing * makes the last word a prefix
//	OTName: "phrase"   the whole name equals the phrase, case-insensitively
//	OTSubType: 144     the node's subtype
//	OTLocation: 2000   the id is on the node's OTLocation path: the
//	                   space-separated ids from its volume down to the node
//	                   itself, so it matches the node and everything below it
//
// combined with `and` and `or` (case-insensitive; `and` binds tighter) and
// parentheses. `lookfor` defaults to complexquery; allwords, anywords and
// exactphrase take plain words, searched `within` metadata, content or
// both (fulltext.go). Results are the live nodes (the Recycle Bin is not
// searched) ordered by name, then id, as "relevance"; paging is `page`
// (1-based) and `limit` (default 10). The index is the live tree: a node is
// found as soon as it exists.

// lqlError is OTCS's answer to an empty or malformed LQL `where`.
const lqlError = "You have either not specified any search criterion at all, or one of your Livelink Query Language statements is incorrect. Edit the query by clicking an option in at least one list and/or correcting the statements that appear in the fields"

// defaultSearchLimit is the page size when `limit` is absent.
const defaultSearchLimit = 10

// lqlExpr is a parsed LQL expression.
type lqlExpr interface {
	match(s *Server, n *node) bool
}

type lqlAnd struct{ l, r lqlExpr }
type lqlOr struct{ l, r lqlExpr }

func (e lqlAnd) match(s *Server, n *node) bool { return e.l.match(s, n) && e.r.match(s, n) }
func (e lqlOr) match(s *Server, n *node) bool  { return e.l.match(s, n) || e.r.match(s, n) }

// lqlName is an OTName clause: exact (quoted) or a word sequence.
type lqlName struct {
	exact  string   // quoted value; "" for a word match
	words  []string // lower-cased words of an unquoted value
	prefix bool     // unquoted value ended in *: the last word is a prefix
}

func (e lqlName) match(_ *Server, n *node) bool {
	if e.words == nil {
		return strings.EqualFold(e.exact, n.name)
	}
	nw := nameWords(n.name)
	for i := 0; i+len(e.words) <= len(nw); i++ {
		ok := true
		for j, w := range e.words {
			last := j == len(e.words)-1
			if got := nw[i+j]; got != w && !(last && e.prefix && strings.HasPrefix(got, w)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// nameWords splits a name into lower-cased runs of letters and digits.
func nameWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

type lqlSubType struct{ typ int64 }

func (e lqlSubType) match(_ *Server, n *node) bool { return int64(n.typ) == e.typ }

type lqlLocation struct{ id int64 }

func (e lqlLocation) match(s *Server, n *node) bool {
	for _, id := range s.locationPath(n) {
		if id == e.id {
			return true
		}
	}
	return false
}

// locationPath is a node's OTLocation: the ids from its volume down to the
// node itself. Callers hold s.mu.
func (s *Server) locationPath(n *node) []int64 {
	var path []int64
	seen := map[int64]bool{}
	for cur := n; cur != nil && !seen[cur.id]; cur = s.nodes[cur.parentID] {
		seen[cur.id] = true
		path = append([]int64{cur.id}, path...)
	}
	return path
}

// lqlToken is one lexical token: "(", ")", ":", a quoted string or a word.
type lqlToken struct {
	text   string
	quoted bool
}

func (t lqlToken) is(punct string) bool { return !t.quoted && t.text == punct }

func (t lqlToken) keyword(k string) bool { return !t.quoted && strings.EqualFold(t.text, k) }

// lexLQL splits a where clause into tokens; ok is false on an unterminated
// quote.
func lexLQL(src string) ([]lqlToken, bool) {
	var out []lqlToken
	rs := []rune(src)
	for i := 0; i < len(rs); {
		switch r := rs[i]; {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')' || r == ':':
			out = append(out, lqlToken{text: string(r)})
			i++
		case r == '"':
			end := i + 1
			for end < len(rs) && rs[end] != '"' {
				end++
			}
			if end == len(rs) {
				return nil, false
			}
			out = append(out, lqlToken{text: string(rs[i+1 : end]), quoted: true})
			i = end + 1
		default:
			end := i
			for end < len(rs) && !unicode.IsSpace(rs[end]) && !strings.ContainsRune(`():"`, rs[end]) {
				end++
			}
			out = append(out, lqlToken{text: string(rs[i:end])})
			i = end
		}
	}
	return out, true
}

// lqlParser is a recursive-descent parser over the tokens:
//
//	or     := and { "or" and }
//	and    := term { "and" term }
//	term   := "(" or ")" | region ":" value
type lqlParser struct {
	toks []lqlToken
	pos  int
}

// parseLQL parses a where clause; ok is false when it is empty or not in
// the supported subset.
func parseLQL(where string) (lqlExpr, bool) {
	toks, ok := lexLQL(where)
	if !ok || len(toks) == 0 {
		return nil, false
	}
	p := &lqlParser{toks: toks}
	e, ok := p.or()
	if !ok || p.pos != len(p.toks) {
		return nil, false
	}
	return e, true
}

func (p *lqlParser) peek() (lqlToken, bool) {
	if p.pos >= len(p.toks) {
		return lqlToken{}, false
	}
	return p.toks[p.pos], true
}

func (p *lqlParser) next() (lqlToken, bool) {
	t, ok := p.peek()
	if ok {
		p.pos++
	}
	return t, ok
}

func (p *lqlParser) or() (lqlExpr, bool) {
	l, ok := p.and()
	if !ok {
		return nil, false
	}
	for {
		t, more := p.peek()
		if !more || !t.keyword("or") {
			return l, true
		}
		p.pos++
		r, ok := p.and()
		if !ok {
			return nil, false
		}
		l = lqlOr{l, r}
	}
}

func (p *lqlParser) and() (lqlExpr, bool) {
	l, ok := p.term()
	if !ok {
		return nil, false
	}
	for {
		t, more := p.peek()
		if !more || !t.keyword("and") {
			return l, true
		}
		p.pos++
		r, ok := p.term()
		if !ok {
			return nil, false
		}
		l = lqlAnd{l, r}
	}
}

func (p *lqlParser) term() (lqlExpr, bool) {
	t, ok := p.next()
	if !ok {
		return nil, false
	}
	if t.is("(") {
		e, ok := p.or()
		if !ok {
			return nil, false
		}
		if c, ok := p.next(); !ok || !c.is(")") {
			return nil, false
		}
		return e, true
	}
	if t.quoted {
		return nil, false
	}
	region := t.text
	if c, ok := p.next(); !ok || !c.is(":") {
		return nil, false
	}
	v, ok := p.next()
	if !ok || (!v.quoted && (v.is("(") || v.is(")") || v.is(":"))) {
		return nil, false
	}
	switch {
	case strings.EqualFold(region, "OTName"):
		if v.quoted {
			if strings.TrimSpace(v.text) == "" {
				return nil, false
			}
			return lqlName{exact: strings.TrimSpace(v.text)}, true
		}
		prefix := strings.HasSuffix(v.text, "*")
		words := nameWords(strings.TrimSuffix(v.text, "*"))
		if len(words) == 0 {
			return nil, false
		}
		return lqlName{words: words, prefix: prefix}, true
	case strings.EqualFold(region, "OTSubType"):
		n, err := strconv.ParseInt(strings.TrimSpace(v.text), 10, 64)
		if err != nil {
			return nil, false
		}
		return lqlSubType{n}, true
	case strings.EqualFold(region, "OTLocation"):
		n, err := strconv.ParseInt(strings.TrimSpace(v.text), 10, 64)
		if err != nil {
			return nil, false
		}
		return lqlLocation{n}, true
	}
	return nil, false
}

// search is POST|GET /api/v2/search.
func (s *Server) search(c *call) {
	page, limit, ok := c.pageParams(defaultSearchLimit)
	if !ok {
		return
	}
	lookfor := strings.ToLower(strings.TrimSpace(c.p.str("lookfor")))
	within := strings.ToLower(strings.TrimSpace(c.p.str("within")))
	if lookfor != "" && !slices.Contains(lookforModes, lookfor) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid value '%s' for lookfor; use one of %s.", lookfor, strings.Join(lookforModes, ", ")))
		return
	}
	if within != "" && !slices.Contains(withinScopes, within) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("Invalid value '%s' for within; use one of %s.", within, strings.Join(withinScopes, ", ")))
		return
	}
	where := c.p.str("where")
	var expr lqlExpr
	if lookfor == "" || lookfor == "complexquery" {
		expr, ok = parseLQL(where)
	} else {
		expr, ok = parseFullText(lookfor, where, within)
	}
	if !ok {
		c.fail(http.StatusBadRequest, lqlError)
		return
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	var hits []*node
	for _, n := range s.nodes {
		if expr.match(s, n) && c.may(n, permSee) { // the index answers only with what the caller may see
			hits = append(hits, n)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := strings.ToLower(hits[i].name), strings.ToLower(hits[j].name)
		if a != b {
			return a < b
		}
		return hits[i].id < hits[j].id
	})
	pg := pageOf(len(hits), int(page), int(limit))
	fields := parseFields(c.p)
	results := make([]any, 0, pg.hi-pg.lo)
	for _, n := range hits[pg.lo:pg.hi] {
		data := s.nodeData(n, fields)
		data["regions"] = s.searchRegions(n)
		version := 1
		if v := n.latest(); v != nil {
			version = v.number
		}
		results = append(results, map[string]any{
			"data": data,
			"search_result_metadata": map[string]any{
				"object_id":       fmt.Sprintf("DataId=%d&Version=%d", n.id, version),
				"current_version": true,
			},
		})
	}
	coll := pg.collection("relevance")
	rangeMin, rangeMax := pg.itemRange()
	coll["paging"].(map[string]any)["result_header_string"] = fmt.Sprintf("Results %d to %d of %d sorted by Relevance", rangeMin, rangeMax, pg.total)
	h := fnv.New32a()
	h.Write([]byte(lookfor + "\x00" + within + "\x00" + where))
	coll["searching"] = map[string]any{"cache_id": int64(h.Sum32()), "result_title": "Search Result"}
	coll["sorting"] = map[string]any{"links": map[string]any{}}
	env := c.v2Envelope(results)
	env["collection"] = coll
	c.json(http.StatusOK, env)
}

// searchRegions renders the regions a search result carries. Callers hold
// s.mu.
func (s *Server) searchRegions(n *node) map[string]any {
	path := s.locationPath(n)
	ids := make([]string, len(path))
	for i, id := range path {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return map[string]any{
		"OTName":     n.name,
		"OTSubType":  strconv.Itoa(n.typ),
		"OTLocation": strings.Join(ids, " "),
		"OTParentID": strconv.FormatInt(n.parentID, 10),
	}
}
