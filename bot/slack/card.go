package slack

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// Slack's limits on block text.
const (
	maxSectionText = 3000
	maxFieldText   = 2000
	maxHeaderText  = 150
	maxMessageText = 3000 // relays and notes: kept readable, well below Slack's 40,000
)

// warsaw is where the Centre is; card times are shown in its zone.
var warsaw = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Warsaw"); err == nil {
		return loc
	}
	return time.UTC
}()

// escaper replaces mrkdwn's control characters by their entities; built
// once, it is safe for concurrent use.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes resident text inert in mrkdwn: no mentions (<!channel>),
// links or formatting tricks through &, < and >. Escape first, then clip:
// clip counts the text as Slack does and keeps entities whole.
func escape(s string) string {
	return escaper.Replace(s)
}

// clip cuts s to at most n characters (Slack's limits count characters,
// not bytes: a Ukrainian letter is two bytes), marking the cut. A cut that
// would fall inside an entity of escape (&amp; &lt; &gt;) is moved before
// it, so that staff never read half an entity.
func clip(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	if amp := strings.LastIndexByte(s[max(0, i-4):i], '&'); amp >= 0 {
		amp += max(0, i-4)
		for _, e := range [...]string{"&amp;", "&lt;", "&gt;"} {
			if strings.HasPrefix(s[amp:], e) && amp+len(e) > i {
				i = amp
				break
			}
		}
	}
	return s[:i] + "…"
}

// langNames are the conversation languages as staff read them.
var langNames = map[string]string{"pl": "polski", "uk": "ukraiński", "en": "angielski"}

func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, false)
}

func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, true, false)
}

// cardTitle is the card's header and its notification text.
func cardTitle(c bot.Case) string {
	topic := cardTopic(c)
	if topic == "" {
		topic = "bez tematu"
	}
	if c.Urgency == bot.UrgencyUrgent {
		return clip("🔴 PILNE: "+topic, maxHeaderText)
	}
	return clip("Nowa sprawa: "+topic, maxHeaderText)
}

// cardTopic is the topic as staff read it.
func cardTopic(c bot.Case) string {
	if c.TopicName != "" {
		return c.TopicName
	}
	return c.Topic
}

// cardText is the message's fallback text, used in notifications: no
// personal details, and the on-duty mention for urgent cases.
func (d *Desk) cardText(c bot.Case) string {
	t := cardTitle(c)
	if c.Urgency == bot.UrgencyUrgent && d.cfg.OnDutyGroup != "" {
		t = "<!subteam^" + d.cfg.OnDutyGroup + "> " + t
	}
	return t
}

// caseBlocks renders a case card: only the fields the case has.
func (d *Desk) caseBlocks(c bot.Case) []slackapi.Block {
	blocks := []slackapi.Block{slackapi.NewHeaderBlock(plain(cardTitle(c)))}
	if c.Urgency == bot.UrgencyUrgent {
		t := "*Sprawa pilna — kryzys.* Potrzebna natychmiastowa reakcja."
		if d.cfg.OnDutyGroup != "" {
			t = "<!subteam^" + d.cfg.OnDutyGroup + "> " + t
		}
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(t), nil, nil))
	}

	var fields []*slackapi.TextBlockObject
	field := func(name, value string) {
		if strings.TrimSpace(value) != "" {
			fields = append(fields, mrkdwn(clip("*"+name+"*\n"+escape(value), maxFieldText)))
		}
	}
	field("Temat", cardTopic(c))
	lang := langNames[c.Lang]
	if lang == "" {
		lang = c.Lang
	}
	field("Język", lang)
	field("Dla kogo", c.ForWhom)
	field("Powód", reasonText(c.Reason))
	contact := contactNames[c.Contact]
	if contact == "" {
		contact = c.Contact
	}
	field("Kontakt", contact)
	if c.Phone != "" {
		field("Telefon", c.Phone)
	}
	if !c.Created.IsZero() {
		field("Zgłoszono", c.Created.In(warsaw).Format("2006-01-02 15:04"))
	}
	field("Sprawa", c.ID)
	if len(fields) > 10 { // Slack's limit per section
		fields = fields[:10]
	}
	if len(fields) > 0 {
		blocks = append(blocks, slackapi.NewSectionBlock(nil, fields, nil))
	}

	if w := strings.TrimSpace(c.Words); w != "" {
		blocks = append(blocks, slackapi.NewSectionBlock(
			mrkdwn(clip("*Słowa mieszkańca:*\n>"+strings.ReplaceAll(escape(w), "\n", "\n>"), maxSectionText)), nil, nil))
	}
	if len(c.Answers) > 0 {
		keys := make([]string, 0, len(c.Answers))
		for k := range c.Answers {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		b.WriteString("*Odpowiedzi:*")
		for _, k := range keys {
			fmt.Fprintf(&b, "\n• %s: %s", escape(k), escape(c.Answers[k]))
		}
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(clip(b.String(), maxSectionText)), nil, nil))
	}
	offered := c.OfferedNames
	if len(offered) == 0 {
		offered = c.Offered
	}
	if len(offered) > 0 {
		var b strings.Builder
		b.WriteString("*Usługi zaproponowane przez bota:*")
		for _, s := range offered {
			b.WriteString("\n• " + escape(s))
		}
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(clip(b.String(), maxSectionText)), nil, nil))
	}
	if !c.OpenNext.IsZero() {
		blocks = append(blocks, slackapi.NewContextBlock("", mrkdwn(
			"🌙 Zgłoszone poza godzinami pracy; mieszkaniec wie, że odpowiedź będzie od "+
				c.OpenNext.In(warsaw).Format("2006-01-02 15:04")+".")))
	}
	return append(blocks, statusBlocks(desk.CaseRecord{ID: c.ID, Status: desk.StatusWaiting})...)
}

func reasonText(r string) string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	if g, ok := strings.CutPrefix(r, "crisis:"); ok {
		return "kryzys (" + g + ")"
	}
	return r
}

// statusBlocks are the card's last blocks: who holds the case and the
// buttons that make sense now.
func statusBlocks(r desk.CaseRecord) []slackapi.Block {
	var status string
	switch r.Status {
	case desk.StatusClaimed:
		status = fmt.Sprintf(statusClaimed, r.Holder)
	case desk.StatusClosed:
		status = fmt.Sprintf(statusClosed, r.Holder)
	case desk.StatusReturned:
		status = fmt.Sprintf(statusReturned, r.Holder)
	default:
		status = statusWaiting
	}
	if r.Holder == "" && r.Status.Over() {
		status = statusOver
	}
	blocks := []slackapi.Block{slackapi.NewContextBlock(blockStatus, mrkdwn(status))}
	claim := slackapi.NewButtonBlockElement(actionClaim, r.ID, plain(buttonClaim)).WithStyle(slackapi.StylePrimary)
	closeB := slackapi.NewButtonBlockElement(actionClose, r.ID, plain(buttonClose)).WithStyle(slackapi.StyleDanger)
	ret := slackapi.NewButtonBlockElement(actionReturn, r.ID, plain(buttonReturn))
	switch r.Status {
	case desk.StatusWaiting, "":
		blocks = append(blocks, slackapi.NewActionBlock(blockActions, claim, closeB, ret))
	case desk.StatusClaimed:
		release := slackapi.NewButtonBlockElement(actionRelease, r.ID, plain(buttonRelease))
		takeOver := slackapi.NewButtonBlockElement(actionTakeOver, r.ID, plain(buttonTakeOver)).WithConfirm(
			slackapi.NewConfirmationBlockObject(plain("Przejąć sprawę?"),
				mrkdwn(fmt.Sprintf("Sprawę prowadzi <@%s>. Po przejęciu tylko Ty będziesz mogła/mógł odpisywać mieszkańcowi i zamknąć sprawę.", r.Holder)),
				plain("Przejmij"), plain("Anuluj")))
		transfer := slackapi.NewOptionsSelectBlockElement(slackapi.OptTypeUser, plain(selectTransfer), actionTransfer)
		blocks = append(blocks, slackapi.NewActionBlock(blockActions, closeB, ret, transfer, release, takeOver))
	}
	return blocks
}

// withStatus replaces a card's status and buttons, keeping the rest of
// the blocks (the case's details, which the desk does not store).
func withStatus(blocks []slackapi.Block, r desk.CaseRecord) []slackapi.Block {
	kept := make([]slackapi.Block, 0, len(blocks)+2)
	for _, b := range blocks {
		if id := b.ID(); id == blockStatus || id == blockActions {
			continue
		}
		kept = append(kept, b)
	}
	if len(kept) == 0 {
		kept = append(kept, slackapi.NewHeaderBlock(plain("Sprawa "+r.ID)))
	}
	return append(kept, statusBlocks(r)...)
}

// erasedBlocks is a card stripped of the resident's details.
func erasedBlocks(r desk.CaseRecord) []slackapi.Block {
	return append([]slackapi.Block{
		slackapi.NewHeaderBlock(plain("Sprawa " + r.ID)),
		slackapi.NewSectionBlock(mrkdwn(textErasedCard), nil, nil),
	}, statusBlocks(r)...)
}
