// Package console is the chat on standard input and output: the embedded
// default when no platform is configured, and the harness of transcript
// tests. A line "NAME: text" is said by console member NAME; any other line
// by the default member. "@NAME" mentions a known console member. A line may
// start with "[ID]" to give its event ID, so a script can redeliver an
// event on purpose. "NAME@ROOM: text" is said in another room: a private
// space the bot made ("bob@private-1: …", members only) or any other
// room, such as a moderators' room ("ana@moderateurs: …").
package console

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/entraide/entraide/bot"
)

// Platform is the name identities of console members carry in the ledger.
const Platform = "console"

// Room is the one room of the console.
const Room = "console"

// Options configure the console.
type Options struct {
	In  io.Reader
	Out io.Writer
	// As is the member who says lines that name nobody.
	As string
	// Members are the console members that may be mentioned before they
	// have spoken.
	Members []string
	// Known lists more members to recognise (those the ledger already
	// knows); it is called once, when Run starts.
	Known func(ctx context.Context) ([]string, error)
	// BotName is how the bot is mentioned ("@entraide").
	BotName string
	// RunID prefixes event IDs. Replaying a script with the same RunID
	// redelivers the same events, which the ledger records once.
	RunID string
	// Prompt shows "NAME> " before each line, for interactive use.
	Prompt bool
	// FileDir is where attachments are saved.
	FileDir string
	// Spaces lists the private spaces made before this console started
	// (room → member IDs), so that they keep their members and new ones
	// get other names; it is called once, at first need.
	Spaces func(ctx context.Context) (map[string][]string, error)
	// Say words the console's own notices (bot.MsgConsole…) in the
	// community's language; French when nil.
	Say func(id string, data any) string
}

// Adapter is the console chat.
type Adapter struct {
	opts Options

	mu      sync.Mutex // guards out, known, spaces and threads
	out     *bufio.Writer
	known   map[string]bool
	spaces  map[string][]string // private space → member IDs
	loaded  bool                // Options.Spaces was read
	threads int
}

// New returns a console adapter; In and Out default to stdin and stdout.
func New(opts Options) *Adapter {
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.As == "" {
		opts.As = "me"
	}
	if opts.BotName == "" {
		opts.BotName = "entraide"
	}
	if opts.RunID == "" {
		var b [6]byte
		rand.Read(b[:])
		opts.RunID = hex.EncodeToString(b[:])
	}
	if opts.FileDir == "" {
		opts.FileDir = "."
	}
	if opts.Say == nil {
		opts.Say = frenchNotices()
	}
	// A buffer larger than any reply lets each reply reach Out in one write.
	a := &Adapter{opts: opts, out: bufio.NewWriterSize(opts.Out, 64*1024), known: map[string]bool{}, spaces: map[string][]string{}}
	a.know(opts.As)
	for _, m := range opts.Members {
		a.know(m)
	}
	return a
}

// Platform implements bot.Adapter.
func (a *Adapter) Platform() string { return Platform }

var (
	speakerLine = regexp.MustCompile(`^([\p{L}\p{N}_.-]{1,32})(?:@([\p{L}\p{N}_.-]{1,32}))?:\s+(.*)$`)
	eventIDLine = regexp.MustCompile(`^\[([^\]\s]{1,64})\]\s+(.*)$`)
)

// Run reads lines until EOF or until ctx ends. Each line is handled, and its
// replies written, before the next is read, so a script's output is in order.
func (a *Adapter) Run(ctx context.Context, inbox bot.Inbox) error {
	if a.opts.Known != nil {
		names, err := a.opts.Known(ctx)
		if err != nil {
			return fmt.Errorf("console: list known members: %w", err)
		}
		for _, n := range names {
			a.know(n)
		}
	}
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(a.opts.In)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	n := 0
	for {
		a.prompt()
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return <-errc
			}
			n++
			m, ok := a.parse(line, n)
			if !ok {
				continue
			}
			inbox.Receive(ctx, a, m)
		}
	}
}

func (a *Adapter) prompt() {
	if !a.opts.Prompt {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, "%s> ", a.opts.As)
	a.out.Flush()
}

// parse turns a line into a message; blank lines and "#" comments are not
// messages.
func (a *Adapter) parse(line string, n int) (bot.Message, bool) {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return bot.Message{}, false
	}
	id := a.opts.RunID + ":" + strconv.Itoa(n)
	if m := eventIDLine.FindStringSubmatch(line); m != nil {
		id, line = m[1], m[2]
	}
	who, room, text := a.opts.As, "", line
	if m := speakerLine.FindStringSubmatch(line); m != nil {
		who, room, text = m[1], strings.ToLower(m[2]), m[3]
	}
	who = strings.ToLower(who)
	if room == "" {
		room = Room
	}
	if members, private := a.spaceMembers(room); private && !slices.Contains(members, who) {
		// A platform would not even show them the space.
		a.write("", a.opts.Say(bot.MsgConsoleNotMember, map[string]any{"Name": who, "Room": room}))
		return bot.Message{}, false
	}
	a.know(who)
	return bot.Message{
		ID:       id,
		Platform: Platform,
		Room:     room,
		Sender:   bot.User{ID: who, Name: who},
		Text:     text,
		Mentions: a.mentions(text),
		Direct:   room == Room,
		Local:    true,
	}, true
}

// spaceMembers lists a private space's members; private is false when room
// is not one.
func (a *Adapter) spaceMembers(room string) (members []string, private bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.loadSpacesLocked()
	members, private = a.spaces[room]
	return members, private
}

// loadSpacesLocked reads the spaces made before this console started, once.
func (a *Adapter) loadSpacesLocked() {
	if a.loaded || a.opts.Spaces == nil {
		return
	}
	a.loaded = true
	spaces, err := a.opts.Spaces(context.Background())
	if err != nil {
		fmt.Fprintln(a.out, a.opts.Say(bot.MsgConsoleSpacesUnreadable, map[string]any{"Reason": err.Error()}))
		return
	}
	for room, members := range spaces {
		a.spaces[room] = members
	}
}

// mentions resolves "@name" tokens of known members and of the bot; other
// "@words" stay unresolved, and the core says it doesn't know them.
func (a *Adapter) mentions(text string) []bot.Mention {
	var out []bot.Mention
	seen := map[string]bool{}
	for _, tok := range strings.Fields(text) {
		tok = strings.TrimRight(tok, ",;:.!?")
		if len(tok) < 2 || tok[0] != '@' || seen[tok] {
			continue
		}
		name := strings.ToLower(tok[1:])
		switch {
		case name == strings.ToLower(a.opts.BotName):
			out = append(out, bot.Mention{Text: tok, User: bot.User{ID: name, Name: name}, IsBot: true})
		case a.isKnown(name):
			out = append(out, bot.Mention{Text: tok, User: bot.User{ID: name, Name: name}})
		default:
			continue
		}
		seen[tok] = true
	}
	return out
}

func (a *Adapter) know(name string) {
	a.mu.Lock()
	a.known[strings.ToLower(name)] = true
	a.mu.Unlock()
}

func (a *Adapter) isKnown(name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.known[name]
}

// Send implements bot.Adapter. Messages to a private space are prefixed
// with its name.
func (a *Adapter) Send(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	return "", a.write(roomPrefix(t)+a.opts.BotName+": ", r.Text)
}

// SendPrivate implements bot.PrivateSender: on a shared terminal the lock
// only marks what a chat platform would show to the sender alone.
func (a *Adapter) SendPrivate(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	return "", a.write(a.opts.BotName+" 🔒 "+t.User.ID+": ", r.Text)
}

// CreatePrivateSpace implements bot.PrivateSpaceCreator: the console keeps
// the member list, and what the bot says there is prefixed with the room.
func (a *Adapter) CreatePrivateSpace(ctx context.Context, name string, members []bot.User) (string, error) {
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.loadSpacesLocked()
	n := len(a.spaces) + 1
	for {
		if _, taken := a.spaces[fmt.Sprintf("private-%d", n)]; !taken {
			break
		}
		n++
	}
	room := fmt.Sprintf("private-%d", n)
	a.spaces[room] = ids
	return room, nil
}

// AddToPrivateSpace implements bot.PrivateSpaceEditor.
func (a *Adapter) AddToPrivateSpace(ctx context.Context, room string, u bot.User) error {
	return a.editSpace(room, func(members []string) []string {
		if slices.Contains(members, u.ID) {
			return members
		}
		return append(members, u.ID)
	})
}

// RemoveFromPrivateSpace implements bot.PrivateSpaceEditor.
func (a *Adapter) RemoveFromPrivateSpace(ctx context.Context, room string, u bot.User) error {
	return a.editSpace(room, func(members []string) []string {
		return slices.DeleteFunc(members, func(m string) bool { return m == u.ID })
	})
}

// editSpace replaces the member list of a private space with what edit
// makes of it, under the lock, with the spaces the bot recorded loaded.
func (a *Adapter) editSpace(room string, edit func(members []string) []string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.loadSpacesLocked()
	members, ok := a.spaces[room]
	if !ok {
		return fmt.Errorf("console: no private space %s", room)
	}
	a.spaces[room] = edit(members)
	return nil
}

// OpenThread implements bot.ThreadOpener: what the bot says in the thread
// is prefixed with its name.
func (a *Adapter) OpenThread(ctx context.Context, t bot.Target, title string) (string, error) {
	a.mu.Lock()
	a.threads++
	thread := fmt.Sprintf("thread-%d", a.threads)
	a.mu.Unlock()
	return thread, a.write(roomPrefix(bot.Target{Room: t.Room, Thread: thread}), title)
}

// SpaceMembers lists the members of a private space the console made.
func (a *Adapter) SpaceMembers(room string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.loadSpacesLocked()
	return append([]string(nil), a.spaces[room]...)
}

// roomPrefix names where a message goes when it is not the main room:
// "[private-1] ", "[🧵 thread-2] " or "[private-1 🧵 thread-3] ".
func roomPrefix(t bot.Target) string {
	var where []string
	if t.Room != "" && t.Room != Room {
		where = append(where, t.Room)
	}
	if t.Thread != "" {
		where = append(where, "🧵 "+t.Thread)
	}
	if len(where) == 0 {
		return ""
	}
	return "[" + strings.Join(where, " ") + "] "
}

// write prints a reply; continuation lines are indented so a reader (or a
// transcript) can tell where a reply ends.
func (a *Adapter) write(prefix, text string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	lines := strings.Split(text, "\n")
	fmt.Fprintln(a.out, prefix+lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintln(a.out, "  "+l)
	}
	return a.out.Flush()
}

// SendFile implements bot.FileSender by saving the file and naming it.
func (a *Adapter) SendFile(ctx context.Context, t bot.Target, r bot.Reply) (bot.MessageID, error) {
	// Exports are a member's statement or a case's notes: private to the
	// account that runs the bot, whatever the umask, even when a file of
	// the same name was there before.
	if err := os.MkdirAll(a.opts.FileDir, 0o700); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	path := filepath.Join(a.opts.FileDir, filepath.Base(r.File.Name))
	if err := os.WriteFile(path, r.File.Data, 0o600); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	text := r.Text + "\n📎 " + path
	if r.Private {
		return a.SendPrivate(ctx, t, bot.Reply{Text: text})
	}
	return a.Send(ctx, t, bot.Reply{Text: text})
}

// frenchNotices words the console's notices in French, the default
// language, when the caller named none.
func frenchNotices() func(id string, data any) string {
	cat, err := bot.NewCatalog()
	if err != nil {
		return func(id string, _ any) string { return "[" + id + "]" }
	}
	return cat.In("fr").S
}
