package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/claro-market/claro/app/db"
	"github.com/uptrace/bun"
)

// Options tune the Worker; the zero value is production's.
type Options struct {
	// Guard refuses private, loopback and link-local addresses when dialled
	// (guard.go). app.New sets it in production; outside production a
	// creator may point an endpoint at a server on their own machine.
	Guard bool
	// Timeout bounds one attempt, from dial to the end of the answer's
	// headers and excerpt (default 10 s).
	Timeout time.Duration
	// Backoff is the first retry's wait (default 30 s); each further retry
	// waits twice as long up to MaxBackoff (default 4 h), with jitter: a
	// wait of d is drawn from [d/2, d).
	Backoff, MaxBackoff time.Duration
	// GiveUp is how long after its round began (written, or redelivered) a
	// delivery is retried before it is marked failed (default 24 h).
	GiveUp time.Duration
	// Poll is how often the worker looks for due retries without a
	// notification (default 5 s).
	Poll time.Duration
	// Lease hides a claimed delivery from other workers while it is being
	// sent (default Timeout + 50 s): a worker that dies mid-send leaves it due
	// again after this.
	Lease time.Duration
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, 10*time.Second)
	def(&o.Backoff, 30*time.Second)
	def(&o.MaxBackoff, 4*time.Hour)
	def(&o.GiveUp, 24*time.Hour)
	def(&o.Poll, 5*time.Second)
	def(&o.Lease, o.Timeout+50*time.Second)
	return o
}

// ResponseExcerpt is how much of an answer's body the log keeps.
const ResponseExcerpt = 2048

// notifyChannel is where claro_hook_enqueue notifies.
const notifyChannel = "hook_deliveries"

// Worker sends due deliveries.
type Worker struct {
	hooks  *Hooks
	db     *bun.DB
	client *http.Client
	opt    Options
	log    *slog.Logger
}

// Worker returns a worker sending the hooks' deliveries with opt.
func (h *Hooks) Worker(opt Options, log *slog.Logger) *Worker {
	opt = opt.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through an environment proxy: the guard checks the address dialled
		DialContext:           guardedDialer(opt.Timeout, opt.Guard).DialContext,
		TLSHandshakeTimeout:   opt.Timeout,
		ResponseHeaderTimeout: opt.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	client := &http.Client{Transport: tr, Timeout: opt.Timeout,
		// A redirect is an answer, never followed: it could point anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Worker{hooks: h, db: h.db, client: client, opt: opt, log: log}
}

// Run sends due deliveries until ctx ends: when LISTEN is in place, on
// each notification (claro_hook_enqueue's, at its transaction's commit, on
// every instance) and every Poll (retries). A broken connection is
// reopened with backoff.
func (w *Worker) Run(ctx context.Context) {
	for attempt := 0; ; attempt++ {
		err := db.ListenConn(ctx, w.db, notifyChannel, func(string) time.Duration {
			if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
				w.log.Warn("hooks: drain failed; will retry", "err", err)
			}
			return w.opt.Poll
		})
		if ctx.Err() != nil {
			return
		}
		w.log.Error("hooks: listener failed; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Second<<min(attempt, 5), 30*time.Second)):
		}
	}
}

// Drain sends every delivery due now, a batch at a time (each batch's
// deliveries at once, so one slow receiver holds up no other), and reports
// how many attempts were made.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	n := 0
	for {
		batch, err := w.claim(ctx, 16)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		var wg sync.WaitGroup
		errs := make([]error, len(batch))
		for i := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = w.attempt(ctx, batch[i])
			}()
		}
		wg.Wait()
		n += len(batch)
		if err := errors.Join(errs...); err != nil {
			return n, err
		}
	}
}

// due is one claimed delivery with what sending it needs.
type due struct {
	ID         int64      `bun:"id"`
	Tenant     int64      `bun:"tenant_id"`
	Attempts   int        `bun:"attempts"`
	Since      time.Time  `bun:"since"`
	Endpoint   int64      `bun:"endpoint_id"`
	URL        string     `bun:"url"`
	Generation int        `bun:"generation"`
	Previous   *time.Time `bun:"previous_until"`
	Disabled   *time.Time `bun:"disabled_at"`
	EventID    string     `bun:"public_id"`
	Type       string     `bun:"type"`
	Body       string     `bun:"body"`
}

// claim leases up to n due deliveries.
func (w *Worker) claim(ctx context.Context, n int) ([]due, error) {
	var rows []due
	err := w.db.NewRaw(`WITH c AS (
			UPDATE hook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
			WHERE id IN (SELECT id FROM hook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
				ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
			RETURNING id, tenant_id, attempts, since, endpoint_id, event_id)
		SELECT c.id, c.tenant_id, c.attempts, c.since, c.endpoint_id, e.url, e.generation, e.previous_until, e.disabled_at,
			ev.public_id, ev.type, ev.body
		FROM c JOIN hook_endpoints e ON e.id = c.endpoint_id JOIN hook_events ev ON ev.id = c.event_id
		ORDER BY c.id`, w.opt.Lease.Seconds(), n).Scan(ctx, &rows)
	return rows, err
}

// outcome is what one attempt came to.
type outcome struct {
	started  time.Time
	duration time.Duration
	sig      string
	status   int    // 0: no answer
	response string // the start of the answer's body
	err      string // no answer, or why the answer is a failure
	retry    bool   // worth another attempt
}

// attempt sends d once and records what came of it.
func (w *Worker) attempt(ctx context.Context, d due) error {
	if d.Disabled != nil {
		return w.record(ctx, d, outcome{started: time.Now(), err: "the endpoint is disabled"})
	}
	secrets := []string{w.hooks.Secret(d.Endpoint, d.Generation)}
	if d.Previous != nil && d.Previous.After(time.Now()) && d.Generation > 1 {
		secrets = append(secrets, w.hooks.Secret(d.Endpoint, d.Generation-1))
	}
	o := outcome{started: time.Now()}
	o.sig = Sign([]byte(d.Body), o.started, secrets...)
	w.send(ctx, d, &o)
	o.duration = time.Since(o.started)
	if ctx.Err() != nil {
		// Shutting down: the lease makes it due again soon; record nothing
		// the receiver may not have seen the end of.
		return nil
	}
	return w.record(ctx, d, o)
}

func (w *Worker) send(ctx context.Context, d due, o *outcome) {
	rctx, cancel := context.WithTimeout(ctx, w.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, d.URL, strings.NewReader(d.Body))
	if err != nil {
		o.err = "the URL cannot be requested: " + err.Error()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Claro-Webhooks/1")
	req.Header.Set(SignatureHeader, o.sig)
	req.Header.Set(EventHeader, d.EventID)
	req.Header.Set(TypeHeader, d.Type)
	resp, err := w.client.Do(req)
	if err != nil {
		o.err, o.retry = describe(err)
		return
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, ResponseExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	o.status, o.response = resp.StatusCode, excerpt(body)
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if rerr != nil {
			o.response += " (the rest of the body was cut off: " + rerr.Error() + ")"
		}
	case s >= 500, s == http.StatusRequestTimeout, s == http.StatusTooManyRequests:
		o.err, o.retry = fmt.Sprintf("the endpoint answered %d", s), true
	case s >= 300 && s < 400:
		o.err = fmt.Sprintf("the endpoint answered %d (a redirect, which is not followed): give the final URL", s)
	default:
		o.err = fmt.Sprintf("the endpoint answered %d; a 4xx other than 408 and 429 is not retried", s)
	}
}

// describe says why a request got no answer, and whether to retry.
func describe(err error) (string, bool) {
	var ne net.Error
	switch {
	case errors.Is(err, ErrRefusedAddress):
		return "refused: " + err.Error() + " (webhooks go to public addresses only)", false
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timed out: " + err.Error(), true
	default:
		return "no answer: " + err.Error(), true
	}
}

// excerpt is b as the log shows it: valid UTF-8, no NUL bytes.
func excerpt(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	for len(s) > ResponseExcerpt || !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// record writes the attempt and what the delivery comes to: delivered,
// due again after the backoff, or failed (not retryable, or past GiveUp).
func (w *Worker) record(ctx context.Context, d due, o outcome) error {
	ctx = context.WithoutCancel(ctx)
	status, next, lastErr := "delivered", time.Time{}, any(nil)
	if o.err != "" {
		status, lastErr = "failed", o.err
		if o.retry {
			next = time.Now().Add(w.wait(d.Attempts))
			if next.Sub(d.Since) < w.opt.GiveUp {
				status = "pending"
			} else {
				lastErr = o.err + fmt.Sprintf("; gave up after %d attempts over %s", d.Attempts, time.Since(d.Since).Round(time.Second))
			}
		}
	}
	var code any
	if o.status != 0 {
		code = o.status
	}
	var attemptErr any
	if o.err != "" {
		attemptErr = o.err
	}
	err := w.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewRaw(`INSERT INTO hook_attempts (tenant_id, delivery_id, started_at, duration_ms, signature, status_code, response, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.Tenant, d.ID, o.started, o.duration.Milliseconds(), o.sig, code, o.response, attemptErr).
			Exec(ctx); err != nil {
			return err
		}
		q := `UPDATE hook_deliveries SET status = ?, last_error = ?, delivered_at = CASE WHEN ? = 'delivered' THEN now() END`
		args := []any{status, lastErr, status}
		if status == "pending" {
			q += `, next_attempt_at = ?`
			args = append(args, next)
		}
		_, err := tx.NewRaw(q+` WHERE id = ?`, append(args, d.ID)...).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("hooks: record delivery %d: %w", d.ID, err)
	}
	if o.err != "" {
		w.log.Info("hooks: delivery attempt failed", "delivery", d.ID, "event", d.EventID, "endpoint", d.Endpoint,
			"attempt", d.Attempts, "status", status, "err", o.err)
	}
	return nil
}

// wait is the jittered backoff after a delivery's attempts-th failure:
// Backoff doubled each time up to MaxBackoff, drawn from [d/2, d) so the
// retries of one outage spread out.
func (w *Worker) wait(attempts int) time.Duration {
	d := w.opt.Backoff
	for i := 1; i < attempts && d < w.opt.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.opt.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// Backlog is how many deliveries are pending (the queue metric
// hook_deliveries), and how long the most overdue one has been due without
// an attempt: that measures the workers, not the receivers (a delivery to a
// receiver that is down waits for its retry time, and is not overdue until
// then), so it alerts when no worker runs or keeps up.
func (w *Worker) Backlog(ctx context.Context) (pending int, overdue time.Duration, err error) {
	var r struct {
		N       int     `bun:"n"`
		Overdue float64 `bun:"overdue"`
	}
	err = w.db.NewRaw(`SELECT count(*) AS n,
		COALESCE(extract(epoch FROM now() - min(next_attempt_at) FILTER (WHERE next_attempt_at <= now())), 0)::float8 AS overdue
		FROM hook_deliveries WHERE status = 'pending'`).Scan(ctx, &r)
	return r.N, time.Duration(r.Overdue * float64(time.Second)), err
}
