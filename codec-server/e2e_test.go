package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/xecm-bridge/xecm-bridge/internal/codec"
	"github.com/xecm-bridge/xecm-bridge/internal/devserver"
	"github.com/xecm-bridge/xecm-bridge/internal/logging"
	"github.com/xecm-bridge/xecm-bridge/internal/settings"
	"github.com/xecm-bridge/xecm-bridge/internal/temporalclient"
)

// What must not be readable in a recorded history.
const (
	secretTitle   = "Secret Merger Plan"
	secretComment = "Hold until the board signs off"
	secretLabel   = "project-nightingale"
	secretAccount = "557058:reviewer-4711"
)

var secrets = []string{secretTitle, secretComment, secretLabel, secretAccount}

type reviewInput struct {
	PageID    string
	Title     string
	Labels    []string
	Reviewers []string
}

type reviewDecision struct {
	By      string
	Comment string
}

// reviewWorkflow carries the secrets through every kind of payload: input,
// memo and summary (set by the starter), activity input and result, a
// signal, an activity failure message and the workflow result.
func reviewWorkflow(ctx workflow.Context, in reviewInput) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var title string
	if err := workflow.ExecuteActivity(ctx, readTitle, in.PageID, in.Title).Get(ctx, &title); err != nil {
		return "", err
	}
	var d reviewDecision
	workflow.GetSignalChannel(ctx, "review").Receive(ctx, &d)
	fileErr := workflow.ExecuteActivity(ctx, fileRecord, title).Get(ctx, nil)
	return fmt.Sprintf("%s reviewed by %s: %s (filing: %v)", title, d.By, d.Comment, fileErr != nil), nil
}

func readTitle(_ context.Context, pageID, title string) (string, error) { return title, nil }

func fileRecord(_ context.Context, title string) error {
	return temporal.NewNonRetryableApplicationError("OTCS refused to file "+title, "Conflict", nil)
}

// runReview starts reviewWorkflow through c (a worker on its own task queue),
// signals the decision and returns the result and the recorded history.
func runReview(t *testing.T, c client.Client, queue string) (string, client.WorkflowRun, *historypb.History) {
	t.Helper()
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(reviewWorkflow)
	w.RegisterActivity(readTitle)
	w.RegisterActivity(fileRecord)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	wr, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: "codec-e2e-" + queue, TaskQueue: queue,
		Memo:          map[string]any{"title": secretTitle},
		StaticSummary: "Review of " + secretTitle,
	}, reviewWorkflow, reviewInput{PageID: "98305", Title: secretTitle, Labels: []string{secretLabel}, Reviewers: []string{secretAccount}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SignalWorkflow(ctx, wr.GetID(), wr.GetRunID(), "review", reviewDecision{By: secretAccount, Comment: secretComment}); err != nil {
		t.Fatal(err)
	}
	var result string
	if err := wr.Get(ctx, &result); err != nil {
		t.Fatal(err)
	}
	history := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, wr.GetID(), wr.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		history.Events = append(history.Events, ev)
	}
	return result, wr, history
}

// serialized is the history as stored (protobuf: payload bytes verbatim)
// and as `temporal workflow show -o json` and the UI receive it.
func serialized(t *testing.T, h *historypb.History) (binary, jsonText []byte) {
	t.Helper()
	binary, err := proto.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	jsonText, err = protojson.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return binary, jsonText
}

// payloadsOf collects every Payload anywhere in m (inputs, results, memo,
// user metadata, failure attributes...).
func payloadsOf(m protoreflect.Message) []*commonpb.Payload {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		return []*commonpb.Payload{p}
	}
	var out []*commonpb.Payload
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					out = append(out, payloadsOf(mv.Message())...)
					return true
				})
			}
		case fd.IsList():
			if fd.Message() != nil {
				for i := 0; i < v.List().Len(); i++ {
					out = append(out, payloadsOf(v.List().Get(i).Message())...)
				}
			}
		case fd.Message() != nil:
			out = append(out, payloadsOf(v.Message())...)
		}
		return true
	})
	return out
}

// TestEncryptedHistoryDecodesThroughCodecServer runs a workflow on a real
// dev server with the codec every process gets from BRIDGE_CODEC_KEYS,
// checks that the recorded history holds none of the secrets in plain text,
// then has the codec server decode the history's payloads over HTTP the way
// the Web UI calls it (preflight, Origin, X-Namespace, bearer token).
func TestEncryptedHistoryDecodesThroughCodecServer(t *testing.T) {
	devserver.RequireCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	zl, _ := logging.New("error", io.Discard)
	logger := logging.NewTemporal(zl)
	server, err := devserver.Start(ctx, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Stop()

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	const authToken = "e2e-codec-token"
	t.Setenv("BRIDGE_CODEC_KEYS", "2026-01:"+base64.StdEncoding.EncodeToString(key))
	t.Setenv("BRIDGE_CODEC_AUTH_TOKEN", authToken)
	var (
		tc settings.Temporal
		kc settings.Codec
		sc settings.CodecServer
	)
	if err := settings.Load(&tc, &kc, &sc); err != nil {
		t.Fatal(err)
	}
	tc.Address, tc.Namespace = server.FrontendHostPort(), "default"
	encrypted, err := temporalclient.Dial(tc, logger, nil) // as workers, webhook and starter dial
	if err != nil {
		t.Fatal(err)
	}
	defer encrypted.Close()

	// Control: without the codec the same run leaves the secrets readable,
	// so the checks below can see them when they are there.
	plainResult, plainRun, plainHistory := runReview(t, server.Client(), "codec-e2e-plain")
	plainBinary, plainJSON := serialized(t, plainHistory)
	for _, s := range secrets {
		if !bytes.Contains(plainBinary, []byte(s)) {
			t.Fatalf("control: the plain history does not contain %q; the check below would prove nothing", s)
		}
	}
	if !bytes.Contains(plainJSON, []byte("OTCS refused to file "+secretTitle)) {
		t.Fatal("control: the plain failure message is not in the JSON history")
	}

	result, _, history := runReview(t, encrypted, "codec-e2e-encrypted")
	if result != plainResult || !strings.Contains(result, secretComment) {
		t.Fatalf("result through the codec = %q, without = %q", result, plainResult)
	}
	binary, jsonText := serialized(t, history)
	for _, s := range secrets {
		if bytes.Contains(binary, []byte(s)) || bytes.Contains(jsonText, []byte(s)) {
			t.Errorf("the recorded history contains %q in plain text", s)
		}
	}
	payloads := payloadsOf(history.ProtoReflect())
	for _, p := range payloads {
		if !codec.IsEncrypted(p) {
			t.Errorf("payload not encrypted: %v", p)
		}
	}
	if len(payloads) < 8 {
		t.Fatalf("only %d payloads in the history", len(payloads))
	}

	// A history recorded before encryption was on still reads with the key.
	var old string
	if err := encrypted.GetWorkflow(ctx, plainRun.GetID(), plainRun.GetRunID()).Get(ctx, &old); err != nil || old != plainResult {
		t.Fatalf("plain run read through the codec: %q, %v", old, err)
	}

	// The codec server, wired as `go run ./codec-server` wires it, with the
	// default CORS origin (the dev server's Web UI).
	handler, _, err := newHandler(kc, sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	codecServer := httptest.NewServer(handler)
	defer codecServer.Close()
	uiOrigin := sc.CORSOrigins[0]
	endpoint := codecServer.URL // what an operator types into the UI

	preflight, _ := http.NewRequest(http.MethodOptions, endpoint+"/decode", nil)
	preflight.Header.Set("Origin", uiOrigin)
	preflight.Header.Set("Access-Control-Request-Method", "POST")
	preflight.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
	resp, err := http.DefaultClient.Do(preflight)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
		t.Fatalf("preflight: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	if err != nil {
		t.Fatal(err)
	}
	decode := func(auth string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, endpoint+"/decode", bytes.NewReader(body))
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
		return resp
	}
	if resp := decode(""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("decode without the token: %d", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	resp = decode("Bearer " + authToken)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != uiOrigin {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("decode: %d %s (Allow-Origin %q)", resp.StatusCode, b, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	var decoded struct {
		Payloads []struct {
			Metadata map[string][]byte `json:"metadata"`
			Data     []byte            `json:"data"`
		} `json:"payloads"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&decoded); err != nil {
		t.Fatal(err)
	}
	if len(decoded.Payloads) != len(payloads) {
		t.Fatalf("decoded %d payloads of %d", len(decoded.Payloads), len(payloads))
	}
	var plainText strings.Builder
	for _, p := range decoded.Payloads {
		if string(p.Metadata["encoding"]) == codec.Encoding {
			t.Errorf("payload still encrypted after /decode")
		}
		plainText.Write(p.Data)
		plainText.WriteByte('\n')
	}
	for _, s := range append(secrets, "OTCS refused to file "+secretTitle, "Review of "+secretTitle) {
		if !strings.Contains(plainText.String(), s) {
			t.Errorf("the decoded history lacks %q", s)
		}
	}
	if t.Failed() {
		t.Log("decoded payloads:\n" + plainText.String())
	}
}
