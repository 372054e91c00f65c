package slack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// EventsHandler serves the Events API request URL: it verifies the
// signature (unsigned, tampered or older than 5 minutes → 401), answers
// url_verification, and acknowledges events at once, processing them
// afterwards. Redelivered event ids are processed once.
func (d *Desk) EventsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := d.verified(w, r)
		if !ok {
			return
		}
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			if !json.Valid(body) {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			// A signed event of a kind slack-go cannot parse: acknowledge,
			// or Slack retries it in vain.
			d.log.Debug("slack event not parsed", "err", err)
			w.WriteHeader(http.StatusOK)
			return
		}
		switch ev.Type {
		case slackevents.URLVerification:
			v, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
			if !ok {
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, v.Challenge)
		case slackevents.CallbackEvent:
			w.WriteHeader(http.StatusOK)
			d.dispatchEvent(ev)
		default:
			w.WriteHeader(http.StatusOK)
		}
	})
}

// InteractivityHandler serves the interactivity request URL (the card's
// buttons): verified like EventsHandler, acknowledged at once, processed
// afterwards.
func (d *Desk) InteractivityHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := d.verified(w, r)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("payload") == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var cb slackapi.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		d.dispatchInteraction(&cb)
	})
}

// verified reads the body of a POST and checks Slack's signature. It
// answers the request itself when it refuses it.
func (d *Desk) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, d.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		} else {
			http.Error(w, "bad request", http.StatusBadRequest)
		}
		return nil, false
	}
	if d.cfg.SigningSecret == "" {
		d.log.Error("slack request refused: no signing secret configured")
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	sv, err := slackapi.NewSecretsVerifier(r.Header, d.cfg.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		d.log.Warn("slack request refused: signature", "path", r.URL.Path)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}
