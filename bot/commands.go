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

// commandTree declares every command, with the working groups', the
// conflicts' and the offers-and-needs' commands below it in this file.
// /help is generated from it.
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

// conflictCommands declares /conflict and /council.
func (b *Bot) conflictCommands() []*Command {
	number := Option{Name: "number", Names: map[string]string{"fr": "numero"}, Description: msgOptionCaseNumber, Kind: OptionInteger, Required: true}
	optNumber := number
	optNumber.Required = false
	member := Option{Name: "member", Names: map[string]string{"fr": "membre"}, Description: msgOptionCaseMember, Kind: OptionMember, Required: true}
	summary := Option{Name: "summary", Names: map[string]string{"fr": "resume"}, Description: msgOptionCaseSummary, Kind: OptionText, Required: true}
	return []*Command{
		// /help lists the subcommands; /conflict alone is /conflict status.
		{Name: "conflict", Aliases: []string{"conflit"}, Usage: msgUsageConflict, Summary: msgSummaryConflict, Run: cmdConflictStatus, Hidden: true, Sub: []*Command{
			{Name: "request", Aliases: []string{"demande", "demander"}, Usage: msgUsageConflictRequest, Summary: msgSummaryConflictRequest, Run: cmdConflictRequest, Options: []Option{
				{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionCaseRequestText, Kind: OptionText, Required: true}}},
			{Name: "open", Aliases: []string{"ouvrir"}, Usage: msgUsageConflictOpen, Summary: msgSummaryConflictOpen, Moderator: true, Run: cmdConflictOpen, Options: []Option{
				{Name: "request", Names: map[string]string{"fr": "demande"}, Description: msgOptionCaseRequest, Kind: OptionInteger, Prefix: "request "},
				{Name: "parties", Names: map[string]string{"fr": "parties"}, Description: msgOptionCaseParties, Kind: OptionMembers},
				{Name: "mediators", Names: map[string]string{"fr": "mediateurs"}, Description: msgOptionCaseMediators, Kind: OptionMembers, Prefix: "mediator "},
				{Name: "topic", Names: map[string]string{"fr": "sujet"}, Description: msgOptionCaseTopic, Kind: OptionText, Prefix: "about "}}},
			{Name: "status", Aliases: []string{"etat", "état", "statut"}, Usage: msgUsageConflictStatus, Summary: msgSummaryConflictStatus, Run: cmdConflictStatus, Options: []Option{optNumber}},
			{Name: "note", Aliases: []string{"note", "noter"}, Usage: msgUsageConflictNote, Summary: msgSummaryConflictNote, Run: cmdConflictNote, Options: []Option{number,
				{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionCaseNote, Kind: OptionText, Required: true}}},
			{Name: "add", Aliases: []string{"ajouter"}, Usage: msgUsageConflictAdd, Summary: msgSummaryConflictAdd, Run: cmdConflictAdd, Options: []Option{number, member,
				{Name: "role", Names: map[string]string{"fr": "role"}, Description: msgOptionCaseRole, Kind: OptionText}}},
			{Name: "remove", Aliases: []string{"retirer"}, Usage: msgUsageConflictRemove, Summary: msgSummaryConflictRemove, Run: cmdConflictRemove, Options: []Option{number, member}},
			{Name: "mediate", Aliases: []string{"mediation", "médiation"}, Usage: msgUsageConflictMediate, Summary: msgSummaryConflictMediate, Run: cmdConflictMediate, Options: []Option{number}},
			{Name: "agree", Aliases: []string{"accord"}, Usage: msgUsageConflictAgree, Summary: msgSummaryConflictAgree, Run: cmdConflictAgree, Options: []Option{number, summary}},
			{Name: "close", Aliases: []string{"clore", "fermer"}, Usage: msgUsageConflictClose, Summary: msgSummaryConflictClose, Run: cmdConflictClose, Options: []Option{number, summary}},
			{Name: "escalate", Aliases: []string{"saisir", "conseil"}, Usage: msgUsageConflictEscalate, Summary: msgSummaryConflictEscalate, Run: cmdConflictEscalate, Options: []Option{number,
				{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionCaseReason, Kind: OptionText}}},
			{Name: "list", Aliases: []string{"liste"}, Usage: msgUsageConflictList, Summary: msgSummaryConflictList, Moderator: true, Run: cmdConflictList, Options: []Option{
				{Name: "which", Names: map[string]string{"fr": "lesquels"}, Description: msgOptionCaseWhich, Kind: OptionText}}},
		}},
		{Name: "council", Aliases: []string{"conseil"}, Usage: msgUsageCouncil, Summary: msgSummaryCouncil, Run: cmdCouncilShow, Sub: []*Command{
			{Name: "show", Aliases: []string{"voir"}, Usage: msgUsageCouncil, Summary: msgSummaryCouncil, Run: cmdCouncilShow, Hidden: true},
			{Name: "draw", Aliases: []string{"tirage", "tirer"}, Usage: msgUsageCouncilDraw, Summary: msgSummaryCouncilDraw, Moderator: true, Run: cmdCouncilDraw, Options: []Option{
				{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionDrawReason, Kind: OptionText}}},
		}},
	}
}

// commandPath is a command as typed in lang: "/conflit etat".
func (b *Bot) commandPath(lang string, names ...string) string {
	cs := b.commands
	var found *Command
	for _, name := range names {
		found = nil
		for _, c := range cs {
			if c.Name == name {
				found = c
			}
		}
		if found == nil {
			return "/" + strings.Join(names, " ")
		}
		cs = found.Sub
	}
	return found.path(lang)
}

// groupCommands declares /group, /remind, /newsletter and /news.
func (b *Bot) groupCommands() []*Command {
	name := Option{Name: "name", Names: map[string]string{"fr": "nom"}, Description: msgOptionGroupName, Kind: OptionText, Required: true}
	optName := name
	optName.Required = false
	group := Option{Name: "group", Names: map[string]string{"fr": "groupe"}, Description: msgOptionGroup, Kind: OptionText, Required: true, Complete: CompleteGroups}
	optGroup := group
	optGroup.Required = false
	id := Option{Name: "reminder", Names: map[string]string{"fr": "rappel"}, Description: msgOptionReminderID, Kind: OptionInteger, Required: true}
	newsID := Option{Name: "news", Names: map[string]string{"fr": "breve"}, Description: msgOptionNewsID, Kind: OptionInteger, Required: true}
	cmds := []*Command{
		{Name: "group", Aliases: []string{"groupe"}, Usage: msgUsageGroup, Summary: msgSummaryGroup, Run: cmdGroupList, Sub: []*Command{
			{Name: "create", Aliases: []string{"creer", "créer"}, Usage: msgUsageGroupCreate, Summary: msgSummaryGroupCreate, Run: cmdGroupCreate, Options: []Option{name}},
			{Name: "join", Aliases: []string{"rejoindre"}, Usage: msgUsageGroupJoin, Summary: msgSummaryGroupJoin, Run: cmdGroupJoin, Options: []Option{name}},
			{Name: "leave", Aliases: []string{"quitter"}, Usage: msgUsageGroupLeave, Summary: msgSummaryGroupLeave, Run: cmdGroupLeave, Options: []Option{name}},
			{Name: "list", Aliases: []string{"liste"}, Usage: msgUsageGroupList, Summary: msgSummaryGroupList, Run: cmdGroupList, Hidden: true},
			{Name: "info", Aliases: []string{"infos"}, Usage: msgUsageGroupInfo, Summary: msgSummaryGroupInfo, Run: cmdGroupInfo, Options: []Option{optName}},
			{Name: "pings", Aliases: []string{"mentions"}, Usage: msgUsageGroupPings, Summary: msgSummaryGroupPings, Run: cmdGroupPings, Options: []Option{optName,
				{Name: "state", Names: map[string]string{"fr": "etat"}, Description: msgOptionPingsState, Kind: OptionText, Required: true}}},
			{Name: "timezone", Aliases: []string{"fuseau"}, Usage: msgUsageGroupTimezone, Summary: msgSummaryGroupTimezone, Run: cmdGroupTimezone, Options: []Option{name,
				{Name: "zone", Names: map[string]string{"fr": "zone"}, Description: msgOptionZone, Kind: OptionText, Required: true}}},
		}},
		{Name: "remind", Aliases: []string{"rappel", "rappeler"}, Usage: msgUsageRemind, Summary: msgSummaryRemind, Run: cmdRemindAdd, Sub: []*Command{
			{Name: "add", Aliases: []string{"ajouter"}, Usage: msgUsageRemind, Summary: msgSummaryRemind, Run: cmdRemindAdd, Hidden: true, Options: []Option{group,
				{Name: "when", Names: map[string]string{"fr": "quand"}, Description: msgOptionWhen, Kind: OptionText, Required: true},
				{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionReminderText, Kind: OptionText, Required: true}}},
			{Name: "list", Aliases: []string{"liste"}, Usage: msgUsageRemindList, Summary: msgSummaryRemindList, Run: cmdRemindList, Options: []Option{optGroup}},
			{Name: "cancel", Aliases: []string{"annuler"}, Usage: msgUsageRemindCancel, Summary: msgSummaryRemindCancel, Run: cmdRemindCancel, Options: []Option{id}},
			{Name: "pause", Aliases: []string{"suspendre"}, Usage: msgUsageRemindPause, Summary: msgSummaryRemindPause, Run: cmdRemindPause, Options: []Option{id}},
			{Name: "resume", Aliases: []string{"reprendre"}, Usage: msgUsageRemindResume, Summary: msgSummaryRemindResume, Run: cmdRemindResume, Options: []Option{id}},
			{Name: "skip", Aliases: []string{"sauter"}, Usage: msgUsageRemindSkip, Summary: msgSummaryRemindSkip, Run: cmdRemindSkip, Options: []Option{id}},
		}},
		{Name: "newsletter", Aliases: []string{"journal"}, Usage: msgUsageNewsletter, Summary: msgSummaryNewsletter, Run: cmdNewsletterPreview, Sub: []*Command{
			{Name: "preview", Aliases: []string{"apercu", "aperçu"}, Usage: msgUsageNewsletterPreview, Summary: msgSummaryNewsletterPreview, Run: cmdNewsletterPreview, Hidden: true},
			{Name: "send", Aliases: []string{"envoyer"}, Usage: msgUsageNewsletterSend, Summary: msgSummaryNewsletterSend, Moderator: true, Run: cmdNewsletterSend},
			{Name: "optout", Aliases: []string{"anonyme"}, Usage: msgUsageNewsletterOptOut, Summary: msgSummaryNewsletterOptOut, Run: cmdNewsletterOptOut},
			{Name: "optin", Aliases: []string{"nominatif"}, Usage: msgUsageNewsletterOptIn, Summary: msgSummaryNewsletterOptIn, Run: cmdNewsletterOptIn},
			{Private: true, Name: "edito", Aliases: []string{"édito", "editorial"}, Usage: msgUsageNewsletterEditorial, Summary: msgSummaryNewsletterEditorial,
				Moderator: true, Run: cmdNewsletterEditorial, Options: []Option{
					{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionEditorialText, Kind: OptionText, Required: true}}},
		}},
		{Name: "news", Aliases: []string{"breve", "brève", "nouvelle"}, Usage: msgUsageNews, Summary: msgSummaryNews, Run: cmdNewsSubmit, Sub: []*Command{
			{Name: "submit", Aliases: []string{"proposer"}, Usage: msgUsageNews, Summary: msgSummaryNews, Run: cmdNewsSubmit, Hidden: true, Options: []Option{
				{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionNewsText, Kind: OptionText, Required: true}}},
			{Name: "list", Aliases: []string{"liste"}, Usage: msgUsageNewsList, Summary: msgSummaryNewsList, Moderator: true, Run: cmdNewsList},
			{Name: "approve", Aliases: []string{"approuver"}, Usage: msgUsageNewsApprove, Summary: msgSummaryNewsApprove, Moderator: true, Run: cmdNewsApprove, Options: []Option{newsID}},
			{Name: "reject", Aliases: []string{"refuser"}, Usage: msgUsageNewsReject, Summary: msgSummaryNewsReject, Moderator: true, Run: cmdNewsReject, Options: []Option{newsID}},
		}},
	}
	return cmds
}

// aidCommands declares /need, /offer and /find.
func aidCommands() []*Command {
	text := Option{Name: "text", Names: map[string]string{"fr": "texte"}, Description: msgOptionAidText, Kind: OptionText, Required: true}
	category := Option{Name: "category", Names: map[string]string{"fr": "categorie"}, Description: msgOptionCategory, Kind: OptionCategory, Prefix: "#"}
	number := Option{Name: "number", Names: map[string]string{"fr": "numero"}, Description: msgOptionAidNumber, Kind: OptionInteger, Required: true}
	message := Option{Name: "message", Names: map[string]string{"fr": "message"}, Description: msgOptionAidMessage, Kind: OptionText}
	page := Option{Name: "page", Names: map[string]string{"fr": "page"}, Description: msgOptionPage, Kind: OptionInteger}
	// shared are the subcommands of both /need and /offer; ids are their
	// usage and summary message IDs, in this order.
	shared := func(ids [5][2]string) []*Command {
		return []*Command{
			{Name: "contact", Aliases: []string{"contacter"}, Usage: ids[0][0], Summary: ids[0][1], Run: cmdAidContactPost, Options: []Option{number, message}},
			{Private: true, Name: "list", Aliases: []string{"liste"}, Usage: ids[1][0], Summary: ids[1][1], Run: cmdAidList, Options: []Option{category, page}},
			{Private: true, Name: "close", Aliases: []string{"clore"}, Usage: ids[2][0], Summary: ids[2][1], Run: cmdAidClose, Options: []Option{number}},
			{Private: true, Name: "edit", Aliases: []string{"modifier"}, Usage: ids[3][0], Summary: ids[3][1], Run: cmdAidEdit, Options: []Option{number, text}},
			{Private: true, Name: "hide", Aliases: []string{"masquer"}, Usage: ids[4][0], Summary: ids[4][1], Moderator: true, Run: cmdAidHide, Options: []Option{number,
				{Name: "reason", Names: map[string]string{"fr": "raison"}, Description: msgOptionAidHideReason, Kind: OptionText, Required: true}}},
		}
	}
	needOptions := []Option{text, category,
		{Name: "deadline", Names: map[string]string{"fr": "echeance"}, Description: msgOptionAidDeadline, Kind: OptionText, Prefix: "until "}}
	offerOptions := []Option{text, category}
	return []*Command{
		{Name: "need", Aliases: []string{"besoin"}, Usage: msgUsageNeed, Summary: msgSummaryNeed, Run: cmdNeedPost, Options: needOptions,
			Sub: append([]*Command{
				// "post" repeats /need for platforms where a command with
				// subcommands cannot run by itself.
				{Name: "post", Aliases: []string{"publier"}, Usage: msgUsageNeed, Summary: msgSummaryNeed, Run: cmdNeedPost, Options: needOptions, Hidden: true},
				{Private: true, Name: "private", Aliases: []string{"discret", "discrete", "prive"}, Usage: msgUsageNeedPrivate, Summary: msgSummaryNeedPrivate, Run: cmdNeedDiscreet, Options: []Option{text, category}},
			}, shared([5][2]string{{msgUsageNeedContact, msgSummaryNeedContact}, {msgUsageNeedList, msgSummaryNeedList},
				{msgUsageNeedClose, msgSummaryNeedClose}, {msgUsageNeedEdit, msgSummaryNeedEdit}, {msgUsageNeedHide, msgSummaryNeedHide}})...)},
		{Name: "offer", Aliases: []string{"offre"}, Usage: msgUsageOffer, Summary: msgSummaryOffer, Run: cmdOfferPost, Options: offerOptions,
			Sub: append([]*Command{
				{Name: "post", Aliases: []string{"publier"}, Usage: msgUsageOffer, Summary: msgSummaryOffer, Run: cmdOfferPost, Options: offerOptions, Hidden: true},
			}, shared([5][2]string{{msgUsageOfferContact, msgSummaryOfferContact}, {msgUsageOfferList, msgSummaryOfferList},
				{msgUsageOfferClose, msgSummaryOfferClose}, {msgUsageOfferEdit, msgSummaryOfferEdit}, {msgUsageOfferHide, msgSummaryOfferHide}})...)},
		{Private: true, Name: "find", Aliases: []string{"chercher", "cherche"}, Usage: msgUsageFind, Summary: msgSummaryFind, Run: cmdFind, Options: []Option{
			{Name: "words", Names: map[string]string{"fr": "mots"}, Description: msgOptionAidWords, Kind: OptionText, Required: true}}},
	}
}
