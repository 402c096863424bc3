package metrics

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"github.com/xecm-bridge/xecm-bridge/clients/rest"
)

// BackendInterceptor returns a worker interceptor that counts, on the
// worker's metrics, every HTTP attempt an activity's Confluence or OTCS
// client makes (BackendResponses{backend,class}) and every retry
// (BackendRetries{backend}): the clients retry 429s and 5xx themselves, so
// without it a throttled backend shows only as slower activities. It puts
// a rest.Observer into each activity's context; requests made with that
// context are counted.
func BackendInterceptor() interceptor.WorkerInterceptor { return &backendInterceptor{} }

type backendInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func (*backendInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &backendInbound{}
	i.Next = next
	return i
}

type backendInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (i *backendInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if activity.IsActivity(ctx) {
		ctx = rest.WithObserver(ctx, BackendObserver{Handler: activity.GetMetricsHandler(ctx)})
	}
	return i.Next.ExecuteActivity(ctx, in)
}

// BackendObserver counts backend attempts and retries on Handler.
type BackendObserver struct{ Handler client.MetricsHandler }

// Response counts one attempt by its status class.
func (o BackendObserver) Response(service string, status int, err error) {
	o.Handler.WithTags(map[string]string{"backend": service, "class": rest.StatusClass(status, err)}).Counter(BackendResponses).Inc(1)
}

// Retry counts one retry.
func (o BackendObserver) Retry(service string) {
	o.Handler.WithTags(map[string]string{"backend": service}).Counter(BackendRetries).Inc(1)
}
