package bot

import (
	"slices"
	"strings"
	"unicode"
)

// Command is one node of the command tree: an English name, aliases
// (French first), usage and summary message IDs, who may run it, and either
// a handler or subcommands.
type Command struct {
	Name      string
	Aliases   []string
	Usage     string // message ID of the usage line
	Summary   string // message ID of a one-line description
	Moderator bool
	Run       func(*request) error
	Sub       []*Command
	// Options describe the arguments for platforms with native commands,
	// in the order the text form takes them.
	Options []Option
	// Hidden commands are left out of /help: they repeat their parent for
	// platforms where a command group cannot run by itself.
	Hidden bool
	// Private commands answer only the member who asked; platforms that
	// must choose an answer's audience before it is known (Discord's
	// deferred replies) read it from the Spec.
	Private bool

	parent *Command
}

// path is the command as typed in lang: "/commons give" or "/communs donner".
func (c *Command) path(lang string) string {
	name := c.Name
	if lang == "fr" && len(c.Aliases) > 0 {
		name = c.Aliases[0]
	}
	if c.parent != nil {
		return c.parent.path(lang) + " " + name
	}
	return "/" + name
}

func (c *Command) matches(word string) bool {
	if strings.EqualFold(word, c.Name) {
		return true
	}
	for _, a := range c.Aliases {
		if strings.EqualFold(word, a) {
			return true
		}
	}
	return false
}

// commandTree declares every command. /help is generated from it.
func (b *Bot) commandTree() []*Command {
	amount := Option{Name: "amount", Names: map[string]string{"fr": "duree"}, Description: msgOptionAmount, Kind: OptionText, Required: true}
	members := Option{Name: "members", Names: map[string]string{"fr": "membres"}, Description: msgOptionMembers, Kind: OptionMembers, Required: true}
	note := Option{Name: "note", Names: map[string]string{"fr": "note"}, Description: msgOptionNote, Kind: OptionText, Prefix: "for "}
	category := Option{Name: "category", Names: map[string]string{"fr": "categorie"}, Description: msgOptionCategory, Kind: OptionCategory, Prefix: "#"}
	member := Option{Name: "member", Names: map[string]string{"fr": "membre"}, Description: msgOptionMember, Kind: OptionMember}
	page := Option{Name: "page", Names: map[string]string{"fr": "page"}, Description: msgOptionPage, Kind: OptionInteger}
	giveOptions := []Option{amount, members, note, category}
	number := Option{Name: "number", Names: map[string]string{"fr": "numero"}, Description: msgOptionProposalNumber, Kind: OptionInteger, Required: true,
		Complete: CompleteOpenProposals}
	paymentNumber := Option{Name: "number", Names: map[string]string{"fr": "numero"}, Description: msgOptionPaymentNumber, Kind: OptionInteger, Required: true}
	tree := []*Command{
		{Name: "give", Aliases: []string{"donner", "donne"}, Usage: msgUsageGive, Summary: msgSummaryGive, Run: cmdGive, Options: giveOptions},
		{Private: true, Name: "balance", Aliases: []string{"solde"}, Usage: msgUsageBalance, Summary: msgSummaryBalance, Run: cmdBalance, Options: []Option{member}},
		{Private: true, Name: "history", Aliases: []string{"historique"}, Usage: msgUsageHistory, Summary: msgSummaryHistory, Run: cmdHistory, Options: []Option{member, page}},
		{Name: "undo", Aliases: []string{"annuler"}, Usage: msgUsageUndo, Summary: msgSummaryUndo, Run: cmdUndo},
		{Name: "reverse", Aliases: []string{"corriger"}, Usage: msgUsageReverse, Summary: msgSummaryReverse, Moderator: true, Run: cmdReverse, Options: []Option{
			{Name: "entry", Names: map[string]string{"fr": "ecriture"}, Description: msgOptionEntry, Kind: OptionInteger, Required: true},
			{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionReason, Kind: OptionText, Required: true},
		}},
		{Name: "commons", Aliases: []string{"communs", "commun"}, Usage: msgUsageCommons, Summary: msgSummaryCommons, Run: cmdCommonsBalance, Sub: []*Command{
			{Name: "balance", Aliases: []string{"solde"}, Usage: msgUsageCommons, Summary: msgSummaryCommons, Run: cmdCommonsBalance, Hidden: true},
			{Name: "give", Aliases: []string{"donner"}, Usage: msgUsageCommonsGive, Summary: msgSummaryCommonsGive, Moderator: true, Run: cmdCommonsGive, Options: giveOptions},
			{Name: "history", Aliases: []string{"historique"}, Usage: msgUsageCommonsHistory, Summary: msgSummaryCommonsHistory, Run: cmdCommonsHistory, Options: []Option{page}},
			{Private: true, Name: "pending", Aliases: []string{"attente", "en-attente"}, Usage: msgUsageCommonsPending, Summary: msgSummaryCommonsPending, Run: cmdCommonsPending},
			{Name: "approve", Aliases: []string{"approuver"}, Usage: msgUsageCommonsApprove, Summary: msgSummaryCommonsApprove, Moderator: true, Run: cmdCommonsApprove, Options: []Option{paymentNumber}},
			{Name: "reject", Aliases: []string{"refuser"}, Usage: msgUsageCommonsReject, Summary: msgSummaryCommonsReject, Run: cmdCommonsReject, Options: []Option{paymentNumber,
				{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionRejectReason, Kind: OptionText}}},
		}},
		{Private: true, Name: "export", Aliases: []string{"exporter"}, Usage: msgUsageExport, Summary: msgSummaryExport, Run: cmdExport},
		{Private: true, Name: "link", Aliases: []string{"lier"}, Usage: msgUsageLink, Summary: msgSummaryLink, Run: cmdLink, Options: []Option{
			{Name: "code", Names: map[string]string{"fr": "code"}, Description: msgOptionCode, Kind: OptionText},
		}},
		{Private: true, Name: "unlink", Aliases: []string{"delier"}, Usage: msgUsageUnlink, Summary: msgSummaryUnlink, Run: cmdUnlink},
		{Name: "propose", Aliases: []string{"proposer"}, Usage: msgUsagePropose, Summary: msgSummaryPropose, Run: cmdPropose, Options: []Option{
			{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionProposalText, Kind: OptionText, Required: true},
			{Name: "deadline", Names: map[string]string{"fr": "echeance"}, Description: msgOptionDeadline, Kind: OptionText, Prefix: "until "},
			{Name: "group", Names: map[string]string{"fr": "groupe"}, Description: msgOptionProposalGroup, Kind: OptionText, Prefix: "group:", Complete: CompleteGroups},
		}},
		{Name: "consent", Aliases: []string{"consens", "consentir"}, Usage: msgUsageConsent, Summary: msgSummaryConsent, Run: cmdConsent, Options: []Option{number}},
		{Name: "concern", Aliases: []string{"reserve", "réserve"}, Usage: msgUsageConcern, Summary: msgSummaryConcern, Run: cmdConcern, Options: []Option{number,
			{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionConcern, Kind: OptionText, Required: true},
		}},
		{Name: "standaside", Aliases: []string{"abstention", "stand-aside"}, Usage: msgUsageStandAside, Summary: msgSummaryStandAside, Run: cmdStandAside, Options: []Option{number}},
		{Name: "object", Aliases: []string{"objection", "objecter"}, Usage: msgUsageObject, Summary: msgSummaryObject, Run: cmdObject, Options: []Option{number,
			{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionObjection, Kind: OptionText, Required: true},
		}},
		{Name: "withdraw", Aliases: []string{"retirer"}, Usage: msgUsageWithdraw, Summary: msgSummaryWithdraw, Run: cmdWithdraw, Options: []Option{number}},
		{Name: "amend", Aliases: []string{"amender"}, Usage: msgUsageAmend, Summary: msgSummaryAmend, Run: cmdAmend, Options: []Option{number,
			{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionAmendment, Kind: OptionText, Required: true},
		}},
		{Name: "resolve", Aliases: []string{"resoudre", "résoudre"}, Usage: msgUsageResolve, Summary: msgSummaryResolve, Moderator: true, Run: cmdResolve, Options: []Option{number,
			{Name: "member", Names: map[string]string{"fr": "membre"}, Description: msgOptionObjector, Kind: OptionMember, Required: true},
			{Name: "resolution", Names: map[string]string{"fr": "resolution"}, Description: msgOptionResolution, Kind: OptionText, Required: true},
			{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionResolutionReason, Kind: OptionText, Required: true},
		}},
		{Name: "close", Aliases: []string{"clore"}, Usage: msgUsageClose, Summary: msgSummaryClose, Run: cmdClose, Options: []Option{number,
			{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionCloseReason, Kind: OptionText},
		}},
		{Name: "proposal", Aliases: []string{"proposition"}, Usage: msgUsageProposal, Summary: msgSummaryProposal, Run: cmdProposal, Options: []Option{number}},
		{Private: true, Name: "decisions", Aliases: []string{"décisions"}, Usage: msgUsageDecisions, Summary: msgSummaryDecisions, Run: cmdDecisions, Options: []Option{
			{Name: "which", Names: map[string]string{"fr": "lesquelles"}, Description: msgOptionDecisionsFilter, Kind: OptionText},
		}},
		{Private: true, Name: "help", Aliases: []string{"aide"}, Usage: msgUsageHelp, Summary: msgSummaryHelp, Run: cmdHelp, Options: []Option{
			{Name: "command", Names: map[string]string{"fr": "commande"}, Description: msgOptionCommand, Kind: OptionText},
		}},
	}
	tree = slices.Insert(tree, len(tree)-1, b.groupCommands()...)    // before /help
	tree = slices.Insert(tree, len(tree)-1, b.conflictCommands()...) // before /help
	tree = slices.Insert(tree, len(tree)-1, aidCommands()...)        // before /help
	var link func(parent *Command, cs []*Command)
	link = func(parent *Command, cs []*Command) {
		for _, c := range cs {
			c.parent = parent
			link(c, c.Sub)
		}
	}
	link(nil, tree)
	return tree
}

// splitCommand takes "/give 2h @ana" (or "!give …") apart. Text that is
// not a command gives ok == false.
func splitCommand(text string) (name, rest string, ok bool) {
	text = strings.TrimSpace(text)
	if len(text) < 2 || (text[0] != '/' && text[0] != '!') {
		return "", "", false
	}
	text = text[1:]
	end := strings.IndexFunc(text, unicode.IsSpace)
	if end < 0 {
		return text, "", text != ""
	}
	return text[:end], strings.TrimSpace(text[end:]), true
}

// find walks the tree: the named command, then a subcommand named by the
// first argument, if any.
func (b *Bot) find(cs []*Command, name, rest string) (*Command, []string) {
	args := strings.Fields(rest)
	for _, c := range cs {
		if !c.matches(name) {
			continue
		}
		if len(args) > 0 && len(c.Sub) > 0 {
			for _, s := range c.Sub {
				if s.matches(args[0]) {
					return s, args[1:]
				}
			}
		}
		return c, args
	}
	return nil, nil
}
