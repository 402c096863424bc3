package tracing

import (
	"context"
	"reflect"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// The attribute keys of the ids a span carries.
const (
	PageID      = attribute.Key("xecm.page.id")
	PageVersion = attribute.Key("xecm.page.version")
	NodeID      = attribute.Key("xecm.otcs.node_id")
	NodeVersion = attribute.Key("xecm.otcs.version")
)

// keyOrder is the order Attributes returns them in.
var keyOrder = []attribute.Key{PageID, PageVersion, NodeID, NodeVersion}

// Attributes returns the ids found in vs (workflow and activity inputs
// and results): the exported fields PageID, PageVersion (or Version beside
// a PageID), NodeID and OTCSVersion of a struct or a pointer to one, and
// of the structs it holds, two levels deep; the first found wins. Only
// these fields are read, only numbers and short id-like strings are
// taken, so no content, title or credential can become an attribute.
func Attributes(vs ...any) []attribute.KeyValue {
	found := map[attribute.Key]attribute.KeyValue{}
	for _, v := range vs {
		collect(reflect.ValueOf(v), 0, found)
	}
	out := make([]attribute.KeyValue, 0, len(found))
	for _, k := range keyOrder {
		if kv, ok := found[k]; ok {
			out = append(out, kv)
		}
	}
	return out
}

func collect(v reflect.Value, depth int, found map[attribute.Key]attribute.KeyValue) {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if !v.IsValid() || v.Kind() != reflect.Struct || depth > 2 {
		return
	}
	t := v.Type()
	_, hasPage := t.FieldByName("PageID")
	set := func(k attribute.Key, kv attribute.KeyValue, ok bool) {
		if _, seen := found[k]; ok && !seen {
			found[k] = kv
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch f.Name {
		case "PageID":
			if s, ok := idString(fv); ok {
				set(PageID, PageID.String(s), true)
			}
		case "PageVersion":
			n, ok := positive(fv)
			set(PageVersion, PageVersion.Int64(n), ok)
		case "Version":
			if hasPage {
				n, ok := positive(fv)
				set(PageVersion, PageVersion.Int64(n), ok)
			}
		case "NodeID":
			n, ok := positive(fv)
			set(NodeID, NodeID.Int64(n), ok)
		case "OTCSVersion":
			n, ok := positive(fv)
			set(NodeVersion, NodeVersion.Int64(n), ok)
		default:
			collect(fv, depth+1, found)
		}
	}
}

// positive is an integer field's value when above zero.
func positive(v reflect.Value) (int64, bool) {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), v.Int() > 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := v.Uint()
		return int64(n), n > 0 && n < 1<<63
	}
	return 0, false
}

// idString is a string field's value when it looks like an id: 1 to 64
// letters, digits, '-', '_', '.' or ':'. A number is taken as well.
func idString(v reflect.Value) (string, bool) {
	if n, ok := positive(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	if v.Kind() != reflect.String {
		return "", false
	}
	s := v.String()
	if len(s) == 0 || len(s) > 64 {
		return "", false
	}
	for _, c := range s {
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return "", false
		}
	}
	return s, true
}

// idsInterceptor adds Attributes of each workflow's and activity's input
// and result to the span the SDK's tracing interceptor (which runs
// outside it) started for that run.
type idsInterceptor struct {
	interceptor.InterceptorBase
}

func (*idsInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &idsActivity{}
	i.Next = next
	return i
}

func (*idsInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &idsWorkflow{}
	i.Next = next
	return i
}

type idsActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (i *idsActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return i.Next.ExecuteActivity(ctx, in)
	}
	span.SetAttributes(Attributes(in.Args...)...)
	res, err := i.Next.ExecuteActivity(ctx, in)
	if err == nil {
		span.SetAttributes(Attributes(res)...)
	}
	return res, err
}

type idsWorkflow struct {
	interceptor.WorkflowInboundInterceptorBase
}

// ExecuteWorkflow only annotates the run's span: nothing of the workflow's
// state or commands depends on it, so replays are unaffected.
func (i *idsWorkflow) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	span, ok := temporalotel.SpanFromWorkflowContext(ctx)
	if !ok || !span.IsRecording() {
		return i.Next.ExecuteWorkflow(ctx, in)
	}
	span.SetAttributes(Attributes(in.Args...)...)
	res, err := i.Next.ExecuteWorkflow(ctx, in)
	if err == nil {
		span.SetAttributes(Attributes(res)...)
	}
	return res, err
}
