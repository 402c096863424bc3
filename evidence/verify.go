package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Difference is one way the systems disagree with a pack now.
type Difference struct {
	Field  string `json:"field"` // e.g. "fixity.now", "record.version"
	Pack   string `json:"pack"`  // what the pack says
	Now    string `json:"now"`   // what the systems say now
	Reason string `json:"reason"`
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: %s (pack: %s; now: %s)", d.Field, d.Reason, d.Pack, d.Now)
}

// Report is the outcome of Verify: the fresh pack (nil when the record is
// gone) and every difference; none means the pack still holds.
type Report struct {
	Fresh       *Pack        `json:"fresh,omitempty"`
	Differences []Difference `json:"differences"`
}

// OK says the pack still holds.
func (r *Report) OK() bool { return len(r.Differences) == 0 }

// Read parses a pack; anything else is KindBadPack.
func Read(r io.Reader) (*Pack, error) {
	var p Pack
	dec := json.NewDecoder(r)
	if err := dec.Decode(&p); err != nil {
		return nil, fail(KindBadPack, "not an evidence pack: %v", err)
	}
	if p.Format != Format {
		return nil, fail(KindBadPack, "not an evidence pack of format %s (format %q)", Format, p.Format)
	}
	if p.Source.PageID == "" || p.Source.Version == 0 {
		return nil, fail(KindBadPack, "the pack names no page version")
	}
	return &p, nil
}

// Verify builds the pack of the same page version again and compares: the
// pack's own digest, the record (node, version, size), the checksum now
// against the pack's and against the one recorded at upload, the approval,
// the category values, the RM classification and holds. A record that is
// gone is a difference, not an error; a backend that does not answer is
// an error (KindBackendUnavailable), since nothing can be concluded.
func Verify(ctx context.Context, src Sources, pack *Pack) (*Report, error) {
	rep := &Report{Differences: []Difference{}}
	diff := func(field, was, now, reason string) {
		rep.Differences = append(rep.Differences, Difference{Field: field, Pack: was, Now: now, Reason: reason})
	}
	if d := Digest(pack); pack.Digest != d {
		diff("digest", pack.Digest, d, "the pack was changed after it was written: its digest does not match its content")
	}
	fresh, err := Build(ctx, src, pack.Source.PageID, pack.Source.Version)
	var e *Error
	if errors.As(err, &e) && e.Kind != KindBackendUnavailable {
		diff("record", fmt.Sprintf("node %d version %d", pack.Record.NodeID, pack.Record.Version), string(e.Kind), "missing record: "+e.Msg)
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	rep.Fresh = fresh
	was, now := pack, fresh
	cmp := func(field string, a, b any, reason string) {
		if !reflect.DeepEqual(a, b) {
			diff(field, show(a), show(b), reason)
		}
	}
	cmp("record.nodeId", was.Record.NodeID, now.Record.NodeID, "the page's record is another OTCS node now")
	cmp("record.version", was.Record.Version, now.Record.Version, "another OTCS version holds this page version now")
	if was.Fixity.Now != now.Fixity.Now || was.Fixity.NowSize != now.Fixity.NowSize {
		diff("fixity.now", fmt.Sprintf("%s (%d bytes)", was.Fixity.Now, was.Fixity.NowSize), fmt.Sprintf("%s (%d bytes)", now.Fixity.Now, now.Fixity.NowSize),
			fmt.Sprintf("checksum: OTCS node %d version %d no longer holds the bytes the pack hashed", now.Record.NodeID, now.Record.Version))
	}
	if now.Fixity.Recorded != "" && !now.Fixity.Match {
		diff("fixity.recorded", now.Fixity.Recorded, now.Fixity.Now,
			fmt.Sprintf("checksum: the stored bytes do not match the SHA-256 the bridge recorded at upload (%s)", now.Fixity.RecordedFrom))
	}
	cmp("record.size", was.Record.Size, now.Record.Size, "the size OTCS reports for the version changed")
	cmp("record.fileName", was.Record.FileName, now.Record.FileName, "the version's file name changed")
	cmp("approval.by", was.Approval.By, now.Approval.By, "approval: the recorded approver of this version changed")
	cmp("approval.at", was.Approval.At.UTC().Format(time.RFC3339Nano), now.Approval.At.UTC().Format(time.RFC3339Nano), "approval: the recorded approval time changed")
	cmp("approval.meaning", was.Approval.Meaning, now.Approval.Meaning, "approval: the recorded meaning changed")
	cmp("approval.source", was.Approval.Source, now.Approval.Source, "approval: the recorded signal changed")
	cmp("source.title", was.Source.Title, now.Source.Title, "the title of the page version changed")
	cmp("source.versionAuthor", was.Source.VersionAuthor, now.Source.VersionAuthor, "the author of the page version changed")
	compareCategories(was, now, diff)
	cmp("record.rm", rmNames(was), rmNames(now), "the RM classification changed")
	cmp("record.holds", holdNames(was), holdNames(now), "the holds on the record changed")
	return rep, nil
}

func compareCategories(was, now *Pack, diff func(field, was, now, reason string)) {
	values := func(p *Pack) map[string]string {
		out := map[string]string{}
		for _, c := range p.Record.Categories {
			for k, v := range c.Values {
				out[c.Name+"."+k] = show(v)
			}
		}
		return out
	}
	a, b := values(was), values(now)
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if a[k] != b[k] {
			diff("record.categories."+k, a[k], b[k], "a category value changed")
		}
	}
}

func rmNames(p *Pack) []string {
	out := []string{}
	for _, c := range p.Record.RM {
		out = append(out, fmt.Sprintf("%d %s official=%t finalized=%t status=%s", c.ClassID, c.Name, c.Official, c.Finalized, c.Status))
	}
	slices.Sort(out)
	return out
}

func holdNames(p *Pack) []string {
	out := []string{}
	for _, h := range p.Record.Holds {
		if h.Active {
			out = append(out, fmt.Sprintf("%d %s", h.ID, h.Name))
		}
	}
	slices.Sort(out)
	return out
}

// show is a value as a difference prints it; JSON numbers read back as
// float64 print the same as the int64 they were.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case string:
		if x == "" {
			return `""`
		}
		return x
	case []string:
		return "[" + strings.Join(x, "; ") + "]"
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
	}
	return fmt.Sprint(v)
}
