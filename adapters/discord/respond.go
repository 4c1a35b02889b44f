package discord

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// exchangeState is how far an interaction has been answered.
type exchangeState int

const (
	// fresh: nothing sent yet; the first reply is the response (type 4).
	fresh exchangeState = iota
	// deferred: acknowledged with type 5; Discord shows "thinking…" until
	// the first reply replaces it (PATCH @original).
	deferred
	// answered: the response exists; more replies are follow-ups.
	answered
	// expired: Discord no longer knows the interaction (it was answered
	// too late); replies go to the channel, or privately by DM.
	expired
)

// exchange answers one interaction. The core's replies to it arrive
// through interactionAdapter, one after the other; a timer may defer the
// response meanwhile, so every step holds mu.
type exchange struct {
	a   *Adapter
	i   *discordgo.Interaction
	log *slog.Logger
	// predictPrivate is the guess made when deferring: Discord fixes a
	// deferred response's audience before its content is known.
	predictPrivate bool

	mu              sync.Mutex
	state           exchangeState
	placeholder     bool // the deferred "thinking…" is still shown
	deferredPrivate bool
}

// interactionAdapter is the adapter as the core sees it while it answers
// one interaction: replies to the interaction go through the exchange,
// anything else (another room, a thread it opens) through the adapter.
type interactionAdapter struct {
	guildAdapter
	x *exchange
}

// guildAdapter is the adapter as the core sees it while it handles a
// command from one guild: what it makes per guild (a private space) goes
// to that guild's channels.
type guildAdapter struct {
	*Adapter
	guild string
}

func (g guildAdapter) CreatePrivateSpace(ctx context.Context, name string, members []bot.User) (string, error) {
	return g.createPrivateSpace(ctx, g.guild, name, members)
}

func (w interactionAdapter) Send(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	if w.x.owns(t) {
		return w.x.deliver(ctx, r, false)
	}
	return w.Adapter.Send(ctx, t, r)
}

func (w interactionAdapter) SendPrivate(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	if w.x.owns(t) {
		return w.x.deliver(ctx, r, true)
	}
	return w.Adapter.SendPrivate(ctx, t, r)
}

func (w interactionAdapter) SendButtons(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	if w.x.owns(t) {
		return w.x.deliver(ctx, r, r.Private)
	}
	return w.Adapter.SendButtons(ctx, t, r)
}

func (w interactionAdapter) SendFile(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	if w.x.owns(t) {
		return w.x.deliver(ctx, r, r.Private)
	}
	return w.Adapter.SendFile(ctx, t, r)
}

// owns tells replies to this interaction from other messages.
func (x *exchange) owns(t bot.Target) bool { return t.ReplyTo == x.i.ID }

// deliver sends one reply of the core, cut into several messages when it
// is long.
func (x *exchange) deliver(ctx context.Context, r bot.Reply, private bool) (bot.MessageID, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	out, err := x.a.render(ctx, r)
	if err != nil {
		return "", err
	}
	var id string
	for i := range out.chunks {
		mid, err := x.deliverOne(ctx, out, i, private)
		if err != nil {
			return bot.MessageID(id), err
		}
		id = mid
	}
	return bot.MessageID(id), nil
}

func (x *exchange) deliverOne(ctx context.Context, out rendered, i int, private bool) (string, error) {
	flags := 0
	if private {
		flags = flagEphemeral
	}
	switch x.state {
	case fresh:
		id, err := x.respond(ctx, out.payload(i, flags), out.filesFor(i))
		switch apiCode(err) {
		case 0:
			if err != nil {
				return "", err
			}
			x.state = answered
			return id, nil
		case codeAlreadyAcknowledged:
			// Discord delivered the interaction again (after a resume) and
			// the first delivery answered it: what the core says now is a
			// follow-up.
			x.log.Info("interaction already answered; following up")
			x.state = answered
		case codeUnknownInteraction:
			x.log.Warn("discord no longer knows the interaction; replying in the channel")
			x.state = expired
			return x.outside(ctx, out, i, private)
		default:
			return "", err
		}
	case deferred:
		if x.placeholder {
			x.placeholder = false
			if private == x.deferredPrivate {
				return x.editOriginal(ctx, out.payload(i, 0), out.filesFor(i))
			}
			// The guess was wrong: a public "thinking…" cannot become an
			// ephemeral answer, nor the reverse. Remove it and follow up
			// with the right audience.
			x.deleteOriginal(ctx)
		}
	case expired:
		return x.outside(ctx, out, i, private)
	}
	return x.followup(ctx, out.payload(i, flags), out.filesFor(i))
}

// callback is POST /interactions/{id}/{token}/callback.
type callback struct {
	Type int `json:"type"`
	Data any `json:"data,omitempty"`
}

// callbackResponse is what with_response=true returns: the message the
// response created.
type callbackResponse struct {
	Resource struct {
		Message *discordgo.Message `json:"message"`
	} `json:"resource"`
}

// respond creates the interaction's response with the reply. A callback
// retried after a transient failure that had in fact reached Discord is
// refused as already acknowledged: that is success, not a redelivery.
func (x *exchange) respond(ctx context.Context, p messagePayload, files []upload) (string, error) {
	endpoint := discordgo.EndpointInteractionResponse(x.i.ID, x.i.Token)
	contentType, body, err := encode(callback{Type: int(discordgo.InteractionResponseChannelMessageWithSource), Data: p}, files)
	if err != nil {
		return "", err
	}
	var resp []byte
	tried, acked := false, false
	err = x.a.retrying(ctx, "POST", endpoint, func() (err error) {
		resp, err = x.a.raw(ctx, "POST", endpoint+"?with_response=true", contentType, body, endpoint)
		if err != nil && tried && apiCode(err) == codeAlreadyAcknowledged {
			acked = true
			return nil
		}
		tried = true
		return err
	})
	if err != nil {
		return "", err
	}
	if acked {
		return x.originalID(ctx), nil
	}
	var cb callbackResponse
	if err := json.Unmarshal(resp, &cb); err == nil && cb.Resource.Message != nil {
		x.a.replies.remember(cb.Resource.Message.ID, x.i.AppID, x.i.Token)
		return cb.Resource.Message.ID, nil
	}
	return x.originalID(ctx), nil
}

// originalID asks Discord for the response's message ID, when the
// callback did not say it.
func (x *exchange) originalID(ctx context.Context) string {
	var m discordgo.Message
	endpoint := discordgo.EndpointInteractionResponseActions(x.i.AppID, x.i.Token)
	if err := x.a.requestJSON(ctx, "GET", endpoint, discordgo.EndpointWebhookToken(x.i.AppID, x.i.Token), nil, nil, &m); err != nil {
		x.log.Warn("could not learn the ID of the interaction's response", "err", err)
		return ""
	}
	x.a.replies.remember(m.ID, x.i.AppID, x.i.Token)
	return m.ID
}

// ack sends a response without content (deferral, silent update).
func (x *exchange) ack(ctx context.Context, typ discordgo.InteractionResponseType, flags int) error {
	endpoint := discordgo.EndpointInteractionResponse(x.i.ID, x.i.Token)
	var data any
	if flags != 0 {
		data = map[string]int{"flags": flags}
	}
	_, err := x.a.request(ctx, "POST", endpoint, endpoint, callback{Type: int(typ), Data: data}, nil)
	return err
}

// deferNow acknowledges the interaction when the core is slow, so that
// Discord does not give up on it after three seconds.
func (x *exchange) deferNow(ctx context.Context) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.state != fresh {
		return
	}
	flags := 0
	if x.predictPrivate {
		flags = flagEphemeral
	}
	err := x.ack(ctx, discordgo.InteractionResponseDeferredChannelMessageWithSource, flags)
	switch apiCode(err) {
	case 0:
		if err != nil {
			// The first reply will try to respond; if Discord gave up by
			// then, it goes to the channel.
			x.log.Error("could not defer the interaction", "err", err)
			return
		}
		x.log.Info("the core is slow: response deferred", "ephemeral", x.predictPrivate)
		x.state, x.placeholder, x.deferredPrivate = deferred, true, x.predictPrivate
	case codeAlreadyAcknowledged:
		x.state = answered
	case codeUnknownInteraction:
		x.state = expired
	default:
		x.log.Error("could not defer the interaction", "err", err)
	}
}

// finish runs once the core is done: an interaction the core said nothing
// to is still acknowledged (else Discord shows that it failed), and a
// "thinking…" nobody replaced is removed.
func (x *exchange) finish(ctx context.Context) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch x.state {
	case fresh:
		var err error
		if x.i.Type == discordgo.InteractionMessageComponent || x.i.Type == discordgo.InteractionModalSubmit {
			err = x.ack(ctx, discordgo.InteractionResponseDeferredMessageUpdate, 0)
		} else if err = x.ack(ctx, discordgo.InteractionResponseDeferredChannelMessageWithSource, flagEphemeral); err == nil {
			x.deleteOriginal(ctx)
		}
		if err != nil && apiCode(err) != codeAlreadyAcknowledged {
			x.log.Warn("could not acknowledge an interaction the core did not answer", "err", err)
		}
	case deferred:
		if x.placeholder {
			x.deleteOriginal(ctx)
		}
	}
}

// editOriginal replaces the deferred "thinking…" with the reply.
func (x *exchange) editOriginal(ctx context.Context, p messagePayload, files []upload) (string, error) {
	p.Flags = 0 // the audience was fixed by the deferral
	var m discordgo.Message
	endpoint := discordgo.EndpointInteractionResponseActions(x.i.AppID, x.i.Token)
	if err := x.a.requestJSON(ctx, "PATCH", endpoint, discordgo.EndpointWebhookToken(x.i.AppID, x.i.Token), p, files, &m); err != nil {
		return "", err
	}
	x.a.replies.remember(m.ID, x.i.AppID, x.i.Token)
	return m.ID, nil
}

func (x *exchange) deleteOriginal(ctx context.Context) {
	endpoint := discordgo.EndpointInteractionResponseActions(x.i.AppID, x.i.Token)
	if _, err := x.a.request(ctx, "DELETE", endpoint, discordgo.EndpointWebhookToken(x.i.AppID, x.i.Token), nil, nil); err != nil {
		x.log.Warn("could not remove the deferred response", "err", err)
	}
}

// followup posts one more message for the interaction.
func (x *exchange) followup(ctx context.Context, p messagePayload, files []upload) (string, error) {
	var m discordgo.Message
	endpoint := discordgo.EndpointFollowupMessage(x.i.AppID, x.i.Token)
	if err := x.a.requestJSON(ctx, "POST", endpoint+"?wait=true", discordgo.EndpointWebhookToken(x.i.AppID, x.i.Token), p, files, &m); err != nil {
		return "", err
	}
	x.a.replies.remember(m.ID, x.i.AppID, x.i.Token)
	return m.ID, nil
}

// outside delivers a reply to an interaction Discord no longer knows: in
// the channel, or by direct message when it is private.
func (x *exchange) outside(ctx context.Context, out rendered, i int, private bool) (string, error) {
	channel := x.i.ChannelID
	if private {
		dm, err := x.a.dmChannel(ctx, senderOf(x.i).ID)
		if err != nil {
			return "", err
		}
		channel = dm
	}
	p := out.payload(i, 0)
	p.Nonce, p.EnforceNonce = nonce(), true
	var m discordgo.Message
	endpoint := discordgo.EndpointChannelMessages(channel)
	if err := x.a.requestJSON(ctx, "POST", endpoint, endpoint, p, out.filesFor(i), &m); err != nil {
		return "", err
	}
	return m.ID, nil
}

// interactionMessages remembers which messages answered an interaction,
// with the token that can still edit them (Discord keeps it 15 minutes).
type interactionMessages struct {
	mu sync.Mutex
	m  map[string]tokenRef
}

type tokenRef struct {
	app, token string
	expires    time.Time
}

// tokenLife is a little less than Discord's 15 minutes.
const tokenLife = 14 * time.Minute

func newInteractionMessages() *interactionMessages {
	return &interactionMessages{m: map[string]tokenRef{}}
}

func (s *interactionMessages) remember(id, app, token string) {
	if id == "" {
		return
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if now.After(v.expires) {
			delete(s.m, k)
		}
	}
	s.m[id] = tokenRef{app: app, token: token, expires: now.Add(tokenLife)}
}

func (s *interactionMessages) token(id string) (app, token string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[id]
	if !ok || time.Now().After(v.expires) {
		return "", "", false
	}
	return v.app, v.token, true
}
