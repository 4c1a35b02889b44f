-- A ledger that proves itself (issue 14): a hash chain over every
-- append-only record, per community, in commit order.
--
-- Each record's AFTER INSERT trigger appends an entry: the community's
-- next position, the record (table and key), and the SHA-256 of the
-- previous entry's hash and of the record's content, computed by
-- entraide_chain, a function the ledger registers on its connections.
-- ledger/chain.go lists each table's hashed columns once: the ledger
-- makes the triggers from that list after each migration, and `entraide
-- verify` recomputes every hash from it. News is chained when it is
-- decided, a proposal when it closes (with its close reason). Records made
-- before this migration are chained by the ledger when it applies it, in
-- time order.

CREATE TABLE chain (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    seq          INTEGER NOT NULL CHECK (seq > 0),      -- position in the community's chain, from 1
    tbl          TEXT    NOT NULL,                      -- the record's table
    row_id       INTEGER NOT NULL,                      -- its key in that table
    hash         BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (community_id, seq)
) WITHOUT ROWID;
-- One entry per record; exports find a record's hash through it.
CREATE UNIQUE INDEX chain_record ON chain(tbl, row_id);
CREATE TRIGGER chain_append_only_update BEFORE UPDATE ON chain
BEGIN SELECT RAISE(ABORT, 'chain is append-only'); END;
CREATE TRIGGER chain_append_only_delete BEFORE DELETE ON chain
BEGIN SELECT RAISE(ABORT, 'chain is append-only'); END;

-- A proposal's version is identified by its operation: its rowid is not
-- stable across VACUUM.
CREATE UNIQUE INDEX proposal_versions_op ON proposal_versions(op_id);

-- Newsletter issues count entries by ID: an issue covers the entries
-- after the previous issue's last_entry up to its own, so that an entry
-- recorded in the second an issue was composed is in the next one.
ALTER TABLE newsletter_issues ADD COLUMN last_entry INTEGER;

-- A decided news item stays as decided: only its publication is set later.
CREATE TRIGGER news_guard_update BEFORE UPDATE ON news
WHEN OLD.status <> 'pending' AND (NEW.id IS NOT OLD.id OR NEW.community_id IS NOT OLD.community_id
  OR NEW.author_id IS NOT OLD.author_id OR NEW.text IS NOT OLD.text OR NEW.status IS NOT OLD.status
  OR NEW.submitted_at IS NOT OLD.submitted_at OR NEW.decided_by IS NOT OLD.decided_by
  OR NEW.decided_at IS NOT OLD.decided_at OR (OLD.issue_id IS NOT NULL AND NEW.issue_id IS NOT OLD.issue_id))
BEGIN SELECT RAISE(ABORT, 'news: a decision is final'); END;
CREATE TRIGGER news_guard_delete BEFORE DELETE ON news
WHEN OLD.status <> 'pending'
BEGIN SELECT RAISE(ABORT, 'news: a decision is final'); END;

