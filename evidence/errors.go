package evidence

import (
	"errors"
	"fmt"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// Kind says why no pack (or no check) could be made. The values are
// printed and may be matched by scripts, so they never change.
type Kind string

// The kinds of Error.
const (
	// KindUnknownPage: Confluence has no such page (or the bridge's
	// account cannot see it).
	KindUnknownPage Kind = "UnknownPage"
	// KindUnknownVersion: the page has no such version.
	KindUnknownVersion Kind = "UnknownVersion"
	// KindNoRecord: the page carries no record link; it was never
	// published or filed.
	KindNoRecord Kind = "NoRecord"
	// KindNoRecordForVersion: the page has a record, but no OTCS version
	// of it holds this page version.
	KindNoRecordForVersion Kind = "NoRecordForVersion"
	// KindRecordMissing: the page's record link names an OTCS node that
	// OTCS does not have (deleted, or not visible to the bridge).
	KindRecordMissing Kind = "RecordMissing"
	// KindBackendUnavailable: Confluence or OTCS did not answer (or
	// answered 5xx, 429, 401/403); nothing is concluded about the record.
	KindBackendUnavailable Kind = "BackendUnavailable"
	// KindBadPack: the file given to Verify is not an evidence pack.
	KindBadPack Kind = "BadPack"
)

// Error is a typed failure to build or check a pack. Its message names
// the page, the node or the system; no stack trace.
type Error struct {
	Kind   Kind
	System string // "Confluence", "OTCS" or "" when not a backend's fault
	Msg    string
	Err    error // the cause, when there is one
}

func (e *Error) Error() string {
	if e.Err != nil && e.Kind == KindBackendUnavailable {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// IsKind reports whether err is an *Error of that kind.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

func fail(k Kind, format string, a ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, a...)}
}

// backend turns a client error into an Error: what was being read, on
// which system. A not-found is the caller's to interpret first.
func backend(system, what string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: KindBackendUnavailable, System: system, Msg: system + ": " + what, Err: err}
}

func notFound(err error) bool { return rest.IsKind(err, rest.KindNotFound) }
