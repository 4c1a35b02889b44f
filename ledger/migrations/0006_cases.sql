-- Conflict cases (issue 7): mediation requests and cases followed to an
-- outcome in a private space, their members, an append-only log of every
-- action on them, and the council's draws by lot.
--
-- A case's current state (its state, next check-in, last activity) is kept
-- on the case row; every change of it is also written to case_log, which
-- is append-only: the log is what a community shows to prove mediation
-- was tried.

-- One row per accepted case or council command that wrote something:
-- idem_key is the platform event ID (or, for the scheduler's own writes,
-- a key naming the case and the occurrence), so a redelivered event finds
-- its operation and records nothing new.
CREATE TABLE case_ops (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    target       INTEGER NOT NULL,              -- the case, or the council draw
    actor_id     INTEGER REFERENCES accounts(id), -- NULL: the bot's scheduler
    source       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE TRIGGER case_ops_append_only_update BEFORE UPDATE ON case_ops
BEGIN SELECT RAISE(ABORT, 'case_ops are append-only'); END;
CREATE TRIGGER case_ops_append_only_delete BEFORE DELETE ON case_ops
BEGIN SELECT RAISE(ABORT, 'case_ops are append-only'); END;

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    number        INTEGER NOT NULL CHECK (number > 0),   -- the #N members see
    state         TEXT    NOT NULL CHECK (state IN ('requested', 'open', 'in_mediation', 'agreement', 'closed_no_agreement', 'escalated')),
    topic         TEXT    NOT NULL DEFAULT '' CHECK (length(topic) <= 200),
    platform      TEXT    NOT NULL DEFAULT '',           -- the private space, once opened
    room          TEXT    NOT NULL DEFAULT '',
    next_check_in INTEGER,                               -- UTC unix seconds; NULL: none due
    last_activity INTEGER NOT NULL,                      -- the last action a person took on it
    flagged_at    INTEGER,                               -- when its inactivity was last told to the moderators
    created_by    INTEGER NOT NULL REFERENCES accounts(id),
    created_at    INTEGER NOT NULL,
    opened_at     INTEGER,
    closed_at     INTEGER,
    summary       TEXT    NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
    UNIQUE (community_id, number),
    CHECK ((platform = '') = (room = '')),
    CHECK ((closed_at IS NULL) = (state NOT IN ('agreement', 'closed_no_agreement'))),
    CHECK (state IN ('requested', 'agreement', 'closed_no_agreement') OR opened_at IS NOT NULL),
    CHECK (closed_at IS NULL OR length(trim(summary)) > 0)
);
CREATE INDEX cases_room ON cases(platform, room) WHERE room <> '';
CREATE INDEX cases_active ON cases(community_id, next_check_in) WHERE closed_at IS NULL;

-- A case's number, author and creation never change, its space is set
-- once, and a closed case stays closed with its summary.
CREATE TRIGGER cases_guard_update BEFORE UPDATE ON cases
WHEN NEW.id IS NOT OLD.id OR NEW.community_id IS NOT OLD.community_id OR NEW.number IS NOT OLD.number
  OR NEW.created_by IS NOT OLD.created_by OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.room <> '' AND (NEW.room IS NOT OLD.room OR NEW.platform IS NOT OLD.platform))
  OR (OLD.opened_at IS NOT NULL AND NEW.opened_at IS NOT OLD.opened_at)
  OR (OLD.closed_at IS NOT NULL AND (NEW.closed_at IS NOT OLD.closed_at OR NEW.state IS NOT OLD.state
      OR NEW.summary IS NOT OLD.summary))
BEGIN SELECT RAISE(ABORT, 'cases: the number, the space and a close are set once'); END;
CREATE TRIGGER cases_append_only_delete BEFORE DELETE ON cases
BEGIN SELECT RAISE(ABORT, 'cases are append-only'); END;

-- Who takes part in a case now: its parties and mediators, with their
-- identity on the case's platform. Every addition and removal is in
-- case_log.
CREATE TABLE case_members (
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    role       TEXT    NOT NULL CHECK (role IN ('party', 'mediator')),
    user_id    TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (case_id, account_id)
) WITHOUT ROWID;
CREATE INDEX case_members_account ON case_members(account_id);

-- Every action on a case: who (NULL: the bot), when, what.
CREATE TABLE case_log (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    op_id      INTEGER NOT NULL REFERENCES case_ops(id),
    kind       TEXT    NOT NULL CHECK (kind IN ('requested', 'opened', 'member_added', 'member_removed', 'note',
                                                'state', 'check_in', 'flagged', 'escalated', 'closed')),
    actor_id   INTEGER REFERENCES accounts(id),
    subject_id INTEGER REFERENCES accounts(id),   -- the member added or removed
    role       TEXT    NOT NULL DEFAULT '',
    from_state TEXT    NOT NULL DEFAULT '',
    to_state   TEXT    NOT NULL DEFAULT '',
    text       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX case_log_case ON case_log(case_id, id);
CREATE TRIGGER case_log_append_only_update BEFORE UPDATE ON case_log
BEGIN SELECT RAISE(ABORT, 'case_log is append-only'); END;
CREATE TRIGGER case_log_append_only_delete BEFORE DELETE ON case_log
BEGIN SELECT RAISE(ABORT, 'case_log is append-only'); END;

-- The council's draws by lot. Anyone can re-run one from its row: the
-- eligible accounts in ascending ID order, shuffled by the algorithm
-- named (see ledger.DrawLots) with the recorded seed; the first seats
-- are the result.
CREATE TABLE council_draws (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    number       INTEGER NOT NULL CHECK (number > 0),
    seed         TEXT    NOT NULL CHECK (length(seed) = 32),  -- 16 bytes, hex
    algorithm    TEXT    NOT NULL,
    seats        INTEGER NOT NULL CHECK (seats >= 0),
    eligible     TEXT    NOT NULL,   -- account IDs, ascending, comma-separated
    result       TEXT    NOT NULL,   -- account IDs drawn, in draw order
    excluded     TEXT    NOT NULL DEFAULT '', -- account IDs left out (the named members)
    active_since INTEGER,            -- only members active since then were eligible
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    op_id        INTEGER NOT NULL REFERENCES case_ops(id),
    created_at   INTEGER NOT NULL,
    UNIQUE (community_id, number)
);
CREATE TRIGGER council_draws_append_only_update BEFORE UPDATE ON council_draws
BEGIN SELECT RAISE(ABORT, 'council_draws are append-only'); END;
CREATE TRIGGER council_draws_append_only_delete BEFORE DELETE ON council_draws
BEGIN SELECT RAISE(ABORT, 'council_draws are append-only'); END;
