-- Rules of governance nobody may bend alone: a proposal closed before its
-- deadline says why, a council draw made while the council sits says why,
-- and a moderator's payment from the commons to themselves waits for
-- another moderator.

-- A moderator's early close keeps its reason with the close, under the
-- same guard: set once, with the close, never changed.
ALTER TABLE proposals ADD COLUMN close_reason TEXT NOT NULL DEFAULT '';
CREATE TRIGGER proposals_close_reason_guard BEFORE UPDATE OF close_reason ON proposals
WHEN NEW.close_reason IS NOT OLD.close_reason AND (OLD.closed_at IS NOT NULL OR NEW.closed_at IS NULL)
BEGIN SELECT RAISE(ABORT, 'proposals: a close reason is set with the close, once'); END;

-- A redraw while the council sits on an escalated case needs a reason.
ALTER TABLE council_draws ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- One row per accepted commons-payment command (request, approve,
-- reject): idem_key is the platform event ID.
CREATE TABLE commons_ops (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('request', 'approve', 'reject')),
    target       INTEGER NOT NULL,              -- the payment
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    source       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- A payment from the commons that pays the moderator who asked for it.
-- Nothing moves until another moderator approves it; the approval is the
-- gift's operation.
CREATE TABLE commons_payments (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    number       INTEGER NOT NULL CHECK (number > 0),   -- the n° members see
    op_id        INTEGER NOT NULL UNIQUE REFERENCES commons_ops(id),
    requester_id INTEGER NOT NULL REFERENCES accounts(id),
    minutes      INTEGER NOT NULL CHECK (minutes > 0),  -- for each recipient
    category     TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '' CHECK (length(note) <= 280),
    group_id     INTEGER REFERENCES groups(id),
    created_at   INTEGER NOT NULL,
    UNIQUE (community_id, number)
);

CREATE TABLE commons_payment_recipients (
    payment_id INTEGER NOT NULL REFERENCES commons_payments(id),
    position   INTEGER NOT NULL CHECK (position >= 0),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (payment_id, position),
    UNIQUE (payment_id, account_id)
) WITHOUT ROWID;

-- A payment is decided once: approved by another moderator (the gift's
-- operation), or rejected.
CREATE TABLE commons_payment_decisions (
    payment_id   INTEGER PRIMARY KEY REFERENCES commons_payments(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('approved', 'rejected')),
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    reason       TEXT    NOT NULL DEFAULT '',
    op_id        INTEGER NOT NULL UNIQUE REFERENCES commons_ops(id),
    operation_id INTEGER UNIQUE REFERENCES operations(id),
    created_at   INTEGER NOT NULL,
    CHECK ((kind = 'approved') = (operation_id IS NOT NULL))
);

CREATE TRIGGER commons_ops_append_only_update BEFORE UPDATE ON commons_ops
BEGIN SELECT RAISE(ABORT, 'commons_ops are append-only'); END;
CREATE TRIGGER commons_ops_append_only_delete BEFORE DELETE ON commons_ops
BEGIN SELECT RAISE(ABORT, 'commons_ops are append-only'); END;
CREATE TRIGGER commons_payments_append_only_update BEFORE UPDATE ON commons_payments
BEGIN SELECT RAISE(ABORT, 'commons_payments are append-only'); END;
CREATE TRIGGER commons_payments_append_only_delete BEFORE DELETE ON commons_payments
BEGIN SELECT RAISE(ABORT, 'commons_payments are append-only'); END;
CREATE TRIGGER commons_payment_recipients_append_only_update BEFORE UPDATE ON commons_payment_recipients
BEGIN SELECT RAISE(ABORT, 'commons_payment_recipients are append-only'); END;
CREATE TRIGGER commons_payment_recipients_append_only_delete BEFORE DELETE ON commons_payment_recipients
BEGIN SELECT RAISE(ABORT, 'commons_payment_recipients are append-only'); END;
CREATE TRIGGER commons_payment_decisions_append_only_update BEFORE UPDATE ON commons_payment_decisions
BEGIN SELECT RAISE(ABORT, 'commons_payment_decisions are append-only'); END;
CREATE TRIGGER commons_payment_decisions_append_only_delete BEFORE DELETE ON commons_payment_decisions
BEGIN SELECT RAISE(ABORT, 'commons_payment_decisions are append-only'); END;
