package server

import (
	"context"
	"errors"
)

// errNeedSync is returned by an op that was submitted as not durable but
// found, once inside the transaction, that what it is about to do must
// survive a crash before its answer goes out (a status report handing out
// a rollout job). Its savepoint is undone; writeUpgrading submits it again
// as durable. Deciding inside the transaction keeps the check and the
// change atomic: a pre-check on the read pool could race with a rollout
// being created.
var errNeedSync = errors.New("op needs a durable commit")

// writeUpgrading is write that retries fn as durable when fn, run in a
// batch that is not fsynced, asks for it (errNeedSync).
func (s *Store) writeUpgrading(ctx context.Context, durable bool, fn func(*txn) error) error {
	err := s.write(ctx, durable, fn)
	if !durable && errors.Is(err, errNeedSync) {
		err = s.write(ctx, true, fn)
	}
	return err
}

// needSync is what an op calls before a change whose answer promises it is
// stored: nil when this batch is fsynced, else errNeedSync.
func (t *txn) needSync() error {
	if t.synced {
		return nil
	}
	return errNeedSync
}
