package slack

import (
	"context"
	"fmt"
	"slices"

	slackapi "github.com/slack-go/slack"

	"okienko/bot"
	"okienko/bot/desk"
)

// onHandOver handles the claimed card's hand-over actions: the holder
// transfers the case to a colleague from the staff channel or releases it
// to the queue; a member of the supervisor group takes over a case someone
// else holds (Slack asked them to confirm first). Each leaves an audit
// line in the thread, and the resident hears who holds their case now.
func (d *Desk) onHandOver(ctx context.Context, cb *slackapi.InteractionCallback, a *slackapi.BlockAction, rec desk.CaseRecord, card []slackapi.Block) {
	user, channel := cb.User.ID, cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	from, to := rec.Holder, ""
	var audit string
	switch a.ActionID {
	case actionTransfer:
		to = a.SelectedUser
		switch {
		case from == "":
			d.ephemeral(ctx, channel, user, "", textClaimFirst)
			return
		case from != user:
			d.ephemeral(ctx, channel, user, "", fmt.Sprintf(textNotHolder, from))
			return
		case to == "" || to == user:
			d.ephemeral(ctx, channel, user, "", textTransferSelf)
			return
		}
		if ok, err := d.members.isMember(ctx, d.api, d.cfg.Channel, to); err != nil || !ok {
			if err != nil {
				d.log.Warn("slack transfer: membership check failed", "case", rec.ID, "err", err)
				d.ephemeral(ctx, channel, user, "", textTryAgain)
			} else {
				d.ephemeral(ctx, channel, user, "", fmt.Sprintf(textNotStaff, to))
			}
			return
		}
		audit = fmt.Sprintf(textAuditTransfer, user, to)
	case actionRelease:
		if from != user {
			d.ephemeral(ctx, channel, user, "", fmt.Sprintf(textNotHolder, from))
			return
		}
		audit = fmt.Sprintf(textAuditReleased, user)
	case actionTakeOver:
		switch {
		case from == "":
			d.ephemeral(ctx, channel, user, "", textClaimFirst)
			return
		case from == user:
			d.ephemeral(ctx, channel, user, "", textTransferSelf)
			return
		}
		ok, err := d.supervisor(ctx, user)
		if err != nil {
			d.log.Warn("slack take-over: supervisor group check failed", "case", rec.ID, "err", err)
			d.ephemeral(ctx, channel, user, "", textTryAgain)
			return
		}
		if !ok {
			d.ephemeral(ctx, channel, user, "", fmt.Sprintf(textNotSupervisor, from))
			return
		}
		to = user
		audit = fmt.Sprintf(textAuditTakeOver, user, from)
	}
	done, err := d.cases.Transfer(ctx, rec.ID, from, to)
	if err != nil {
		d.log.Warn("slack hand-over: case book failed", "case", rec.ID, "err", err)
		d.ephemeral(ctx, channel, user, "", textTryAgain)
		return
	}
	if !done { // someone else moved it first
		d.ephemeral(ctx, channel, user, "", textTryAgain)
		return
	}
	rec.Holder, rec.Status = to, desk.StatusClaimed
	if to == "" {
		rec.Status = desk.StatusWaiting
	}
	d.updateCard(ctx, rec, card)
	d.queueNote(ctx, rec.ID, audit, to == "")
	d.touch(ctx, rec.ID)
	d.log.Info("slack case handed over", "case", rec.ID, "action", a.ActionID)
	ev := bot.StaffEvent{Kind: bot.StaffClaimed, Case: bot.CaseRef{ID: rec.ID, Key: rec.Key},
		Name: d.staffName(ctx, to), EventID: "slack:" + a.ActionID + ":" + rec.ID + ":" + a.ActionTs}
	if to == "" {
		ev.Kind, ev.Name = bot.StaffReleased, ""
	}
	_ = d.tellEngine(ctx, ev)
}

// supervisor tells whether user is in the supervisor group
// (usergroups.users.list).
func (d *Desk) supervisor(ctx context.Context, user string) (bool, error) {
	if d.cfg.SupervisorGroup == "" {
		return false, nil
	}
	members, err := d.api.GetUserGroupMembersContext(ctx, d.cfg.SupervisorGroup)
	if err != nil {
		return false, err
	}
	return slices.Contains(members, user), nil
}
