package codec_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/xecm-bridge/xecm-bridge/internal/codec"
)

const (
	uiOrigin = "http://localhost:8233"
	token    = "s3cret-codec-token"
)

func newServer(t *testing.T, c *codec.Codec) *httptest.Server {
	t.Helper()
	h, err := codec.HTTPHandler(c, codec.ServerOptions{Origins: []string{uiOrigin}, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// post sends payloads as the Web UI does: JSON Payloads, X-Namespace, the
// UI's Origin and (when auth is not empty) an Authorization header.
func post(t *testing.T, url, auth string, payloads ...*commonpb.Payload) *http.Response {
	t.Helper()
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	req.Header.Set("Origin", uiOrigin)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestHandlerCORSPreflight(t *testing.T) {
	srv := newServer(t, mustCodec(t, "k1:"+newKey(t)))
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/decode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-namespace,authorization")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// No token on a preflight: browsers never send one.
	resp := preflight(uiOrigin)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("preflight status = %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != uiOrigin {
		t.Errorf("Allow-Origin = %q", got)
	}
	allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"content-type", "x-namespace", "authorization"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("Allow-Headers %q lacks %s", allowed, h)
		}
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("Allow-Methods = %q", resp.Header.Get("Access-Control-Allow-Methods"))
	}
	if resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Error("credentials not allowed (the UI's \"include credentials\" option)")
	}

	other := preflight("https://evil.example")
	if other.StatusCode != http.StatusForbidden || other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin preflight: %d, Allow-Origin %q", other.StatusCode, other.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestHandlerRequiresToken(t *testing.T) {
	c := mustCodec(t, "k1:"+newKey(t))
	srv := newServer(t, c)
	enc, _ := codec.DataConverter(c).ToPayload(title)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token, token, "Bearer " + token + "x"} {
		resp := post(t, srv.URL+"/decode", auth, enc)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("auth %q: status %d", auth, resp.StatusCode)
		}
		if strings.Contains(string(body), title) {
			t.Errorf("auth %q: body has the title", auth)
		}
		// The UI can read the 401 (CORS headers are on error answers too).
		if resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
			t.Errorf("auth %q: 401 without Allow-Origin", auth)
		}
	}
	if _, err := codec.HTTPHandler(c, codec.ServerOptions{Origins: []string{uiOrigin}}); err == nil || !strings.Contains(err.Error(), "BRIDGE_CODEC_AUTH_TOKEN") {
		t.Errorf("handler without a token: %v", err)
	}
	if _, err := codec.HTTPHandler(c, codec.ServerOptions{Origins: []string{"*"}, Token: token}); err == nil {
		t.Error("wildcard origin accepted")
	}
	// Local development, explicitly: no token needed.
	h, err := codec.HTTPHandler(c, codec.ServerOptions{Origins: []string{uiOrigin}, AllowUnauthenticated: true})
	if err != nil {
		t.Fatal(err)
	}
	open := httptest.NewServer(h)
	defer open.Close()
	if resp := post(t, open.URL+"/decode", "", enc); resp.StatusCode != http.StatusOK {
		t.Errorf("unauthenticated mode: %d", resp.StatusCode)
	}
}

// decodeResponse reads the answer the way the UI does (JSON, base64 data).
func decodeResponse(t *testing.T, resp *http.Response) []struct {
	Metadata map[string][]byte `json:"metadata"`
	Data     []byte            `json:"data"`
} {
	t.Helper()
	var out struct {
		Payloads []struct {
			Metadata map[string][]byte `json:"metadata"`
			Data     []byte            `json:"data"`
		} `json:"payloads"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Payloads
}

func TestHandlerDecodeRoundTrip(t *testing.T) {
	c := mustCodec(t, "k1:"+newKey(t))
	srv := newServer(t, c)
	// Encode through the server, then decode through it, under the
	// namespace prefix the UI may use.
	resp := post(t, srv.URL+"/default/encode", "Bearer "+token, &commonpb.Payload{
		Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"` + title + `"`)})
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("encode: %d %s", resp.StatusCode, b)
	}
	encoded := decodeResponse(t, resp)
	if len(encoded) != 1 || string(encoded[0].Metadata["encoding"]) != codec.Encoding || strings.Contains(string(encoded[0].Data), title) {
		t.Fatalf("encode answered %+v", encoded)
	}

	// With a payload recorded before encryption was on: passed through.
	legacy := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"old"`)}
	resp = post(t, srv.URL+"/decode", "Bearer "+token, &commonpb.Payload{Metadata: encoded[0].Metadata, Data: encoded[0].Data}, legacy)
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("decode: %d %s", resp.StatusCode, b)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
		t.Errorf("Allow-Origin = %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
	decoded := decodeResponse(t, resp)
	if len(decoded) != 2 || string(decoded[0].Metadata["encoding"]) != "json/plain" || string(decoded[0].Data) != `"`+title+`"` ||
		string(decoded[1].Data) != `"old"` {
		t.Fatalf("decode answered %+v", decoded)
	}
}

func TestHandlerUnknownKeyID(t *testing.T) {
	old := mustCodec(t, "k0:"+newKey(t))
	enc, _ := codec.DataConverter(old).ToPayload(title)
	srv := newServer(t, mustCodec(t, "k1:"+newKey(t)))
	resp := post(t, srv.URL+"/decode", "Bearer "+token, enc)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `key id "k0"`) {
		t.Fatalf("unknown key: %d %s", resp.StatusCode, body)
	}
}

func TestHandlerHealthAndNotFound(t *testing.T) {
	srv := newServer(t, mustCodec(t, "k1:"+newKey(t)))
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d", resp.StatusCode)
	}
	if resp := post(t, srv.URL+"/other", "Bearer "+token); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /other = %d", resp.StatusCode)
	}
}
