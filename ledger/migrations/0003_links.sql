-- One member, several platform accounts: a one-time code asked for on one
-- platform and entered on another joins the second identity to the first
-- one's account.

CREATE TABLE link_codes (
    code         TEXT    PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    platform     TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);

-- Every link and unlink, append-only: what a moderator needs to see how an
-- account came to hold several identities, and to undo it.
CREATE TABLE identity_links (
    id            INTEGER PRIMARY KEY,
    operation_id  INTEGER NOT NULL REFERENCES operations(id),
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    kind          TEXT    NOT NULL CHECK (kind IN ('link', 'unlink')),
    platform      TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    from_account  INTEGER NOT NULL REFERENCES accounts(id),
    to_account    INTEGER NOT NULL REFERENCES accounts(id),
    -- the entry that moved the joined account's balance, if it had one
    transfer_id   INTEGER REFERENCES exchanges(id),
    -- for an unlink, the link it undoes
    undoes        INTEGER UNIQUE REFERENCES identity_links(id),
    created_at    INTEGER NOT NULL
);
CREATE INDEX identity_links_identity ON identity_links(community_id, platform, user_id, id);

CREATE TRIGGER identity_links_append_only_update BEFORE UPDATE ON identity_links
BEGIN SELECT RAISE(ABORT, 'identity_links are append-only'); END;
CREATE TRIGGER identity_links_append_only_delete BEFORE DELETE ON identity_links
BEGIN SELECT RAISE(ABORT, 'identity_links are append-only'); END;
