package daemon

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/bootagent/bootagent/api"
)

// Backoff bounds for talking to servers that fail.
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// reportLoop registers with the control server, then sends the status
// document every step (with jitter, so a fleet does not report in
// lock-step) and takes the jobs of each answer. A failing server never
// stops local work: everything here only retries with backoff.
func (d *Daemon) reportLoop(ctx context.Context) {
	log := d.log.With("component", "server")
	backoff := minBackoff
	registered := false
	for {
		var wait time.Duration
		if !registered {
			if err := d.register(ctx); err != nil {
				log.Warn("register failed; local work goes on", "error", err, "retry_in", backoff)
				if credentialRefused(err) {
					d.dropCredential()
				}
				wait, backoff = retryDelay(err, backoff)
			} else {
				registered, backoff = true, minBackoff
				continue // report at once
			}
		} else {
			asked := time.Now()
			answer, bad, err := d.sendReport(ctx)
			if err != nil {
				log.Warn("status report failed", "error", err, "retry_in", backoff)
				if credentialRefused(err) {
					// Revoked or expired: register again, which enrols
					// anew or is refused (then retried with backoff).
					d.dropCredential()
					registered = false
				}
				wait, backoff = retryDelay(err, backoff)
			} else {
				backoff = minBackoff
				d.reachedServer()
				if err := d.saveCredential(answer.Credential); err != nil {
					log.Error("renewed host credential not stored; the current one stays in use", "error", err)
				}
				if len(answer.Jobs) > 0 || len(bad) > 0 {
					d.jobs.Take(answer.Jobs, bad, asked)
				}
				wait = jitter(d.step())
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.stepChanged:
			// a config job or a SIGHUP changed the step in force: the
			// next report comes on the new schedule, not after the old one
			t.Stop()
		case <-t.C:
		}
	}
}

// sendReport sends the status document. Its events are the oldest not yet
// delivered, read from the events outbox, not the recent ones: an event
// the server already stored (pushed by POST /agent/events) is not sent
// again at every step, and one it has not is, since a server may not
// implement the push (an extension). The document is cut to fit MaxBody,
// dropping the oldest of those events first; the events it did carry are
// then delivered, and leave the outbox, while those it left out stay
// queued for the next report or push.
func (d *Daemon) sendReport(ctx context.Context) (api.StatusResponse, []api.JobError, error) {
	doc := d.Status()
	events, ack, err := d.eventsOut.Peek(api.DrainBatch)
	if err != nil {
		d.log.Error("status report without its events", "error", err)
		events, ack = nil, api.OutboxAck{}
	}
	doc.Events = append([]api.Event{}, events...)
	doc = api.FitStatus(doc, api.MaxBody)
	answer, bad, err := d.client.Status(ctx, doc)
	if err != nil {
		return answer, bad, err
	}
	if err := d.eventsOut.Done(ack.Newest(len(doc.Events))); err != nil {
		d.log.Error("events delivered in a status report stay queued", "error", err)
	}
	return answer, bad, nil
}

func (d *Daemon) register(ctx context.Context) error {
	d.mu.Lock()
	req := api.RegisterRequest{Hostname: d.hostname, AgentSN: d.agentsn}
	d.mu.Unlock()
	resp, err := d.client.Register(ctx, req)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if resp.AgentSN != "" && resp.AgentSN != d.agentsn {
		if err := api.SaveAgentSN(d.cfg.StateDir, resp.AgentSN); err != nil {
			return err
		}
		d.log.Info("server re-assigned this host's agentsn", "old", d.agentsn, "new", resp.AgentSN)
		d.agentsn = resp.AgentSN
		d.client.SetAgentSN(resp.AgentSN)
	}
	if err := d.saveCredential(resp.Credential); err != nil {
		return err
	}
	d.tags = resp.Tags
	d.log.Info("registered", "agentsn", d.agentsn, "tags", d.tags)
	return nil
}

// drainLoop sends queued job results and events until the server has
// them: at once when something is queued, unless it is backing off after
// a failed send (or a server's Retry-After): then new items wait for the
// retry time too, since the server that failed, or asked for quiet, is
// the one they would go to.
func (d *Daemon) drainLoop(ctx context.Context) {
	log := d.log.With("component", "outbox")
	backoff := minBackoff
	var retryAt time.Time // zero: not backing off
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	for {
		if wait := drainWait(time.Now(), retryAt); wait > 0 {
			retry.Reset(wait)
		} else if err := d.client.Drain(ctx, d.results, d.eventsOut); err != nil && ctx.Err() == nil {
			wait, backoff = retryDelay(err, backoff)
			retryAt = time.Now().Add(wait)
			log.Warn("results/events not delivered yet", "error", err, "queued_results", d.results.Len(),
				"queued_events", d.eventsOut.Len(), "retry_in", wait)
			retry.Reset(wait)
		} else {
			backoff, retryAt = minBackoff, time.Time{}
			retry.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-d.results.Notify():
		case <-d.eventsOut.Notify():
		case <-retry.C:
		}
	}
}

// drainWait is how long the outbox sender, woken at now, must still wait
// before sending: until retryAt while backing off, else not at all.
func drainWait(now, retryAt time.Time) time.Duration {
	if retryAt.IsZero() || !now.Before(retryAt) {
		return 0
	}
	return retryAt.Sub(now)
}

// retryDelay is how long to wait after err: what the server asked for
// (Retry-After), else the backoff, which doubles for next time.
func retryDelay(err error, backoff time.Duration) (wait, next time.Duration) {
	next = min(backoff*2, maxBackoff)
	if after, ok := api.RetryAfter(err); ok && after > 0 {
		return after, next
	}
	return jitter(backoff), next
}

// jitter spreads d by ±10%.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}
