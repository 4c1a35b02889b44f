package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SaveComponent records what pressing the platform's component id does:
// the command it sends (payload) and the question asked first (ask, or
// ""). Saving an id again keeps the first record: platforms derive ids
// from what they do.
func (db *DB) SaveComponent(ctx context.Context, platform, id, payload, ask string) error {
	if err := db.execNow(ctx, `INSERT INTO components (created_at, platform, id, payload, ask) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (platform, id) DO NOTHING`, platform, id, payload, ask); err != nil {
		return fmt.Errorf("ledger: save component: %w", err)
	}
	return nil
}

// Component reads what the component id does; found is false when no such
// component was saved.
func (db *DB) Component(ctx context.Context, platform, id string) (payload, ask string, found bool, err error) {
	err = db.reader.QueryRowContext(ctx, "SELECT payload, ask FROM components WHERE platform = ? AND id = ?", platform, id).Scan(&payload, &ask)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("ledger: component: %w", err)
	}
	return payload, ask, true, nil
}
