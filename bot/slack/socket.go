package slack

import (
	"context"
	"errors"
	"io"
	"log"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode receives events and button presses over Socket Mode
// (Config.AppToken), for deployments without a public URL, until ctx is
// cancelled. They are processed exactly as those of EventsHandler and
// InteractivityHandler; Slack authenticates the connection, so no
// signature is checked. Run is still needed to deliver the outbox.
func (d *Desk) RunSocketMode(ctx context.Context) error {
	if d.cfg.AppToken == "" {
		return errors.New("slack socket mode: no app token")
	}
	smc := socketmode.New(d.api, socketmode.OptionLog(log.New(io.Discard, "", 0)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-smc.Events:
				if !ok {
					return
				}
				d.onSocketEvent(ctx, smc, evt)
			}
		}
	}()
	err := smc.RunContext(ctx)
	cancel()
	<-done
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (d *Desk) onSocketEvent(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		if evt.Request != nil {
			_ = smc.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok && ev.Type == slackevents.CallbackEvent {
			d.dispatchEvent(ev)
		}
	case socketmode.EventTypeInteractive:
		if evt.Request != nil {
			_ = smc.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
		if cb, ok := evt.Data.(slackapi.InteractionCallback); ok {
			d.dispatchInteraction(&cb)
		}
	case socketmode.EventTypeConnected:
		d.log.Info("slack socket mode connected")
	case socketmode.EventTypeConnectionError:
		var err error
		if ce, ok := evt.Data.(*slackapi.ConnectionErrorEvent); ok {
			err = ce.ErrorObj
		}
		d.log.Warn("slack socket mode connection problem", "event", string(evt.Type), "err", err)
	case socketmode.EventTypeInvalidAuth:
		d.log.Warn("slack socket mode connection problem", "event", string(evt.Type))
	}
}
