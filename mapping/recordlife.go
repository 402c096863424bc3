package mapping

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// RecordLife says how a record's life in OTCS reaches its source page:
// who may still edit a page whose record is on hold, and what happens to
// the page when OTCS disposes of its record.
type RecordLife struct {
	Line int
	// RecordsGroup is the Confluence group that, with the bridge's own
	// account, may edit a source whose record is on hold, and the only
	// group that may read an archived source.
	RecordsGroup     string
	RecordsGroupLine int
	// OnDisposal is DisposalFlag (default), DisposalArchive or
	// DisposalTrash.
	OnDisposal string
	// ArchivePage is the Confluence page id disposed sources are moved
	// under (OnDisposal archive).
	ArchivePage string
	// AllowTrash must be true for OnDisposal trash.
	AllowTrash bool
}

// What happens to a source page when OTCS disposes of its record.
const (
	DisposalFlag    = "flag"    // status, label and a comment; nothing moved or removed
	DisposalArchive = "archive" // moved under the archive page, read-restricted to the records group
	DisposalTrash   = "trash"   // moved to the space's trash, only with allow_trash: true
)

// DefaultRecordsGroup is the records group when neither record_life nor
// access.keep names one.
const DefaultRecordsGroup = "records-admins"

// RecordLifeOf is the record_life section, or its defaults when the
// mapping has none: the records group is the first group access.keep
// keeps on the Confluence side, else DefaultRecordsGroup.
func (r *Rules) RecordLifeOf() RecordLife {
	if r.RecordLife != nil {
		return *r.RecordLife
	}
	return RecordLife{RecordsGroup: r.defaultRecordsGroup(), OnDisposal: DisposalFlag}
}

func (r *Rules) defaultRecordsGroup() string {
	if r.Access != nil && len(r.Access.Keep.Confluence) > 0 {
		return r.Access.Keep.Confluence[0]
	}
	return DefaultRecordsGroup
}

func (p *parser) recordLife(n *yaml.Node) *RecordLife {
	const rule = "record_life"
	rl := &RecordLife{Line: n.Line, OnDisposal: DisposalFlag}
	f := p.fields(n, rule, "records_group", "on_disposal", "archive_page", "allow_trash")
	if v, ok := f["records_group"]; ok {
		rl.RecordsGroup, rl.RecordsGroupLine = strings.TrimSpace(p.str(v, rule+".records_group")), v.Line
		if rl.RecordsGroup == "" {
			p.fail(v, rule+".records_group", "must name a Confluence group")
		}
	}
	if v, ok := f["on_disposal"]; ok {
		rl.OnDisposal = p.str(v, rule+".on_disposal")
		switch rl.OnDisposal {
		case DisposalFlag, DisposalArchive, DisposalTrash:
		default:
			p.fail(v, rule+".on_disposal", "must be %s, %s or %s, got %q", DisposalFlag, DisposalArchive, DisposalTrash, rl.OnDisposal)
		}
	}
	if v, ok := f["archive_page"]; ok {
		rl.ArchivePage = strings.TrimSpace(p.str(v, rule+".archive_page"))
	}
	if v, ok := f["allow_trash"]; ok {
		rl.AllowTrash = p.boolean(v, rule+".allow_trash")
	}
	switch {
	case rl.OnDisposal == DisposalArchive && rl.ArchivePage == "":
		p.fail(n, rule+".archive_page", "is required with on_disposal: archive: the id of the Confluence page disposed sources go under")
	case rl.OnDisposal == DisposalTrash && !rl.AllowTrash:
		p.fail(n, rule+".allow_trash", "must be true with on_disposal: trash: a disposed record's source is only trashed when the mapping says so twice")
	case rl.OnDisposal != DisposalArchive && rl.ArchivePage != "":
		p.fail(f["archive_page"], rule+".archive_page", "is only used with on_disposal: archive")
	}
	return rl
}
