// Package mapping holds the business rules of the bridge: per Confluence
// space, what counts as approved, where records go in OpenText, which
// category attributes get which values, and the RM classification. The rules
// live in one YAML file that is validated at start-up; every error names the
// file, the line and the rule that is wrong.
package mapping

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Rules is a validated mapping file.
type Rules struct {
	File   string           // path it was read from (for messages)
	Root   int64            // OTCS node id under which folder paths are resolved
	Spaces map[string]Space // by Confluence space key
	// Documents is the OpenText → Confluence direction; nil when the
	// mapping has no documents: section.
	Documents *Documents
	// Templates is flow F4; nil when the mapping has no templates: section.
	Templates *Templates
	// Access maps read access between the systems; nil when the mapping
	// has no access: section (then every restricted source is refused).
	Access *Access
	// RecordLife is how holds and disposal reach the source pages; nil
	// when the mapping has no record_life: section (RecordLifeOf gives
	// the defaults).
	RecordLife *RecordLife
}

// Space is the rule set for one Confluence space.
type Space struct {
	Key      string
	Line     int
	Approval Approval
	Target                // where approved pages are published (flow F1)
	Records  []RecordRule // which pages are filed as records (flow F3), first match wins
	Review   *Review      // the document lifecycle (flow F7); nil: the space has none
	Closure  Closure      // record sets at project closure (starter close)
}

// Target says where and how a page becomes an OTCS record.
type Target struct {
	Rule           string    // "publish" or "record:<type>", names the rule in messages and payloads
	PublishedLabel string    // label the bridge sets on the page afterwards
	Folder         []string  // path segments under Rules.Root; may hold {space}, {year}, {month}, {day}
	Name           string    // record name template; default "{title}"
	Category       Category  // OTCS category to apply
	RM             *RMPolicy // nil: no RM classification
	Rendition      string    // RenditionMHTML (default) or RenditionPDF
	Restricted     string    // RestrictedMirror (default) or RestrictedRefuse: what a read-restricted page gets
}

// Rendition kinds: the file a record is filed as.
const (
	// RenditionMHTML is one self-contained MHTML file (page and attachments).
	RenditionMHTML = "mhtml"
	// RenditionPDF is an archival PDF/A file rendered by headless Chromium
	// and Ghostscript, attachments embedded (PDF/A-3) up to a size and
	// filed beside it above that.
	RenditionPDF = "pdf"
)

// NeedsPDF lists the rules that file records as PDF (a worker that
// uploads renditions then needs Chromium and Ghostscript).
func (r *Rules) NeedsPDF() []string {
	var rules []string
	for _, key := range r.SpaceKeys() {
		s := r.Spaces[key]
		if s.Target.Rendition == RenditionPDF {
			rules = append(rules, "spaces."+key)
		}
		for _, rr := range s.Records {
			if rr.Rendition == RenditionPDF {
				rules = append(rules, "spaces."+key+".records["+rr.Type+"]")
			}
		}
	}
	return rules
}

// RecordRule recognises pages that are records by nature (meeting notes,
// decision logs, action summaries) and says how they are filed.
type RecordRule struct {
	Type   string         // record type, e.g. "Meeting Notes"
	Line   int            // where the rule starts in the file
	Labels []string       // a page with any of these labels matches
	Title  *regexp.Regexp // or a page whose title matches
	Target
}

// RulePublish is the Target.Rule of a space's publish rule.
const RulePublish = "publish"

// Matches reports whether a page with this title and these labels is a
// record of this type.
func (r *RecordRule) Matches(title string, labels []string) bool {
	for _, want := range r.Labels {
		for _, l := range labels {
			if l == want {
				return true
			}
		}
	}
	return r.Title != nil && r.Title.MatchString(title)
}

// RecordRuleFor returns the first record rule the page matches, or nil.
func (s *Space) RecordRuleFor(title string, labels []string) *RecordRule {
	for i := range s.Records {
		if s.Records[i].Matches(title, labels) {
			return &s.Records[i]
		}
	}
	return nil
}

// Target returns the space's target with the given rule name.
func (s *Space) TargetFor(rule string) (*Target, error) {
	if rule == "" || rule == RulePublish {
		return &s.Target, nil
	}
	if rule == RuleReview && s.Review != nil {
		return &s.Review.Target, nil
	}
	for i := range s.Records {
		if s.Records[i].Rule == rule {
			return &s.Records[i].Target, nil
		}
	}
	return nil, fmt.Errorf("space %s has no rule %q", s.Key, rule)
}

// Approval says which signal marks a page version as approved, and what
// happens when an approved page is edited.
type Approval struct {
	Label string // a page label, e.g. "approved"; who added it comes from the event or the operator
	// State is a Confluence Cloud content state (e.g. "Approved"): setting it
	// makes a page version authored by the approver, which is the approved one.
	State string
	// OnEdit is what an edit after approval does: OnEditReset (default)
	// removes the label (or state) and asks for a new approval on the page;
	// OnEditKeep leaves the page as it is. Either way the edit is not
	// published as approved.
	OnEdit string
	// RequireKnownApprover refuses to publish a labelled page whose approver
	// the bridge cannot know (no approval record), instead of recording
	// "unknown (label present)".
	RequireKnownApprover bool
	Meaning              string // recorded with every approval
	// Approvers is the Confluence group whose members may approve ("":
	// anyone who may set the signal); a known approver outside it is
	// refused (NotAnApprover).
	Approvers string
	// AllowSelfApproval lets the author of a version approve it. Off by
	// default: an approval is someone else's decision (SelfApproval).
	AllowSelfApproval bool
}

// What an edit after approval does.
const (
	OnEditReset = "reset"
	OnEditKeep  = "keep"
)

// DefaultApprovalMeaning is the meaning recorded when the mapping names none.
const DefaultApprovalMeaning = "Approved for publication as a controlled record"

// Category is the OTCS category and how each attribute gets its value.
type Category struct {
	ID         int64
	Attributes []Attribute // in file order
}

// Attribute maps one category attribute (by its display name) to a source.
type Attribute struct {
	Name     string // category attribute name as OTCS shows it, e.g. "Department"
	Line     int
	Source   Source
	Default  string // used when the source yields nothing
	Required bool   // no value and no default → the publish stops with MissingMetadata
}

// SourceKind is where an attribute value comes from.
type SourceKind string

// The sources an attribute value can come from.
const (
	FromValue       SourceKind = "value"           // a constant
	FromSpace       SourceKind = "space"           // space key
	FromSpaceName   SourceKind = "space.name"      // space name
	FromTitle       SourceKind = "title"           // page title
	FromOwner       SourceKind = "owner"           // page owner account id
	FromAuthor      SourceKind = "author"          // author of the published version
	FromPageID      SourceKind = "page.id"         // the source identity; exactly one attribute must use it
	FromPageVersion SourceKind = "page.version"    // Confluence version number
	FromPageURL     SourceKind = "page.url"        // link back to the page
	FromApprovedBy  SourceKind = "approval.by"     // who approved
	FromApprovedAt  SourceKind = "approval.at"     // when (date)
	FromApproval    SourceKind = "approval.status" // "Approved"
	FromChecksum    SourceKind = "checksum"        // SHA-256 of the stored rendition
	FromLabel       SourceKind = "label"           // the rest of the first label with Prefix
	FromProperty    SourceKind = "property"        // a content property (Key, optional Field)
)

var fromKinds = []SourceKind{FromSpace, FromSpaceName, FromTitle, FromOwner, FromAuthor, FromPageID,
	FromPageVersion, FromPageURL, FromApprovedBy, FromApprovedAt, FromApproval, FromChecksum}

// Source is one attribute's value source.
type Source struct {
	Kind   SourceKind
	Value  string // FromValue
	Prefix string // FromLabel
	Key    string // FromProperty
	Field  string // FromProperty: field within an object value
}

// RMPolicy is the records-management classification applied to a record.
type RMPolicy struct {
	ClassID  int64
	Official bool
	Status   string
}

// ForSpace returns the rules for a space, or a *NoMappingError.
func (r *Rules) ForSpace(key string) (*Space, error) {
	s, ok := r.Spaces[key]
	if !ok {
		return nil, &NoMappingError{Space: key, Known: r.SpaceKeys()}
	}
	return &s, nil
}

// SpaceKeys lists the mapped spaces in order.
func (r *Rules) SpaceKeys() []string {
	keys := make([]string, 0, len(r.Spaces))
	for k := range r.Spaces {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// PropertyKeys lists the content properties the target's rules read.
func (s *Target) PropertyKeys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, a := range s.Category.Attributes {
		if a.Source.Kind == FromProperty && !seen[a.Source.Key] {
			seen[a.Source.Key] = true
			keys = append(keys, a.Source.Key)
		}
	}
	return keys
}

// IdentityAttribute is the attribute that holds the source page id.
func (s *Target) IdentityAttribute() string {
	for _, a := range s.Category.Attributes {
		if a.Source.Kind == FromPageID {
			return a.Name
		}
	}
	return ""
}

// NoMappingError says a space has no rules.
type NoMappingError struct {
	Space string
	Known []string
}

func (e *NoMappingError) Error() string {
	return fmt.Sprintf("space %q has no mapping (mapped spaces: %s); add it under spaces: in the mapping file", e.Space, strings.Join(e.Known, ", "))
}
