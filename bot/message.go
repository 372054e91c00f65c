package bot

// Message is one thing a resident sent, as a channel delivers it.
type Message struct {
	// Channel names where the message came from ("telegram", "web", "terminal").
	Channel string
	// ChatID identifies the conversation within the channel.
	ChatID string
	// EventID is unique per channel delivery (Telegram update_id, web request
	// id); a redelivered EventID is acknowledged and not applied twice.
	// Empty means the channel cannot redeliver.
	EventID string
	// DeliveryID tells a redelivery from a resident asking again when
	// EventIDs stand for something the resident can repeat: Telegram
	// records a press as "one answer per keyboard" (EventID of the
	// keyboard) and sets DeliveryID to the update_id, which a redelivery
	// shares and a new tap does not. Empty: EventID alone decides.
	DeliveryID string
	// Text is what the resident typed; empty when they pressed a button.
	Text string
	// Choice is the id of the button pressed, if any.
	Choice string
	// Language is the channel's guess of the resident's language (e.g.
	// Telegram's language_code), used when a conversation starts.
	Language string
	// Phone is a phone number the resident shared through the channel (a
	// Telegram contact), used where the script asks for one.
	Phone string
	// Attachment is a file the resident sent (a photo of a letter, a
	// document, a voice message); Text is then its caption, if any.
	Attachment *Attachment
}

// Key is the session key of the message's conversation: channel and chat id.
func (m Message) Key() string { return m.Channel + ":" + m.ChatID }

// EventKind says what an Event reports.
type EventKind string

// The kinds of events the engine produces.
const (
	EventReply   EventKind = "reply"   // text (and choices) for the resident
	EventStep    EventKind = "step"    // the conversation moved to another step
	EventSearch  EventKind = "search"  // the catalogue was searched
	EventHandoff EventKind = "handoff" // a case for organizers was raised
	EventCrisis  EventKind = "crisis"  // a crisis pattern matched
	EventConcern EventKind = "concern" // maybe danger: the resident was asked whether they are safe
	EventErasure EventKind = "erasure" // the resident's data was erased
)

// Event is one outcome of handling a message. Channels render replies; the
// others are for handoff, statistics and tests. Exactly one of the pointer
// fields matching Kind is set.
type Event struct {
	Kind    EventKind  `json:"kind"`
	Reply   *Reply     `json:"reply,omitempty"`
	Step    string     `json:"step,omitempty"`
	Search  *SearchLog `json:"search,omitempty"`
	Handoff *Case      `json:"handoff,omitempty"`
	Crisis  string     `json:"crisis,omitempty"` // name of the matched pattern group (crisis, concern)
}

// Reply is a message for the resident, with optional choices that channels
// render as buttons.
type Reply struct {
	Text    string   `json:"text"`
	Choices []Choice `json:"choices,omitempty"`
	Lang    string   `json:"lang"` // the language the text is in
	// Spans mark bold and italic runs of Text that a person wrote (a staff
	// reply); a channel that can show them does (Telegram), the others
	// show Text, which reads the same without them.
	Spans []Span `json:"spans,omitempty"`
}

// Span marks the run of a text between the byte offsets Start and End
// (exclusive) with a Style. It is the engine's own, SDK-free formatting,
// so that staff's *bold* and _italic_ reach a channel that can show them.
type Span struct {
	Start int   `json:"start"`
	End   int   `json:"end"`
	Style Style `json:"style"`
}

// Style is how a Span is shown.
type Style string

// Styles of spans.
const (
	StyleBold   Style = "bold"
	StyleItalic Style = "italic"
)

// Choice is one button: a short id sent back when pressed, and its label.
type Choice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// SearchLog records a catalogue search the engine made.
type SearchLog struct {
	Query     string   `json:"query"`
	Category  string   `json:"category,omitempty"`
	Audience  string   `json:"audience,omitempty"`
	Results   []string `json:"results"`
	Confident bool     `json:"confident"`
	Tentative bool     `json:"tentative,omitempty"` // offered as "czy chodzi o…?"
}
