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
// activities to be picked up.
func (w *world) breakdown(ctx context.Context, ids []string) (string, error) {
	var total, inActivities, firstTask, laterTasks, activityQueue time.Duration
	for _, id := range ids {
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
			}
		}
	}
	n := time.Duration(len(ids))
	s := func(d time.Duration) string { return fmt.Sprintf("%.2f s", (d / n).Seconds()) }
	return fmt.Sprintf("%s from start to completion: %s in activities, %s waiting for the first workflow task, %s for the later ones, %s for activities to be picked up",
		s(total), s(inActivities), s(firstTask), s(laterTasks), s(activityQueue)), nil
}
