package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// Discord's JSON error codes the adapter acts on.
const (
	codeUnknownChannel      = 10003
	codeUnknownMessage      = 10008
	codeUnknownMember       = 10007
	codeUnknownUser         = 10013
	codeUnknownInteraction  = 10062
	codeAlreadyAcknowledged = 40060
)

// upload is a file sent with a message.
type upload struct {
	Name string
	MIME string
	Data []byte
}

func uploadOf(f *bot.File) []upload {
	if f == nil {
		return nil
	}
	return []upload{{Name: f.Name, MIME: f.MIME, Data: f.Data}}
}

// encode is a request body: JSON, or multipart with the JSON as
// payload_json when files go with it.
func encode(payload any, files []upload) (contentType string, body []byte, err error) {
	switch {
	case len(files) > 0:
		dg := make([]*discordgo.File, len(files))
		for i, f := range files {
			dg[i] = &discordgo.File{Name: f.Name, ContentType: f.MIME, Reader: bytes.NewReader(f.Data)}
		}
		return discordgo.MultipartBodyWithJSON(payload, dg)
	case payload != nil:
		body, err = json.Marshal(payload)
		return "application/json", body, err
	}
	return "", nil, nil
}

// request sends one REST call through discordgo, so its rate limiter
// waits out 429s (per route and global) and its client carries the call.
// Transient failures (5xx, network) are retried with backoff: discordgo
// itself only retries 502. The body is built once, so a retry sends the
// very same bytes (and the same nonce).
func (a *Adapter) request(ctx context.Context, method, endpoint, bucket string, payload any, files []upload) ([]byte, error) {
	contentType, body, err := encode(payload, files)
	if err != nil {
		return nil, fmt.Errorf("discord: encode %s %s: %w", method, redactURL(endpoint), err)
	}
	var resp []byte
	err = a.retrying(ctx, method, endpoint, func() (err error) {
		resp, err = a.raw(ctx, method, endpoint, contentType, body, bucket)
		return err
	})
	return resp, err
}

// raw is one REST call through discordgo's rate limiter, in the bucket
// named; discordgo waits out a JSON 429 itself.
func (a *Adapter) raw(ctx context.Context, method, endpoint, contentType string, body []byte, bucket string) ([]byte, error) {
	if body == nil {
		contentType = ""
	}
	return a.s.RequestWithLockedBucket(method, endpoint, contentType, body, a.s.Ratelimiter.LockBucket(bucket), 0, discordgo.WithContext(ctx))
}

// retrying runs call until it succeeds, fails for good, or has been tried
// a.attempts times, waiting longer after each transient failure.
func (a *Adapter) retrying(ctx context.Context, method, endpoint string, call func() error) error {
	wait := a.retryBase
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil {
			return nil
		}
		err = redact(err)
		if !transient(err) || attempt >= a.attempts || ctx.Err() != nil {
			return fmt.Errorf("discord: %s %s: %w", method, redactURL(endpoint), err)
		}
		a.log.Warn("discord request failed; retrying", "method", method, "route", redactURL(endpoint), "attempt", attempt, "in", wait, "err", err)
		if !sleep(ctx, wait) {
			return fmt.Errorf("discord: %s %s: %w", method, redactURL(endpoint), ctx.Err())
		}
		wait *= 2
	}
}

// requestJSON is request decoding the answer into out.
func (a *Adapter) requestJSON(ctx context.Context, method, endpoint, bucket string, payload any, files []upload, out any) error {
	resp, err := a.request(ctx, method, endpoint, bucket, payload, files)
	if err != nil {
		return err
	}
	if out == nil || len(resp) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("discord: decode %s %s: %w", method, redactURL(endpoint), err)
	}
	return nil
}

// transient is what is worth trying again: Discord's 5xx and network
// failures, and a 429 whose body is not JSON (Discord's edge answers so
// when it blocks a client for a while): discordgo cannot read it and
// gives up with the JSON error, the only one it returns from a call. 4xx
// are the adapter's mistakes (or a member's), and JSON 429s were already
// waited out by discordgo.
func transient(err error) bool {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return true
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		return re.Response != nil && re.Response.StatusCode >= 500
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return false
}

// apiCode is Discord's JSON error code in err, or 0.
func apiCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}

// httpStatus is the HTTP status of a failed REST call, or 0.
func httpStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// secretPath matches the path segments that hold an interaction or webhook
// token: they are credentials for 15 minutes and never reach the logs.
var secretPath = regexp.MustCompile(`(/(?:webhooks|interactions)/[0-9]+/)[^/?]+`)

func redactURL(u string) string { return secretPath.ReplaceAllString(u, "${1}…") }

// redact strips tokens from the URL a network error quotes.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	return err
}
