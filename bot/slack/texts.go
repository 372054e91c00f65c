package slack

// What the desk writes in Slack, in Polish: the Centre's staff work in
// Polish whatever the resident's language.
const (
	textErased         = "🗑️ Mieszkaniec poprosił o usunięcie danych. Szczegóły sprawy zostały usunięte z karty."
	textErasedCard     = "_Dane usunięte na prośbę mieszkańca._"
	textSent           = "✓ wysłano do mieszkańca"
	textSendFailed     = "⚠️ Nie udało się wysłać wiadomości do mieszkańca. Spróbuj ponownie."
	textNotMember      = "Tylko członkowie kanału zespołu mogą prowadzić sprawy."
	textHeldBy         = "Sprawę prowadzi już <@%s>."
	textNotHolder      = "Tylko osoba prowadząca sprawę (<@%s>) może to zrobić."
	textClaimFirst     = "Najpierw przejmij sprawę (Przejmij)."
	textCaseOver       = "Ta sprawa jest już zakończona."
	textNoteOnly       = "Sprawę prowadzi <@%s>: Twoja odpowiedź została notatką wewnętrzną i nie trafiła do mieszkańca."
	textNoteUnclaimed  = "Nikt jeszcze nie przejął tej sprawy: odpowiedź została notatką wewnętrzną. Przejmij sprawę, aby pisać do mieszkańca."
	textCaseGone       = "Tej sprawy już nie ma: mieszkaniec usunął swoje dane (/usun) albo sprawa wygasła. Nie można jej przejąć ani na nią odpowiedzieć."
	textTryAgain       = "⚠️ Coś poszło nie tak. Spróbuj ponownie za chwilę."
	textMorning        = "☀️ Dzień dobry! Sprawy czekające na przejęcie z poprzedniego dnia (%d):"
	textMorningHello   = "☀️ Dzień dobry!"
	textMorningQuiet   = "💤 Przejęte sprawy, w których nikt nie pisał od ponad %d godz. (%d):"
	textReminder       = "⏰ Sprawa %s czeka na przejęcie od %d min."
	textOfferedPhone   = "☎️ Nikt nie przejął sprawy przez %d min: mieszkańcowi zaproponowano telefon lub oddzwonienie."
	textFile           = "📎 *Mieszkaniec wysłał %s.*"
	textFileNotFetched = "📎 Mieszkaniec wysłał %s, ale nie udało się go pobrać. Poproś o ponowne wysłanie albo o dostarczenie do Centrum."
	textResident       = "👤 *Mieszkaniec:* %s"
	textBotNote        = "🤖 _Bot:_ %s"
	textCrisisAlert    = "🔴 *PILNE — kryzys w trakcie sprawy* (%s). Mieszkaniec dostał numery alarmowe; potrzebna natychmiastowa reakcja."
	textCrisisCard     = "🔴 *Sprawa pilna — kryzys w trakcie rozmowy.* Zobacz wątek."

	textAuditClaimed  = "📝 <@%s> przejmuje sprawę."
	textAuditTransfer = "📝 <@%s> przekazuje sprawę do <@%s>."
	textAuditTakeOver = "📝 <@%s> przejmuje sprawę od <@%s> (koordynator)."
	textAuditReleased = "📝 <@%s> zwalnia sprawę: wraca do kolejki."
	textAuditClosed   = "📝 <@%s> zamyka sprawę."
	textAuditReturned = "📝 <@%s> oddaje sprawę botowi."
	textTransferSelf  = "Sprawę prowadzisz już Ty."
	textNotSupervisor = "Przejąć cudzą sprawę może tylko osoba z grupy koordynatorów. Poproś <@%s> o przekazanie sprawy."
	textNotStaff      = "<@%s> nie jest członkiem kanału zespołu: wybierz kogoś z zespołu."

	statusWaiting  = "⏳ Czeka na przejęcie"
	statusClaimed  = "🙋 Prowadzi: <@%s>"
	statusClosed   = "✅ Zamknięta przez <@%s>"
	statusReturned = "↩️ Wróciła do bota (<@%s>)"
	statusOver     = "✅ Zakończona"

	buttonClaim    = "Przejmij"
	buttonClose    = "Zamknij"
	buttonReturn   = "Wróć do bota"
	buttonRelease  = "Zwolnij"
	buttonTakeOver = "Przejmij od prowadzącego"
	selectTransfer = "Przekaż osobie z zespołu…"
)

// Action ids of the card's buttons; their value is the case id.
const (
	actionClaim  = "okienko_claim"
	actionClose  = "okienko_close"
	actionReturn = "okienko_return"
	// The claimed card's: a users_select (its choice is the new holder;
	// the case is found by the card's thread), release and take-over.
	actionTransfer = "okienko_transfer"
	actionRelease  = "okienko_release"
	actionTakeOver = "okienko_takeover"
)

// Block ids the desk replaces when it updates a card.
const (
	blockStatus  = "okienko_status"
	blockActions = "okienko_actions"
	blockUrgent  = "okienko_urgent"
)

var fileKinds = map[string]string{"photo": "zdjęcie", "document": "dokument", "voice": "nagranie głosowe", "audio": "nagranie", "video": "wideo"}

var contactNames = map[string]string{"chat": "dalej na czacie", "phone": "telefon (oddzwonienie)"}

var reasonNames = map[string]string{
	"asked":     "mieszkaniec poprosił o rozmowę z osobą",
	"not_found": "bot nie znalazł odpowiedzi",
}
