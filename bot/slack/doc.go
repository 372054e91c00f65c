// Package slack hands cases to the Centre's organizers in Slack: a card per
// case with Claim, Close and Return buttons, the resident's messages in the
// case thread, staff replies relayed to the resident, reminders for
// unclaimed cases. It is the only package that imports slack-go.
package slack
