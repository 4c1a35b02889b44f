package discord

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/entraide/entraide/bot"
)

// onInteraction handles slash commands, button presses, modal submissions
// and autocomplete requests from the configured guilds (and presses on
// buttons the bot sent by direct message).
func (a *Adapter) onInteraction(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic.Interaction == nil {
		return
	}
	i := ic.Interaction
	log := a.log.With("guild", i.GuildID, "channel", i.ChannelID, "interaction", i.ID, "user", senderOf(i).ID)
	if i.GuildID != "" && !a.guilds[i.GuildID] {
		log.Warn("interaction from a guild that is not configured; ignored")
		return
	}
	ctx, inbox, ok := a.begin()
	if !ok {
		return
	}
	defer a.end()
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		d := i.ApplicationCommandData()
		a.learnResolved(d.Resolved)
		// Whether the answer is private is only a guess for a deferred
		// response, whose audience Discord fixes before the answer is
		// known; a wrong guess costs a removed "thinking…", never a wrong
		// audience.
		text, path, private := commandText(a.specsOf(inbox, i.GuildID), d)
		log.Info("slash command", "command", strings.Join(path, " "))
		a.answer(ctx, inbox, i, log, text, private)
	case discordgo.InteractionMessageComponent:
		d := i.MessageComponentData()
		b, ok := a.pressed(ctx, inbox, i, log, d.CustomID, "the button pressed")
		if !ok {
			return
		}
		if b.Ask != "" {
			title := b.Label
			if title == "" {
				title = labelOf(i.Message, d.CustomID)
			}
			log.Info("button pressed; asking", "payload", b.Payload)
			endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
			if _, err := a.request(ctx, "POST", endpoint, endpoint, modal(d.CustomID, title, b), nil); err != nil {
				log.Error("could not show the question", "err", err)
			}
			return
		}
		// What a press answers is for the presser alone (a vote's
		// acknowledgement: the card shows the vote to all), so a slow
		// answer is deferred privately.
		log.Info("button pressed", "payload", b.Payload)
		a.answer(ctx, inbox, i, log, b.Payload, true)
	case discordgo.InteractionModalSubmit:
		d := i.ModalSubmitData()
		b, ok := a.pressed(ctx, inbox, i, log, d.CustomID, "the question answered")
		if !ok {
			return
		}
		log.Info("question answered", "payload", b.Payload)
		a.answer(ctx, inbox, i, log, strings.TrimSpace(b.Payload+" "+answerOf(d)), true)
	case discordgo.InteractionApplicationCommandAutocomplete:
		choices := completions(ctx, inbox, a.specsOf(inbox, i.GuildID), i)
		if choices == nil {
			choices = []*discordgo.ApplicationCommandOptionChoice{}
		}
		endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
		resp := callback{Type: int(discordgo.InteractionApplicationCommandAutocompleteResult), Data: map[string]any{"choices": choices}}
		if _, err := a.request(ctx, "POST", endpoint, endpoint, resp, nil); err != nil {
			log.Warn("could not offer completions", "err", err)
		}
	}
}

// pressed is the button a custom_id stands for (what names it in the
// logs: the button pressed, the question answered). When the adapter no
// longer knows it, the presser is told the button has expired and ok is
// false.
func (a *Adapter) pressed(ctx context.Context, inbox bot.Inbox, i *discordgo.Interaction, log *slog.Logger, customID, what string) (b bot.Button, ok bool) {
	b, ok, err := a.buttons.decode(ctx, customID)
	if err != nil {
		log.Error("could not read "+what, "err", err)
	}
	if !ok {
		log.Warn("the adapter does not know (or no longer remembers) " + what)
		a.buttonExpired(ctx, inbox, i, log)
	}
	return b, ok
}

// pressDeferAfter is when a button press or a modal's answer is deferred:
// at once, since its answer waits for the card's edit, which may wait
// behind the channel's rate limit during a burst of votes, and a presser
// must be acknowledged within Discord's three seconds whatever the load.
const pressDeferAfter = 0

// answer runs the core on text and replies to the interaction. The core
// runs aside; if it has not answered after deferAfter, the interaction is
// acknowledged with a deferred response so that Discord's three seconds
// never run out, and the replies follow.
func (a *Adapter) answer(ctx context.Context, inbox bot.Inbox, i *discordgo.Interaction, log *slog.Logger, text string, predictPrivate bool) {
	x := &exchange{a: a, i: i, log: log, predictPrivate: predictPrivate}
	after := a.deferAfter
	if i.Type != discordgo.InteractionApplicationCommand {
		after = min(after, pressDeferAfter)
	}
	timer := time.NewTimer(after)
	defer timer.Stop()
	done := make(chan struct{})
	go func() {
		defer close(done)
		inbox.Receive(ctx, interactionAdapter{guildAdapter: guildAdapter{Adapter: a, guild: i.GuildID}, x: x}, a.interactionMessage(ctx, i, text))
	}()
	select {
	case <-done:
	case <-timer.C:
		x.deferNow(ctx)
		<-done
	}
	x.finish(ctx)
}

// interactionMessage is an interaction as the core reads it. Its ID is the
// interaction's: Discord delivers it again with the same ID after a
// resume, and the core records nothing twice.
func (a *Adapter) interactionMessage(ctx context.Context, i *discordgo.Interaction, text string) bot.Message {
	sender := senderOf(i)
	a.names.learn(sender)
	m := bot.Message{
		ID:       i.ID,
		Platform: Platform,
		Space:    i.GuildID,
		Room:     i.ChannelID,
		Sender:   userOf(sender),
		Text:     text,
		Direct:   i.GuildID == "",
	}
	if i.GuildID != "" {
		m.Thread = a.threadOf(ctx, i.ChannelID)
	}
	m.Mentions = a.mentions(ctx, i.GuildID, text)
	return m
}

// senderOf is who interacted: a guild member, or a user in a DM.
func senderOf(i *discordgo.Interaction) *discordgo.User {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User
	}
	if i.User != nil {
		return i.User
	}
	return &discordgo.User{}
}

// learnResolved keeps the names Discord sent with a command.
func (a *Adapter) learnResolved(r *discordgo.ApplicationCommandInteractionDataResolved) {
	if r == nil {
		return
	}
	for _, u := range r.Users {
		a.names.learn(u)
	}
}

// buttonExpired tells the member, privately, that the button no longer
// works.
func (a *Adapter) buttonExpired(ctx context.Context, inbox bot.Inbox, i *discordgo.Interaction, log *slog.Logger) {
	n, ok := inbox.(bot.Noticer)
	if !ok {
		log.Warn("the inbox has no notices; the expired button goes unanswered")
		return
	}
	text := n.Notice(Platform, i.ChannelID, bot.NoticeButtonExpired)
	x := &exchange{a: a, i: i, log: log}
	if _, err := x.deliver(ctx, bot.Reply{Text: text, Private: true}, true); err != nil {
		log.Warn("could not say the button expired", "err", err)
	}
}
