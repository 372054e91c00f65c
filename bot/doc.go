// Package bot is Okienko's conversation engine: it walks a resident through a
// dialog script, answers crises at once, searches the service catalogue and
// raises handoff cases for organizers.
//
// The engine knows no SDK. Channels (Telegram, the terminal, the web) turn
// what residents send into a Message and render the Events the engine
// returns; the session store, the catalogue search and the clock are small
// interfaces declared here, next to their consumer, and implemented by the
// packages named after what they adapt.
package bot
