package matrix

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"

	"maunium.net/go/mautrix"
)

// backoffPolicy is how long to wait between failed attempts: doubling from
// base, capped at max, with jitter so restarted bots don't retry in step.
type backoffPolicy struct {
	base, max time.Duration
}

// delay is the wait before attempt n+1 (n counts from 0).
func (p backoffPolicy) delay(n int) time.Duration {
	d := p.base
	for i := 0; i < n && d < p.max; i++ {
		d *= 2
	}
	if d > p.max {
		d = p.max
	}
	// ±20% jitter.
	return d - d/5 + rand.N(d/5*2+1)
}

// opKind says what may be retried safely.
type opKind int

const (
	// opIdempotent requests can be repeated: reads, and sends with a fixed
	// transaction ID that the server deduplicates.
	opIdempotent opKind = iota
	// opOnce requests would act twice if repeated after reaching the
	// server (createRoom, login): only failures that prove they did not
	// reach it are retried.
	opOnce
)

// maxServerWait bounds a retry_after_ms, so a broken server cannot park a
// reply for days.
const maxServerWait = time.Hour

// retry runs f until it succeeds, fails for good, or ctx ends. Rate limits
// wait what the server asks; network and server errors back off. Nothing is
// given up on while it might still succeed: that is how no reply is
// dropped.
func (a *Adapter) retry(ctx context.Context, kind opKind, what string, attrs []any, f func(context.Context) error) error {
	for n := 0; ; n++ {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait, ok := a.retryable(err, kind, n)
		if !ok {
			return err
		}
		a.log.Warn("request failed; retrying", append([]any{"request", what, "err", err, "retry_in", wait.Round(time.Millisecond)}, attrs...)...)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// retryable says whether err is worth another attempt, and after how long.
func (a *Adapter) retryable(err error, kind opKind, attempt int) (time.Duration, bool) {
	if wait, ok := serverWait(err); ok {
		a.reports.RateLimited(Platform, wait)
		return wait, true
	}
	var herr mautrix.HTTPError
	isHTTP := errors.As(err, &herr)
	if isHTTP && herr.Response != nil && herr.Response.StatusCode == http.StatusTooManyRequests {
		return a.backoff.delay(attempt), true // refused, so not done: safe for any kind
	}
	if kind == opOnce {
		if isDialError(err) {
			return a.backoff.delay(attempt), true
		}
		return 0, false
	}
	if !isHTTP {
		return 0, false
	}
	if herr.Response == nil {
		return a.backoff.delay(attempt), true // the connection failed
	}
	if herr.Response.StatusCode >= 500 {
		return a.backoff.delay(attempt), true
	}
	return 0, false
}

// serverWait is how long a rate-limited request must wait: the body's
// retry_after_ms (M_LIMIT_EXCEEDED), else the Retry-After header.
func serverWait(err error) (time.Duration, bool) {
	var herr mautrix.HTTPError
	if !errors.As(err, &herr) {
		return 0, false
	}
	limited := herr.RespError != nil && herr.RespError.ErrCode == mautrix.MLimitExceeded.ErrCode
	if !limited && (herr.Response == nil || herr.Response.StatusCode != http.StatusTooManyRequests) {
		return 0, false
	}
	if herr.RespError != nil {
		if ms, ok := herr.RespError.ExtraData["retry_after_ms"].(float64); ok && ms >= 0 {
			return min(time.Duration(ms)*time.Millisecond, maxServerWait), true
		}
	}
	if herr.Response != nil {
		if s, err := strconv.Atoi(herr.Response.Header.Get("Retry-After")); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxServerWait), true
		}
	}
	return 0, false
}

// isDialError is a failure to connect at all: the request never left.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
