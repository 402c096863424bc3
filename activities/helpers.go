package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"

	"github.com/xecm-bridge/xecm-bridge/clients/confluence"
	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// Small helpers shared by the activities of several structs.

// Heartbeat records progress only inside an activity: the starter's dry
// run and the tests call the same code directly, without one.
func Heartbeat(ctx context.Context, details any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details)
	}
}

// FirstNonBlank picks the first name or text that says something, since
// the backends report missing values as blanks as often as empty strings.
func FirstNonBlank(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// PageProperty is the page's property (nil when it has none): from the
// collection GetPage included, else read on its own.
func PageProperty(ctx context.Context, c *confluence.Client, page *confluence.Page, key string) (*confluence.Property, error) {
	if prop, included := IncludedProperty(page, key); included {
		return prop, nil
	}
	prop, err := c.GetProperty(ctx, page.ID, key)
	if rest.IsKind(err, rest.KindNotFound) {
		return nil, nil
	}
	return prop, err
}

// AppendNew appends s unless it is there already (case-insensitively).
func AppendNew(list []string, s string) []string {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return list
		}
	}
	return append(list, s)
}

// HasLabel reports whether labels holds name.
func HasLabel(labels []string, name string) bool {
	for _, l := range labels {
		if l == name {
			return true
		}
	}
	return false
}

// MissingLabels are the labels of want that have lacks, in want's order.
func MissingLabels(have, want []string) []string {
	var out []string
	for _, w := range want {
		if !HasLabel(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// ContainsID reports whether ids holds id.
func ContainsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Slug makes a label-safe form of a name: lower case, letters and digits,
// dashes between words.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// IncludedProperty returns a property from the collection GetPage
// included (nil when the page does not have it); included is false when
// the collection was not included whole, and the property must be read.
func IncludedProperty(page *confluence.Page, key string) (prop *confluence.Property, included bool) {
	if !page.PropertiesIncluded {
		return nil, false
	}
	for i := range page.Properties {
		if page.Properties[i].Key == key {
			return &page.Properties[i], true
		}
	}
	return nil, true
}

type noRetriesKey struct{}

// WithoutRetries marks calls made outside Temporal that are never retried
// (the benchmark's plain-Go baseline): each is a first attempt.
func WithoutRetries(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetriesKey{}, true)
}

// FirstAttempt reports whether no earlier attempt of this call can have
// run: the activity's first attempt, or a call marked WithoutRetries. A
// direct call without either (the starter, tests) is not one, so it
// always looks for what an earlier attempt left.
func FirstAttempt(ctx context.Context) bool {
	if activity.IsActivity(ctx) {
		return activity.GetInfo(ctx).Attempt == 1
	}
	return ctx.Value(noRetriesKey{}) != nil
}
