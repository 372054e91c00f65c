package redis

import (
	"context"
	"fmt"
)

// ForgetCase deletes a case's entries from the outbox as Store.Erase does
// for each case of an erased conversation, for the outbox's external
// tests.
func (o *Outbox) ForgetCase(ctx context.Context, caseID string) error {
	if _, err := o.s.forget(ctx, map[string]bool{caseID: true}); err != nil {
		return fmt.Errorf("outbox forget case: %w", err)
	}
	return nil
}
