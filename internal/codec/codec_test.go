package codec_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/xecm-bridge/xecm-bridge/internal/codec"
)

const title = "Secret Merger Plan"

func newKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, codec.KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func mustCodec(t *testing.T, spec string) *codec.Codec {
	t.Helper()
	c, err := codec.FromEnv(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseKeys(t *testing.T) {
	k1, k0 := newKey(t), newKey(t)
	keys, err := codec.ParseKeys(" k1:" + k1 + " , k0:" + strings.TrimRight(k0, "=") + " ")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != "k1" || keys[1].ID != "k0" || len(keys[1].Key) != 32 {
		t.Fatalf("keys = %d, first %q", len(keys), keys[0].ID)
	}

	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	for _, tc := range []struct{ spec, want string }{
		{"", "is empty"},
		{k1, "not of the form id:base64key"},
		{"k1:", "not of the form id:base64key"},
		{"k1:" + k1 + ",k1:" + k0, `key id "k1" is used twice`},
		{"bad id:" + k1, "may only use letters"},
		{"k1:not*base64!", "not valid base64"},
		{"k1:" + short, "is 16 bytes, AES-256 needs 32"},
	} {
		_, err := codec.ParseKeys(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeys(%q) = %v, want error with %q", tc.spec, err, tc.want)
			continue
		}
		// The error names entries and ids, never key material.
		for _, secret := range []string{k1, k0, short, "not*base64!"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains key material", err)
			}
		}
	}
}

// TestRoundTrip: values go through the data converter encrypted (nothing of
// the plain value left, metadata naming the key) and come back equal.
func TestRoundTrip(t *testing.T) {
	c := mustCodec(t, "k1:"+newKey(t))
	dc := codec.DataConverter(c)
	in := map[string]any{"title": title, "labels": []any{"confidential"}, "comment": "approve after legal review"}
	p, err := dc.ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if enc := string(p.Metadata[converter.MetadataEncoding]); enc != codec.Encoding {
		t.Fatalf("encoding = %q", enc)
	}
	if id := string(p.Metadata[codec.MetadataKeyID]); id != "k1" {
		t.Fatalf("key id = %q", id)
	}
	for _, s := range []string{title, "confidential", "legal review", "json/plain"} {
		if bytes.Contains(p.Data, []byte(s)) || strings.Contains(p.String(), s) {
			t.Errorf("encrypted payload contains %q", s)
		}
	}
	var out map[string]any
	if err := dc.FromPayload(p, &out); err != nil {
		t.Fatal(err)
	}
	if out["title"] != title || out["comment"] != in["comment"] {
		t.Fatalf("round trip = %v", out)
	}
	// Same value twice: different ciphertexts (random nonce).
	p2, _ := dc.ToPayload(in)
	if bytes.Equal(p.Data, p2.Data) {
		t.Error("two encryptions of one value are identical")
	}
	// Encoding is not applied twice.
	again, _ := c.Encode([]*commonpb.Payload{p, nil})
	if again[0] != p || again[1] != nil {
		t.Error("Encode re-encrypted an encrypted payload or changed a nil one")
	}
}

// TestRotation: after a new key is put first, old payloads still decode, new
// ones use the new key, and a codec without the key names the missing id.
func TestRotation(t *testing.T) {
	k0, k1 := newKey(t), newKey(t)
	before := mustCodec(t, "k0:"+k0)
	after := mustCodec(t, "k1:"+k1+",k0:"+k0)
	dropped := mustCodec(t, "k1:"+k1)

	old, err := codec.DataConverter(before).ToPayload(title)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := codec.DataConverter(after).FromPayload(old, &s); err != nil || s != title {
		t.Fatalf("old payload with rotated keys: %q, %v", s, err)
	}
	fresh, _ := codec.DataConverter(after).ToPayload(title)
	if id := string(fresh.Metadata[codec.MetadataKeyID]); id != "k1" {
		t.Fatalf("new payload key id = %q, want k1", id)
	}
	_, err = dropped.Decode([]*commonpb.Payload{old})
	var unknown *codec.UnknownKeyError
	if !errors.As(err, &unknown) || unknown.KeyID != "k0" || !strings.Contains(err.Error(), `key id "k0"`) || !strings.Contains(err.Error(), "BRIDGE_CODEC_KEYS") {
		t.Fatalf("decode with the key removed: %v", err)
	}
}

// TestPlainPayloadsPassThrough: histories recorded before encryption decode.
func TestPlainPayloadsPassThrough(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload(title)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCodec(t, "k1:"+newKey(t))
	out, err := c.Decode([]*commonpb.Payload{plain, nil})
	if err != nil || out[0] != plain || out[1] != nil {
		t.Fatalf("Decode(plain) = %v, %v", out, err)
	}
	var s string
	if err := codec.DataConverter(c).FromPayload(plain, &s); err != nil || s != title {
		t.Fatalf("FromPayload(plain) = %q, %v", s, err)
	}
}

// TestTamperingIsDetected: GCM authenticates the data and the key id.
func TestTamperingIsDetected(t *testing.T) {
	k := newKey(t)
	c := mustCodec(t, "a:"+k+",b:"+k)
	p, _ := codec.DataConverter(c).ToPayload(title)

	flipped := &commonpb.Payload{Metadata: p.Metadata, Data: append([]byte(nil), p.Data...)}
	flipped.Data[len(flipped.Data)-1] ^= 1
	if _, err := c.Decode([]*commonpb.Payload{flipped}); err == nil || !strings.Contains(err.Error(), "does not decrypt") {
		t.Errorf("flipped bit: %v", err)
	}
	// Relabelled to another id holding the same key: still refused.
	md := map[string][]byte{}
	for k, v := range p.Metadata {
		md[k] = v
	}
	md[codec.MetadataKeyID] = []byte("b")
	if _, err := c.Decode([]*commonpb.Payload{{Metadata: md, Data: p.Data}}); err == nil {
		t.Error("payload relabelled to another key id decoded")
	}
	truncated := &commonpb.Payload{Metadata: p.Metadata, Data: p.Data[:5]}
	if _, err := c.Decode([]*commonpb.Payload{truncated}); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated: %v", err)
	}
}

// TestFailureMessagesAreEncrypted: an error naming a page title is stored
// encrypted, and restored for a client that has the key.
func TestFailureMessagesAreEncrypted(t *testing.T) {
	c := mustCodec(t, "k1:"+newKey(t))
	fc := codec.FailureConverter(codec.DataConverter(c))
	f := fc.ErrorToFailure(temporal.NewApplicationError("cannot file "+title, "Conflict"))
	if strings.Contains(f.String(), title) {
		t.Fatalf("failure contains the title in plain text: %s", f)
	}
	if !codec.IsEncrypted(f.GetEncodedAttributes()) {
		t.Fatal("failure attributes are not encrypted")
	}
	if err := fc.FailureToError(f); !strings.Contains(err.Error(), title) {
		t.Fatalf("decoded failure = %v", err)
	}
}
