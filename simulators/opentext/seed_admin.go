package opentext

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxSeedDocuments bounds one POST /__sim/seed.
const MaxSeedDocuments = 10000

// SeedDocumentsOptions describes a batch of generated PDFs (see SeedDocuments).
type SeedDocumentsOptions struct {
	Parent    int64  // container the documents go into
	Documents int    // how many, 1..MaxSeedDocuments
	Prefix    string // name prefix (default "Seeded document"); names are "<prefix> 0001.pdf", ...
	// Minor makes the first version a minor one (0.1 under advanced
	// versioning: nothing approved yet); by default it is major (1.0).
	Minor    bool
	Category int64             // category applied to every document (0: none)
	Values   map[string]string // its values, by attribute display name
}

// SeededDocument is one document SeedDocuments made.
type SeededDocument struct {
	ID          int64     `json:"id"`
	ParentID    int64     `json:"parent_id"`
	Name        string    `json:"name"`
	Version     int       `json:"version_number"`
	VersionName string    `json:"version_number_name"`
	SHA256      string    `json:"sha256"`
	ModifyDate  time.Time `json:"modify_date"`
}

// SeedDocuments files opt.Documents one-page PDFs in one step, each with
// one version and the category values, as a user filing them one by one
// would. Their modify dates are one second apart and end a second before
// now, newest last, so a browse sorted by modify_date has one order and
// any later change sorts first. A name already taken in the parent
// refuses the whole batch.
func (s *Server) SeedDocuments(opt SeedDocumentsOptions) ([]SeededDocument, error) {
	if opt.Documents < 1 || opt.Documents > MaxSeedDocuments {
		return nil, simErr("documents must be between 1 and %d", MaxSeedDocuments)
	}
	if opt.Prefix == "" {
		opt.Prefix = "Seeded document"
	}
	width := max(4, len(strconv.Itoa(opt.Documents)))
	names := make([]string, opt.Documents)
	for i := range names {
		name, err := s.apiName(fmt.Sprintf("%s %0*d.pdf", opt.Prefix, width, i+1))
		if err != nil {
			return nil, err
		}
		names[i] = name
	}
	now := s.now()
	first := now.Add(-time.Duration(opt.Documents) * time.Second)
	versions := make([]*version, len(names))
	for i, name := range names {
		at := first.Add(time.Duration(i) * time.Second)
		v, err := s.blobVersion(name, "application/pdf", demoPDF(strings.TrimSuffix(name, ".pdf")+", version 1"), !opt.Minor, at, AdminUserID)
		if err != nil {
			return nil, err
		}
		v.description = "Seeded"
		versions[i] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	parent, values, msg := s.seedTarget(opt, names)
	if msg != "" {
		return nil, simErr("%s", msg)
	}
	out := make([]SeededDocument, 0, len(names))
	for i, name := range names {
		v := versions[i]
		n := &node{id: s.allocID(), parentID: parent.id, name: name, typ: typeDocument, created: v.created, modified: v.created,
			createUser: AdminUserID, cats: map[int64]*appliedCat{}, advanced: parent.advanced}
		n.appendVersion(v)
		if values != nil {
			vals := make(map[string]any, len(values))
			for k, val := range values {
				vals[k] = val
			}
			n.cats[opt.Category] = &appliedCat{values: vals, token: newToken(16)}
			n.catOrder = []int64{opt.Category}
		}
		s.addNode(n)
		_, _, label := versionLabel(n, v)
		out = append(out, SeededDocument{ID: n.id, ParentID: n.parentID, Name: n.name, Version: v.number, VersionName: label, SHA256: v.sha256, ModifyDate: n.modified})
	}
	return out, nil
}

// seedTarget checks the parent, the names and the category values of a
// seed batch; it returns the parent, the validated values (nil without a
// category) or why not. Callers hold s.mu.
func (s *Server) seedTarget(opt SeedDocumentsOptions, names []string) (*node, map[string]any, string) {
	for _, name := range names {
		if _, msg := s.newChildParent(opt.Parent, name); msg != "" {
			return nil, nil, msg
		}
	}
	parent := s.nodes[opt.Parent]
	if opt.Category == 0 {
		return parent, nil, ""
	}
	dn := s.nodes[opt.Category]
	if dn == nil || dn.catDef == nil {
		return nil, nil, fmt.Sprintf("Could not get a category for %d", opt.Category)
	}
	in := map[string]any{}
	for name, val := range opt.Values {
		key := ""
		for _, a := range dn.catDef.attrs {
			if strings.EqualFold(a.name, name) {
				key = a.key
			}
		}
		if key == "" {
			return nil, nil, fmt.Sprintf("category '%s' (%d) has no attribute '%s'", dn.catDef.name, dn.catDef.id, name)
		}
		in[key] = val
	}
	vals, msg := validateValues(dn.catDef, in, nil, false)
	return parent, vals, msg
}

// adminSeed is POST /__sim/seed?parent=ID&documents=N&prefix=P
// [&minor=true][&category=ID&values=Attr:Value,Attr:Value]: N new PDFs,
// answered with {"documents":[...]} (id, name, version, sha256,
// modify_date); 409 when a name is taken in the parent.
func (s *Server) adminSeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	usage := "need ?parent=<id>&documents=<n>[&prefix=<name prefix>][&minor=true][&category=<id>&values=Attr:Value,...]"
	n, err1 := strconv.Atoi(q.Get("documents"))
	parent, err2 := strconv.ParseInt(q.Get("parent"), 10, 64)
	if err1 != nil || err2 != nil {
		http.Error(w, usage, http.StatusBadRequest)
		return
	}
	opt := SeedDocumentsOptions{Parent: parent, Documents: n, Prefix: q.Get("prefix"), Minor: q.Get("minor") == "true"}
	if c := q.Get("category"); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			http.Error(w, usage, http.StatusBadRequest)
			return
		}
		opt.Category, opt.Values = id, map[string]string{}
		for _, pair := range strings.Split(q.Get("values"), ",") {
			if k, v, ok := strings.Cut(pair, ":"); ok {
				opt.Values[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	docs, err := s.SeedDocuments(opt)
	if err != nil {
		status := http.StatusBadRequest
		if strings.Contains(err.Error(), "already exists") {
			status = http.StatusConflict
		}
		http.Error(w, err.Error(), status)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"documents": docs}, false)
}
