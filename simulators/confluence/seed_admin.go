package confluence

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// MaxSeedPages bounds one POST /__sim/seed.
const MaxSeedPages = 10000

// SeedOptions describes a batch of generated pages (see SeedPages).
type SeedOptions struct {
	Space  string   // space key; created when it does not exist
	Pages  int      // how many pages, 1..MaxSeedPages
	Labels []string // global labels on every page (e.g. approved, dept-chaos)
	Prefix string   // title prefix (default "Seeded page"); titles are "<prefix> 0001", ...
	Author string   // author account id (default 557058:alice)
	Body   string   // storage body (default a short paragraph naming the title)
}

// SeedPages creates opt.Pages pages at version 1 in one step, as
// CreatePage would one by one (page_created fires for each). A title that
// is already taken by a current page of the space refuses the whole batch.
func (s *Server) SeedPages(opt SeedOptions) ([]Page, error) {
	if opt.Space == "" {
		return nil, fmt.Errorf("space is required")
	}
	if opt.Pages < 1 || opt.Pages > MaxSeedPages {
		return nil, fmt.Errorf("pages must be between 1 and %d", MaxSeedPages)
	}
	if opt.Prefix == "" {
		opt.Prefix = "Seeded page"
	}
	if opt.Author == "" {
		opt.Author = "557058:alice"
	}
	for _, l := range opt.Labels {
		if _, err := validLabel(l); err != nil {
			return nil, err
		}
	}
	width := max(4, len(strconv.Itoa(opt.Pages)))
	titles := make([]string, opt.Pages)
	for i := range titles {
		titles[i] = fmt.Sprintf("%s %0*d", opt.Prefix, width, i+1)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp := s.spaceByKey(opt.Space); sp != nil {
		taken := map[string]bool{}
		for _, p := range s.pages {
			if p.spaceID == sp.id && p.status == "current" {
				taken[p.current().title] = true
			}
		}
		for _, t := range titles {
			if taken[t] {
				return nil, fmt.Errorf("a page titled %q already exists in space %s", t, opt.Space)
			}
		}
	}
	out := make([]Page, 0, opt.Pages)
	for _, title := range titles {
		body := opt.Body
		if body == "" {
			body = "<p>" + title + ": a generated page.</p>"
		}
		p := s.createPage("", opt.Space, "", title, body, opt.Author, s.now())
		for _, l := range opt.Labels {
			_, _ = s.addLabel(p, l, "global")
		}
		s.emitPageEvent("page_created", opt.Author, p, nil)
		out = append(out, s.pageSnapshot(p))
	}
	return out, nil
}

// adminSeed is POST /__sim/seed?space=POL&pages=N&labels=a,b&prefix=Chaos
// [&author=ID]: N new pages, answered with {"pages":[...]} (each a Page
// snapshot with id, title, version, labels).
func (s *Server) adminSeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("pages"))
	if err != nil {
		http.Error(w, "need ?space=<key>&pages=<n>[&labels=a,b][&prefix=<title prefix>][&author=<account id>]", http.StatusBadRequest)
		return
	}
	var labels []string
	for _, l := range strings.Split(q.Get("labels"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			labels = append(labels, l)
		}
	}
	pages, err := s.SeedPages(SeedOptions{Space: q.Get("space"), Pages: n, Labels: labels, Prefix: q.Get("prefix"), Author: q.Get("author")})
	if err != nil {
		status := http.StatusBadRequest
		if strings.Contains(err.Error(), "already exists") {
			status = http.StatusConflict
		}
		http.Error(w, err.Error(), status)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"pages": pages})
}
