-- The time bank: communities, accounts, platform identities, and the
-- append-only journal of exchanges grouped into operations (one per command).

CREATE TABLE communities (
    id         INTEGER PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- An account is a member of one community, or that community's commons.
-- balance is kept in the same transaction as every entry that moves it;
-- `entraide verify` recomputes it from the entries.
CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('member', 'commons')),
    display_name TEXT    NOT NULL,
    balance      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_one_commons ON accounts(community_id) WHERE kind = 'commons';

-- A platform identity (immutable platform user ID, never a display name)
-- belongs to exactly one account per community.
CREATE TABLE identities (
    community_id INTEGER NOT NULL REFERENCES communities(id),
    platform     TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (community_id, platform, user_id)
) WITHOUT ROWID;
CREATE INDEX identities_account ON identities(account_id);

-- One operation per accepted command that writes. idem_key is the platform
-- event ID: a redelivered event finds its operation and records nothing new.
CREATE TABLE operations (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('give', 'commons', 'undo', 'reverse', 'link', 'unlink')),
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    source       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX operations_actor ON operations(actor_id, id);

CREATE TABLE exchanges (
    id           INTEGER PRIMARY KEY,
    operation_id INTEGER NOT NULL REFERENCES operations(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    from_id      INTEGER NOT NULL REFERENCES accounts(id),
    to_id        INTEGER NOT NULL REFERENCES accounts(id),
    minutes      INTEGER NOT NULL CHECK (minutes > 0),
    category     TEXT    NOT NULL DEFAULT '',
    note         TEXT    NOT NULL DEFAULT '' CHECK (length(note) <= 280),
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    source       TEXT    NOT NULL,
    -- A correction is a new entry pointing at the one it cancels; the
    -- unique index below makes "reversed at most once" a property of the
    -- schema.
    reverses     INTEGER REFERENCES exchanges(id),
    reason       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    CHECK (from_id <> to_id)
);
-- Partial: most entries reverse nothing, and indexing their NULLs would
-- cost every gift one more index write for nothing.
CREATE UNIQUE INDEX exchanges_reverses ON exchanges(reverses) WHERE reverses IS NOT NULL;
CREATE INDEX exchanges_from ON exchanges(from_id, id);
CREATE INDEX exchanges_to ON exchanges(to_id, id);
CREATE INDEX exchanges_operation ON exchanges(operation_id);
CREATE INDEX exchanges_created ON exchanges(community_id, created_at);

CREATE TRIGGER exchanges_append_only_update BEFORE UPDATE ON exchanges
BEGIN SELECT RAISE(ABORT, 'exchanges are append-only'); END;
CREATE TRIGGER exchanges_append_only_delete BEFORE DELETE ON exchanges
BEGIN SELECT RAISE(ABORT, 'exchanges are append-only'); END;
CREATE TRIGGER operations_append_only_update BEFORE UPDATE ON operations
BEGIN SELECT RAISE(ABORT, 'operations are append-only'); END;
CREATE TRIGGER operations_append_only_delete BEFORE DELETE ON operations
BEGIN SELECT RAISE(ABORT, 'operations are append-only'); END;
