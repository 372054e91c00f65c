// Package slack hands cases to the Centre's organizers in Slack: a card per
// case with Claim, Close, Return and hand-over actions, everything the
// resident sends while the case is open in the case thread (words, bot
// notes, crisis alerts, files), staff replies decoded from Slack's escaped
// mrkdwn and relayed to the resident once per message, reminders for
// unclaimed cases and a morning round. It consumes the ports of bot/desk
// (implemented by bot/redis) and is the only package that imports
// slack-go.
package slack
