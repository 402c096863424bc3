package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// PageFacts is what the rules can read about one page version.
type PageFacts struct {
	PageID     string
	Title      string
	SpaceKey   string
	SpaceName  string
	OwnerID    string
	AuthorID   string
	URL        string
	Version    int
	VersionAt  time.Time
	Labels     []string
	Properties map[string]json.RawMessage
	ApprovedBy string
	ApprovedAt time.Time
	Checksum   string // empty until the rendition is stored
	// ApprovalStatus is what {from: approval.status} gives; empty means
	// "Approved" (a published page is approved by definition; a draft in
	// review is not).
	ApprovalStatus string
}

// MissingMetadataError says a required attribute has no value.
type MissingMetadataError struct {
	Attribute string
	Source    string
	Line      int
}

func (e *MissingMetadataError) Error() string {
	return fmt.Sprintf("category attribute %q is required but %s gave no value and the rule (line %d) has no default", e.Attribute, e.Source, e.Line)
}

// Values resolves every attribute to its text value, by attribute name.
// Attributes without a value are left out; a required one is an error.
func (s *Target) Values(f PageFacts) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range s.Category.Attributes {
		v, err := a.Source.resolve(f)
		if err != nil {
			return nil, fmt.Errorf("category attribute %q: %w", a.Name, err)
		}
		if v == "" {
			v = a.Default
		}
		if v == "" {
			if a.Required {
				return nil, &MissingMetadataError{Attribute: a.Name, Source: a.Source.describe(), Line: a.Line}
			}
			continue
		}
		out[a.Name] = v
	}
	return out, nil
}

func (src Source) describe() string {
	switch src.Kind {
	case FromLabel:
		return fmt.Sprintf("no label with prefix %q", src.Prefix)
	case FromProperty:
		return fmt.Sprintf("content property %q", src.Key)
	}
	return string(src.Kind)
}

func (src Source) resolve(f PageFacts) (string, error) {
	switch src.Kind {
	case FromValue:
		return src.Value, nil
	case FromSpace:
		return f.SpaceKey, nil
	case FromSpaceName:
		return f.SpaceName, nil
	case FromTitle:
		return f.Title, nil
	case FromOwner:
		return f.OwnerID, nil
	case FromAuthor:
		return f.AuthorID, nil
	case FromPageID:
		return f.PageID, nil
	case FromPageVersion:
		return strconv.Itoa(f.Version), nil
	case FromPageURL:
		return f.URL, nil
	case FromApprovedBy:
		return f.ApprovedBy, nil
	case FromApprovedAt:
		if f.ApprovedAt.IsZero() {
			return "", nil
		}
		return f.ApprovedAt.UTC().Format("2006-01-02"), nil
	case FromApproval:
		if f.ApprovalStatus != "" {
			return f.ApprovalStatus, nil
		}
		return "Approved", nil
	case FromChecksum:
		return f.Checksum, nil
	case FromLabel:
		labels := append([]string(nil), f.Labels...)
		sort.Strings(labels) // deterministic when several labels match
		for _, l := range labels {
			if rest, ok := strings.CutPrefix(l, src.Prefix); ok && rest != "" {
				return rest, nil
			}
		}
		return "", nil
	case FromProperty:
		raw, ok := f.Properties[src.Key]
		if !ok {
			return "", nil
		}
		return propertyText(raw, src.Field)
	}
	return "", fmt.Errorf("unknown source %q", src.Kind)
}

func propertyText(raw json.RawMessage, field string) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("content property is not JSON: %v", err)
	}
	if field != "" {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("content property is not an object, so it has no field %q", field)
		}
		v = obj[field]
	}
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case float64, bool:
		return fmt.Sprint(t), nil
	default:
		return "", fmt.Errorf("content property value is a %T, not text", v)
	}
}

// FolderPath returns the target folder segments with {space}, {year},
// {month} and {day} replaced (dates from the version date).
func (s *Target) FolderPath(f PageFacts) []string {
	out := make([]string, len(s.Folder))
	for i, seg := range s.Folder {
		seg = strings.ReplaceAll(seg, "{space}", f.SpaceKey)
		seg = strings.ReplaceAll(seg, "{year}", f.VersionAt.UTC().Format("2006"))
		seg = strings.ReplaceAll(seg, "{month}", f.VersionAt.UTC().Format("01"))
		seg = strings.ReplaceAll(seg, "{day}", f.VersionAt.UTC().Format("02"))
		out[i] = LegalName(seg)
	}
	return out
}

// RecordName returns the legal OTCS name of the page's record.
func (s *Target) RecordName(f PageFacts) string {
	n := strings.ReplaceAll(s.Name, "{title}", f.Title)
	n = strings.ReplaceAll(n, "{page.id}", f.PageID)
	n = strings.ReplaceAll(n, "{space}", f.SpaceKey)
	return LegalName(n)
}

// MaxNameLength is the longest item name OTCS accepts.
const MaxNameLength = 248

// LegalName turns any text into a legal OTCS item name, deterministically:
// ':' (which OTCS refuses) becomes '-', control characters and surrounding
// spaces go, and a name over 248 characters is cut and given a short hash of
// the full name, so two long titles that share a prefix stay distinct.
func LegalName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == ':':
			b.WriteRune('-')
		case r < 0x20 || r == 0x7f:
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	n := strings.Join(strings.Fields(b.String()), " ")
	if n == "" {
		n = "Untitled"
	}
	if utf8.RuneCountInString(n) <= MaxNameLength {
		return n
	}
	sum := sha256.Sum256([]byte(name))
	suffix := " ~" + hex.EncodeToString(sum[:4])
	runes := []rune(n)
	return strings.TrimSpace(string(runes[:MaxNameLength-utf8.RuneCountInString(suffix)])) + suffix
}

// AttributeTypeError says a value does not fit the attribute's OTCS type.
type AttributeTypeError struct {
	Attribute string
	Type      string
	Value     string
}

func (e *AttributeTypeError) Error() string {
	return fmt.Sprintf("category attribute %q has type %s but the mapped value %q is not a valid %s", e.Attribute, e.Type, e.Value, e.Type)
}

// Typed converts a text value to the JSON value OTCS expects for an
// attribute of the given type (String, Integer, Date, Boolean, User).
func Typed(attribute, otcsType, value string) (any, error) {
	switch strings.ToLower(otcsType) {
	case "integer", "user":
		n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		if err != nil {
			return nil, &AttributeTypeError{Attribute: attribute, Type: otcsType, Value: value}
		}
		return n, nil
	case "boolean":
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return nil, &AttributeTypeError{Attribute: attribute, Type: otcsType, Value: value}
		}
		return b, nil
	case "date":
		for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, strings.TrimSpace(value)); err == nil {
				return t.UTC().Format("2006-01-02T15:04:05"), nil
			}
		}
		return nil, &AttributeTypeError{Attribute: attribute, Type: otcsType, Value: value}
	default:
		return value, nil
	}
}
