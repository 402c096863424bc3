// Package codec encrypts Temporal payloads with AES-256-GCM so that page
// titles, labels, account ids, property values and reviewer comments are
// not stored in plain text in workflow histories.
//
// Every process gets the same keys from BRIDGE_CODEC_KEYS ("id:base64key"
// entries, the first one current). A payload is encrypted with the current
// key and names the key id in its metadata; decoding picks the key by that
// id, so payloads written before a rotation still decode as long as their
// key stays in the list. Payloads that are not encrypted (histories recorded
// before encryption was turned on) pass through unchanged.
//
// The codec server (go run ./codec-server, see HTTPHandler) lets the Temporal
// Web UI and CLI decode histories for operators.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

// Metadata of an encrypted payload.
const (
	// Encoding is the "encoding" metadata value of an encrypted payload.
	Encoding = "binary/encrypted"
	// MetadataKeyID names the key that encrypted the payload.
	MetadataKeyID = "encryption-key-id"
	// MetadataCipher names the algorithm.
	MetadataCipher = "encryption-cipher"
	// Cipher is the only algorithm this codec writes and reads.
	Cipher = "AES256-GCM"

	// EnvKeys is the variable the keys come from (for error messages).
	EnvKeys = "BRIDGE_CODEC_KEYS"
)

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// Key is one named encryption key.
type Key struct {
	ID  string
	Key []byte // KeySize bytes; a secret: never log it
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ParseKeys reads the BRIDGE_CODEC_KEYS format: comma-separated
// "id:base64key" entries, the first one being the key new payloads are
// encrypted with. Errors name the entry and its id, never the key.
func ParseKeys(spec string) ([]Key, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("%s is empty", EnvKeys)
	}
	var keys []Key
	seen := map[string]bool{}
	for i, entry := range strings.Split(spec, ",") {
		n := i + 1
		entry = strings.TrimSpace(entry)
		id, b64, ok := strings.Cut(entry, ":")
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		if !ok || id == "" || b64 == "" {
			return nil, fmt.Errorf("%s entry %d is not of the form id:base64key", EnvKeys, n)
		}
		if !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("%s entry %d: key id %q may only use letters, digits, '.', '_' and '-' (at most 64)", EnvKeys, n, id)
		}
		if seen[id] {
			return nil, fmt.Errorf("%s entry %d: key id %q is used twice; every key needs its own id", EnvKeys, n, id)
		}
		seen[id] = true
		raw, err := decodeBase64(b64)
		if err != nil {
			return nil, fmt.Errorf("%s entry %d (key id %q): the key is not valid base64", EnvKeys, n, id)
		}
		if len(raw) != KeySize {
			return nil, fmt.Errorf("%s entry %d (key id %q): the key is %d bytes, AES-256 needs %d (make one with `openssl rand -base64 32`)", EnvKeys, n, id, len(raw), KeySize)
		}
		keys = append(keys, Key{ID: id, Key: raw})
	}
	return keys, nil
}

func decodeBase64(s string) ([]byte, error) {
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// Codec is a converter.PayloadCodec that encrypts with AES-256-GCM. It is
// safe for concurrent use.
type Codec struct {
	currentID string
	aeads     map[string]cipher.AEAD
	ids       []string // in configuration order, for messages
}

var _ converter.PayloadCodec = (*Codec)(nil)

// New builds a codec; keys[0] is the current key.
func New(keys []Key) (*Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("codec: no keys")
	}
	c := &Codec{currentID: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if _, dup := c.aeads[k.ID]; dup {
			return nil, fmt.Errorf("codec: key id %q is used twice", k.ID)
		}
		if len(k.Key) != KeySize {
			return nil, fmt.Errorf("codec: key %q is %d bytes, want %d", k.ID, len(k.Key), KeySize)
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("codec: key %q: %w", k.ID, err)
		}
		c.aeads[k.ID] = aead
		c.ids = append(c.ids, k.ID)
	}
	return c, nil
}

// FromEnv builds a codec from a BRIDGE_CODEC_KEYS value.
func FromEnv(spec string) (*Codec, error) {
	keys, err := ParseKeys(spec)
	if err != nil {
		return nil, err
	}
	return New(keys)
}

// CurrentKeyID is the id of the key new payloads are encrypted with.
func (c *Codec) CurrentKeyID() string { return c.currentID }

// KeyIDs lists the configured key ids, current first.
func (c *Codec) KeyIDs() []string { return append([]string(nil), c.ids...) }

// additionalData binds a ciphertext to its key id and to this format.
func additionalData(keyID string) []byte { return []byte("xecm-bridge/codec/v1/" + keyID) }

// Encode encrypts each payload (the whole payload, metadata included) with
// the current key. Already encrypted payloads are left as they are.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.currentID]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil || IsEncrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("codec: marshal payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("codec: nonce: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				MetadataKeyID:              []byte(c.currentID),
				MetadataCipher:             []byte(Cipher),
			},
			Data: aead.Seal(nonce, nonce, plain, additionalData(c.currentID)),
		}
	}
	return out, nil
}

// Decode decrypts encrypted payloads with the key their metadata names and
// passes every other payload through unchanged.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !IsEncrypted(p) {
			out[i] = p
			continue
		}
		d, err := c.decrypt(p)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// IsEncrypted tells whether p was written by this codec.
func IsEncrypted(p *commonpb.Payload) bool {
	return p != nil && string(p.GetMetadata()[converter.MetadataEncoding]) == Encoding
}

// UnknownKeyError is returned for a payload encrypted with a key id that is
// not configured (a key removed from BRIDGE_CODEC_KEYS too early).
type UnknownKeyError struct {
	KeyID string
	Known []string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("codec: payload was encrypted with key id %q, which is not in %s (configured: %s); add that key back to decrypt it",
		e.KeyID, EnvKeys, strings.Join(e.Known, ", "))
}

func (c *Codec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	md := p.GetMetadata()
	if alg, ok := md[MetadataCipher]; ok && string(alg) != Cipher {
		return nil, fmt.Errorf("codec: payload uses cipher %q; this codec reads %s only", alg, Cipher)
	}
	id := string(md[MetadataKeyID])
	if id == "" {
		return nil, fmt.Errorf("codec: encrypted payload has no %s metadata", MetadataKeyID)
	}
	aead, ok := c.aeads[id]
	if !ok {
		return nil, &UnknownKeyError{KeyID: id, Known: c.KeyIDs()}
	}
	data := p.GetData()
	if len(data) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("codec: encrypted payload (key id %q) is truncated", id)
	}
	nonce, sealed := data[:aead.NonceSize()], data[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, sealed, additionalData(id))
	if err != nil {
		return nil, fmt.Errorf("codec: payload (key id %q) does not decrypt: the key under that id is not the one that encrypted it, or the payload was altered", id)
	}
	var orig commonpb.Payload
	if err := proto.Unmarshal(plain, &orig); err != nil {
		return nil, fmt.Errorf("codec: decrypted payload (key id %q) does not unmarshal: %w", id, err)
	}
	return &orig, nil
}

// DataConverter is the SDK's default data converter with c applied to every
// payload: workflow and activity inputs and results, signals, updates,
// queries, memos, summaries and heartbeats.
func DataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// FailureConverter also moves error messages and stack traces into the
// encrypted attributes of failures, so an error naming a page title is not
// stored in plain text either.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
}
