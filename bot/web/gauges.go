package web

// OpenStreams is the number of event streams (open chat tabs) this process
// serves now, for the operator's metrics.
func (c *Chat) OpenStreams() int {
	c.streams.mu.Lock()
	defer c.streams.mu.Unlock()
	return c.streams.total
}
