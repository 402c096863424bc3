package confluence

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
)

// synthReader yields the deterministic content of a synthetic attachment.
// Byte block i (8 bytes) is splitmix64 of seed and i, so any offset can be
// produced without generating what comes before it: that makes the reader
// seekable (http.ServeContent, Range requests) while holding no content.
type synthReader struct {
	seed uint64
	size int64
	pos  int64
}

func newSynthReader(seed uint64, size int64) *synthReader {
	return &synthReader{seed: seed, size: size}
}

func mix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

func (r *synthReader) block(i int64) [8]byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], mix64(r.seed^(uint64(i)*0xD6E8FEB86659FD93)))
	return b
}

func (r *synthReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if rem := r.size - r.pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	n := 0
	// Unaligned head, then whole blocks, then the tail.
	for n < len(p) {
		blk := r.block(r.pos / 8)
		off := int(r.pos % 8)
		c := copy(p[n:], blk[off:])
		n += c
		r.pos += int64(c)
	}
	return n, nil
}

func (r *synthReader) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = r.pos + offset
	case io.SeekEnd:
		abs = r.size + offset
	default:
		return 0, errors.New("synthetic attachment: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("synthetic attachment: negative position")
	}
	r.pos = abs
	return abs, nil
}

// synthSHA256 hashes the generated stream once, in constant memory, so the
// snapshot can report the digest clients must reproduce.
func synthSHA256(seed uint64, size int64) string {
	h := sha256.New()
	buf := make([]byte, 256<<10)
	_, _ = io.CopyBuffer(h, newSynthReader(seed, size), buf)
	return hex.EncodeToString(h.Sum(nil))
}
