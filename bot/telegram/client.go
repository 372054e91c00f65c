package telegram

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// apiClient is the HTTP client handed to the SDK. The SDK has no context
// support and puts the token into request URLs, so this client bounds each
// call with a deadline by method, lets long polling be cancelled, and takes
// the token out of every error before the SDK sees it.
type apiClient struct {
	http        *http.Client
	token       string
	pollTimeout time.Duration // getUpdates: long-poll timeout plus a margin
	callTimeout time.Duration // other calls
	life        context.Context

	mu   sync.Mutex
	poll context.Context // getUpdates calls; cancelled to stop polling
}

// quickMethods are cosmetic calls that must not hold up a reply.
var quickMethods = map[string]bool{"sendChatAction": true, "answerCallbackQuery": true}

func (c *apiClient) setPoll(ctx context.Context) {
	c.mu.Lock()
	c.poll = ctx
	c.mu.Unlock()
}

// Do implements tgbotapi.HTTPClient.
func (c *apiClient) Do(req *http.Request) (*http.Response, error) {
	method := path.Base(req.URL.Path)
	ctx, timeout := c.life, c.callTimeout
	switch {
	case method == "getUpdates":
		c.mu.Lock()
		if c.poll != nil {
			ctx = c.poll
		}
		c.mu.Unlock()
		timeout = c.pollTimeout
	case quickMethods[method]:
		timeout = min(timeout, 5*time.Second)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	resp, err := c.http.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, redactError(err, c.token)
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases a call's deadline when the SDK closes the body.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// redactError takes the token out of an HTTP error, keeping what callers
// test with errors.Is (context.Canceled, timeouts).
func redactError(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redact(ue.URL, token), Err: redactedErr{ue.Err, token}}
	}
	return redactedErr{err, token}
}

// redactedErr shows an error's text without the token.
type redactedErr struct {
	err   error
	token string
}

func (e redactedErr) Error() string { return redact(e.err.Error(), e.token) }
func (e redactedErr) Unwrap() error { return e.err }

// redact replaces the token, plain or URL-escaped, in s.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	s = strings.ReplaceAll(s, token, "<token>")
	if esc := url.PathEscape(token); esc != token {
		s = strings.ReplaceAll(s, esc, "<token>")
	}
	if esc := url.QueryEscape(token); esc != token {
		s = strings.ReplaceAll(s, esc, "<token>")
	}
	return s
}
