package conversion

import "time"

// Limits bounds one conversion. Zero fields take the defaults below.
type Limits struct {
	// MaxInput is the largest input accepted, in bytes; larger inputs are
	// refused before any converter runs.
	MaxInput int64
	// MaxUnpacked bounds the declared uncompressed size of all entries of
	// a DOCX (a zip), which keeps zip bombs away from pandoc.
	MaxUnpacked int64
	// MaxOutput bounds the storage body and, separately, the total size of
	// the images extracted from a DOCX. Files attached unconverted are
	// bounded by MaxInput instead.
	MaxOutput int64
	// MaxMemory caps pandoc's heap (GHC runtime option -M; at least 16 MiB).
	MaxMemory int64
	// Timeout bounds the whole conversion, pandoc included.
	Timeout time.Duration
}

// Defaults for zero Limits fields: generous for policy and procedure
// templates, small enough that one bad file cannot starve a worker.
const (
	DefaultMaxInput    int64         = 20 << 20
	DefaultMaxUnpacked int64         = 200 << 20
	DefaultMaxOutput   int64         = 10 << 20
	DefaultMaxMemory   int64         = 1 << 30
	DefaultTimeout     time.Duration = 60 * time.Second
)

// minMaxMemory is the smallest heap cap passed to pandoc.
const minMaxMemory int64 = 16 << 20

// withDefaults fills zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxInput <= 0 {
		l.MaxInput = DefaultMaxInput
	}
	if l.MaxUnpacked <= 0 {
		l.MaxUnpacked = DefaultMaxUnpacked
	}
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	// GHC refuses heap caps below a few KiB with a confusing message;
	// pandoc needs some MiB anyway.
	l.MaxMemory = max(l.MaxMemory, minMaxMemory)
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	return l
}
