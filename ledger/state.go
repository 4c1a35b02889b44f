package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// State reads a value a platform adapter stored; found is false when there
// is none.
func (db *DB) State(ctx context.Context, platform, key string) (value string, found bool, err error) {
	err = db.reader.QueryRowContext(ctx, "SELECT value FROM adapter_state WHERE platform = ? AND key = ?", platform, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetState stores a value for a platform adapter, replacing the previous one.
func (db *DB) SetState(ctx context.Context, platform, key, value string) error {
	if err := db.execNow(ctx, `INSERT INTO adapter_state (updated_at, platform, key, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (platform, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		platform, key, value); err != nil {
		return fmt.Errorf("ledger: set state: %w", err)
	}
	return nil
}
