package telegram

// QueueLength is the number of calls waiting in the send queue (all
// chats), for the operator's metrics: it grows when Telegram throttles or
// fails, and should drain back to zero.
func (b *Bot) QueueLength() int {
	o := b.out
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, q := range o.queues {
		n += len(q.ops)
	}
	return n
}
