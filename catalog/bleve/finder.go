package bleve

import "okienko/bot"

var _ bot.ServiceFinder = (*Live)(nil)

// Service implements bot.ServiceFinder on the current index: a service
// removed by a reload is no longer found, and the bot says it cannot tell.
func (l *Live) Service(id, lang string) (bot.Service, bool) {
	return l.cur.Load().Service(id, lang)
}
