-- Mutual aid: members post what they need and what they can offer, find
-- each other, meet privately, and the gift that follows names what it
-- answered. Everything is appended: an edit is a new version, a close is
-- a new record; only a post's card and reminder mark are set, once.

-- One row per accepted offers-and-needs command (or scheduler action:
-- expiry, reminder): idem_key is the platform event ID, or a key naming
-- the post and the action for the scheduler.
CREATE TABLE aid_ops (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('post', 'edit', 'close', 'hide', 'contact', 'expire')),
    target       INTEGER NOT NULL,               -- the post
    actor_id     INTEGER REFERENCES accounts(id), -- NULL: the scheduler
    source       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE aid_posts (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('need', 'offer')),
    number       INTEGER NOT NULL CHECK (number > 0),   -- need n° N, offer n° N
    author_id    INTEGER NOT NULL REFERENCES accounts(id),
    category     TEXT    NOT NULL DEFAULT '',
    discreet     INTEGER NOT NULL DEFAULT 0 CHECK (discreet IN (0, 1)), -- seen by the moderators only
    expires_at   INTEGER,                               -- needs: their deadline, or the community's default
    platform     TEXT    NOT NULL,                      -- where it was posted
    room         TEXT    NOT NULL,
    card         TEXT    NOT NULL DEFAULT '',           -- the card's platform message ID, once posted
    reminded_at  INTEGER,                               -- the author was told it expires soon
    op_id        INTEGER NOT NULL UNIQUE REFERENCES aid_ops(id),
    created_at   INTEGER NOT NULL,
    UNIQUE (community_id, kind, number),
    CHECK (kind = 'need' OR (discreet = 0 AND expires_at IS NULL))
);
CREATE INDEX aid_posts_expiring ON aid_posts(community_id, expires_at) WHERE expires_at IS NOT NULL;

CREATE TRIGGER aid_posts_guard_update BEFORE UPDATE ON aid_posts
WHEN NEW.id IS NOT OLD.id OR NEW.community_id IS NOT OLD.community_id OR NEW.kind IS NOT OLD.kind
  OR NEW.number IS NOT OLD.number OR NEW.author_id IS NOT OLD.author_id OR NEW.category IS NOT OLD.category
  OR NEW.discreet IS NOT OLD.discreet OR NEW.expires_at IS NOT OLD.expires_at OR NEW.platform IS NOT OLD.platform
  OR NEW.room IS NOT OLD.room OR NEW.op_id IS NOT OLD.op_id OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.card <> '' AND NEW.card IS NOT OLD.card)
  OR (OLD.reminded_at IS NOT NULL AND NEW.reminded_at IS NOT OLD.reminded_at)
BEGIN SELECT RAISE(ABORT, 'aid_posts: only the card and the reminder mark may be set, once'); END;
CREATE TRIGGER aid_posts_append_only_delete BEFORE DELETE ON aid_posts
BEGIN SELECT RAISE(ABORT, 'aid_posts are append-only'); END;

-- A post's texts: the first, then each edit.
CREATE TABLE aid_versions (
    post_id    INTEGER NOT NULL REFERENCES aid_posts(id),
    version    INTEGER NOT NULL CHECK (version > 0),
    text       TEXT    NOT NULL CHECK (length(text) > 0),
    op_id      INTEGER NOT NULL UNIQUE REFERENCES aid_ops(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (post_id, version)
);

-- How a post ended, once: closed by its author or a moderator, met by a
-- gift from the need's author, expired, or hidden by a moderator.
CREATE TABLE aid_closures (
    post_id      INTEGER PRIMARY KEY REFERENCES aid_posts(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('closed', 'met', 'expired', 'hidden')),
    actor_id     INTEGER REFERENCES accounts(id),      -- NULL: the scheduler
    reason       TEXT    NOT NULL DEFAULT '',
    operation_id INTEGER REFERENCES operations(id),     -- the gift that met it
    op_id        INTEGER REFERENCES aid_ops(id),        -- NULL when a gift met it
    created_at   INTEGER NOT NULL,
    CHECK ((kind = 'met') = (operation_id IS NOT NULL)),
    CHECK (kind <> 'hidden' OR length(trim(reason)) > 0)
);

-- A member who answered a post, introduced to its author in a private
-- space.
CREATE TABLE aid_contacts (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES aid_posts(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    message    TEXT    NOT NULL DEFAULT '',
    platform   TEXT    NOT NULL,
    room       TEXT    NOT NULL DEFAULT '',             -- the private space, once made
    op_id      INTEGER NOT NULL UNIQUE REFERENCES aid_ops(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX aid_contacts_post ON aid_contacts(post_id);

-- A gift that names the post it answered ("need:1").
CREATE TABLE aid_gifts (
    operation_id INTEGER PRIMARY KEY REFERENCES operations(id),
    post_id      INTEGER NOT NULL REFERENCES aid_posts(id)
);
CREATE INDEX aid_gifts_post ON aid_gifts(post_id);

-- The search index: each post's latest text, accents and case folded.
-- An index, not a record: it is rewritten on each edit.
CREATE VIRTUAL TABLE aid_search USING fts4(body, tokenize=unicode61 "remove_diacritics=2");

CREATE TRIGGER aid_ops_append_only_update BEFORE UPDATE ON aid_ops
BEGIN SELECT RAISE(ABORT, 'aid_ops are append-only'); END;
CREATE TRIGGER aid_ops_append_only_delete BEFORE DELETE ON aid_ops
BEGIN SELECT RAISE(ABORT, 'aid_ops are append-only'); END;
CREATE TRIGGER aid_versions_append_only_update BEFORE UPDATE ON aid_versions
BEGIN SELECT RAISE(ABORT, 'aid_versions are append-only'); END;
CREATE TRIGGER aid_versions_append_only_delete BEFORE DELETE ON aid_versions
BEGIN SELECT RAISE(ABORT, 'aid_versions are append-only'); END;
CREATE TRIGGER aid_closures_append_only_update BEFORE UPDATE ON aid_closures
BEGIN SELECT RAISE(ABORT, 'aid_closures are append-only'); END;
CREATE TRIGGER aid_closures_append_only_delete BEFORE DELETE ON aid_closures
BEGIN SELECT RAISE(ABORT, 'aid_closures are append-only'); END;
CREATE TRIGGER aid_contacts_guard_update BEFORE UPDATE ON aid_contacts
WHEN NEW.id IS NOT OLD.id OR NEW.post_id IS NOT OLD.post_id OR NEW.account_id IS NOT OLD.account_id
  OR NEW.message IS NOT OLD.message OR NEW.platform IS NOT OLD.platform OR NEW.op_id IS NOT OLD.op_id
  OR NEW.created_at IS NOT OLD.created_at OR (OLD.room <> '' AND NEW.room IS NOT OLD.room)
BEGIN SELECT RAISE(ABORT, 'aid_contacts: only the space may be set, once'); END;
CREATE TRIGGER aid_contacts_append_only_delete BEFORE DELETE ON aid_contacts
BEGIN SELECT RAISE(ABORT, 'aid_contacts are append-only'); END;
CREATE TRIGGER aid_gifts_append_only_update BEFORE UPDATE ON aid_gifts
BEGIN SELECT RAISE(ABORT, 'aid_gifts are append-only'); END;
CREATE TRIGGER aid_gifts_append_only_delete BEFORE DELETE ON aid_gifts
BEGIN SELECT RAISE(ABORT, 'aid_gifts are append-only'); END;

-- Every record of offers and needs joins the hash chain: the ledger adds
-- their triggers from ledger/chain.go. A post's card and reminder mark,
-- and a contact's space, are set later and are not part of what is hashed.
