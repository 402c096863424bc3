package main

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
)

// breakdown says where a publish's time goes, averaged over the runs'
// histories: inside activities (the backend I/O a plain-Go program makes
// too), waiting for the first workflow task, for the later ones, and for
// activities to be picked up; and, from the bench's own clock (the same
// machine's), the start call and the result's way back.
func (w *world) breakdown(ctx context.Context, ids []string) (string, error) {
	var total, inActivities, firstTask, laterTasks, activityQueue, startCall, resultCall time.Duration
	for i, id := range ids {
		it := w.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var start, scheduled, started time.Time
		tasks := 0
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return "", err
			}
			at := ev.GetEventTime().AsTime()
			switch ev.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				start = at
				if i < len(w.calls) {
					startCall += at.Sub(w.calls[i].start)
				}
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				scheduled = at
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
				if tasks == 0 {
					firstTask += at.Sub(scheduled)
				} else {
					laterTasks += at.Sub(scheduled)
				}
				tasks++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				activityQueue += at.Sub(scheduled)
				started = at
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
				inActivities += at.Sub(started)
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
				total += at.Sub(start)
				if i < len(w.calls) {
					resultCall += w.calls[i].result.Sub(at)
				}
			}
		}
	}
	n := time.Duration(len(ids))
	s := func(d time.Duration) string { return fmt.Sprintf("%.2f s", (d / n).Seconds()) }
	return fmt.Sprintf("%s from start to completion: %s in activities, %s waiting for the first workflow task, %s for the later ones, %s for activities to be picked up; "+
		"the start call took %s to the run's start, the result reached the bench %s after its completion",
		s(total), s(inActivities), s(firstTask), s(laterTasks), s(activityQueue), s(startCall), s(resultCall)), nil
}

// runTimes are the moments of one run's history that the webhook
// breakdown needs (server clock; the bench shares the machine).
type runTimes struct {
	started, firstTask, completed time.Time
	inActivities                  time.Duration
	activityQueue, laterTasks     time.Duration
}

func (w *world) runTimes(ctx context.Context, id string) (runTimes, error) {
	var r runTimes
	it := w.temporal.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var scheduled, started time.Time
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return r, err
		}
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
			r.started = at
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			scheduled = at
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			if r.firstTask.IsZero() {
				r.firstTask = at
			} else {
				r.laterTasks += at.Sub(scheduled)
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			r.activityQueue += at.Sub(scheduled)
			started = at
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			r.inActivities += at.Sub(started)
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			r.completed = at
		}
	}
	return r, nil
}

// webhookEvent is one signed event of the latency run: when it was sent,
// when the receiver answered (the RouteEvent start is durable by then),
// when the bench saw the publish complete, and the two runs' ids.
type webhookEvent struct {
	sent, accepted, seen time.Time
	routeID, publishID   string
}

// webhookBreakdown says where a signed event's time goes on its way to
// the record, averaged: the receiver's answer (signature, parse and the
// durable RouteEvent start), RouteEvent waiting for its first workflow
// task, the routing (RoutePage picked up and run: the page read, the
// decision, the PublishPage start), PublishPage waiting for its first
// task (none when started eagerly), its activities, the rest of the
// publish (its later tasks and the activities' pick-up), and the bench
// noticing the completion.
func (w *world) webhookBreakdown(ctx context.Context, evs []webhookEvent) (string, error) {
	var accept, routeFirst, routing, pubFirst, pubActivities, pubRest, notice time.Duration
	for _, e := range evs {
		rt, err := w.runTimes(ctx, e.routeID)
		if err != nil {
			return "", err
		}
		pt, err := w.runTimes(ctx, e.publishID)
		if err != nil {
			return "", err
		}
		accept += e.accepted.Sub(e.sent)
		routeFirst += rt.firstTask.Sub(rt.started)
		routing += pt.started.Sub(rt.firstTask)
		pubFirst += pt.firstTask.Sub(pt.started)
		pubActivities += pt.inActivities
		pubRest += pt.completed.Sub(pt.firstTask) - pt.inActivities
		notice += e.seen.Sub(pt.completed)
	}
	n := time.Duration(len(evs))
	ms := func(d time.Duration) string { return fmt.Sprintf("%d ms", (d / n).Milliseconds()) }
	return fmt.Sprintf("%s receiver answer (durable RouteEvent start), %s RouteEvent's first task, %s routing (RoutePage picked up and run, PublishPage started), %s PublishPage's first task, %s in its activities, %s its later tasks and activity pick-ups, %s until the bench saw it",
		ms(accept), ms(routeFirst), ms(routing), ms(pubFirst), ms(pubActivities), ms(pubRest), ms(notice)), nil
}
