package conversion

import "fmt"

// ErrorKind classifies a conversion failure, so callers can decide between
// retrying, asking the author to fix the file and alerting an operator.
// A kind is itself an error: errors.Is(err, ErrTimeout) matches any *Error
// of that kind.
type ErrorKind int

// Conversion failure kinds.
const (
	// ErrTooLarge: the input (or a DOCX's unpacked content) exceeds Limits;
	// nothing was run.
	ErrTooLarge ErrorKind = iota + 1
	// ErrConverterMissing: pandoc is not installed or cannot run.
	ErrConverterMissing
	// ErrTimeout: the conversion ran past Limits.Timeout.
	ErrTimeout
	// ErrConversionFailed: the converter rejected the input (corrupt,
	// password-protected or not really the claimed format).
	ErrConversionFailed
	// ErrOutputTooLarge: the converted body or extracted images exceed
	// Limits.MaxOutput.
	ErrOutputTooLarge
)

// String names the kind in messages and logs.
func (k ErrorKind) String() string {
	switch k {
	case ErrTooLarge:
		return "input too large"
	case ErrConverterMissing:
		return "converter missing"
	case ErrTimeout:
		return "timed out"
	case ErrConversionFailed:
		return "conversion failed"
	case ErrOutputTooLarge:
		return "output too large"
	}
	return fmt.Sprintf("error kind %d", int(k))
}

// Error makes a kind usable as an errors.Is target.
func (k ErrorKind) Error() string { return "conversion: " + k.String() }

// Error is the error Convert and Available return for every failure
// except cancellation of the caller's context.
type Error struct {
	Kind ErrorKind
	File string // the file name given to Convert
	Msg  string // what happened, for people (e.g. pandoc's own message)
	Err  error  // the underlying error, if any
}

// Error formats as `conversion of "x.docx": conversion failed: <msg>`.
func (e *Error) Error() string {
	s := "conversion"
	if e.File != "" {
		s += fmt.Sprintf(" of %q", e.File)
	}
	s += ": " + e.Kind.String()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Unwrap exposes the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}
