-- Working groups, their scheduled reminders, and the internal newsletter
-- (issue 6). Exchanges and proposals may name a group.

CREATE TABLE groups (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 32), -- lower case, unique per community
    platform     TEXT    NOT NULL DEFAULT '',   -- the room the group is bound to ('' until bound)
    room         TEXT    NOT NULL DEFAULT '',
    timezone     TEXT    NOT NULL DEFAULT '',   -- IANA zone; '' for the community's
    pings        INTEGER NOT NULL DEFAULT 0 CHECK (pings IN (0, 1)), -- reminders mention the members
    declared     INTEGER NOT NULL DEFAULT 0 CHECK (declared IN (0, 1)), -- from config.yaml
    created_at   INTEGER NOT NULL,
    UNIQUE (community_id, name),
    CHECK ((platform = '') = (room = ''))
);

-- Who is in a group now. Joining and leaving are recorded in group_ops.
CREATE TABLE group_members (
    group_id   INTEGER NOT NULL REFERENCES groups(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, account_id)
) WITHOUT ROWID;
CREATE INDEX group_members_account ON group_members(account_id);

-- One row per accepted group, reminder, news or newsletter command that
-- wrote something: idem_key is the platform event ID, so a redelivered
-- event finds its operation and records nothing new.
CREATE TABLE group_ops (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    target       INTEGER NOT NULL DEFAULT 0, -- the group, reminder, news item or issue it acted on
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    source       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE TRIGGER group_ops_append_only_update BEFORE UPDATE ON group_ops
BEGIN SELECT RAISE(ABORT, 'group_ops are append-only'); END;
CREATE TRIGGER group_ops_append_only_delete BEFORE DELETE ON group_ops
BEGIN SELECT RAISE(ABORT, 'group_ops are append-only'); END;

-- A reminder posts its text in its group's room: on a cron specification
-- (recurring; natural forms such as "every monday 18:00" are stored as
-- the cron line they mean), or once. next_due is the next occurrence in
-- UTC unix seconds, computed in the group's time zone; NULL when it will
-- never be due again (a one-time reminder that was posted).
CREATE TABLE reminders (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    group_id     INTEGER NOT NULL REFERENCES groups(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('cron', 'once')),
    spec         TEXT    NOT NULL DEFAULT '',
    input        TEXT    NOT NULL,              -- the schedule as typed
    text         TEXT    NOT NULL CHECK (length(trim(text)) > 0),
    next_due     INTEGER,
    paused_at    INTEGER,
    cancelled_at INTEGER,
    created_by   INTEGER NOT NULL REFERENCES accounts(id),
    created_at   INTEGER NOT NULL,
    CHECK (kind = 'once' OR spec <> '')
);
CREATE INDEX reminders_due ON reminders(community_id, next_due)
    WHERE cancelled_at IS NULL AND paused_at IS NULL AND next_due IS NOT NULL;
CREATE INDEX reminders_group ON reminders(group_id);

-- What became of each occurrence. The row is written in the transaction
-- that advances next_due, before anything is posted (state 'claimed'),
-- then marked 'posted' (or 'failed', retried within the grace period, then
-- 'abandoned'). UNIQUE (reminder_id, due) makes "at most once per
-- occurrence" a property of the schema: a crash after posting leaves the
-- row, and the occurrence is not posted again ('unconfirmed' after a
-- restart). A 'missed' row stands for `occurrences` missed while the bot
-- was offline, from due to last_due, told in one summary per group.
CREATE TABLE reminder_deliveries (
    id          INTEGER PRIMARY KEY,
    reminder_id INTEGER NOT NULL REFERENCES reminders(id),
    due         INTEGER NOT NULL,
    last_due    INTEGER NOT NULL,
    occurrences INTEGER NOT NULL DEFAULT 1 CHECK (occurrences > 0),
    kind        TEXT    NOT NULL CHECK (kind IN ('post', 'missed', 'skipped')),
    state       TEXT    NOT NULL CHECK (state IN ('claimed', 'posted', 'failed', 'abandoned', 'unconfirmed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    claimed_at  INTEGER NOT NULL,
    posted_at   INTEGER,
    UNIQUE (reminder_id, due)
);
CREATE INDEX reminder_deliveries_open ON reminder_deliveries(state) WHERE state IN ('claimed', 'failed');

-- Exchanges and proposals may name a group: hours per group in the
-- newsletter, proposals decided by a group's members.
ALTER TABLE exchanges ADD COLUMN group_id INTEGER REFERENCES groups(id);

-- The newsletter's chart sums twelve weeks of exchanges per category: with
-- this covering index each (category, week) is one short range read, and
-- no sort is needed (a GROUP BY over the created_at index sorts every row
-- of the twelve weeks: a third of a second over a million exchanges).
CREATE INDEX exchanges_category ON exchanges(community_id, category, created_at, minutes, reverses);
ALTER TABLE proposals ADD COLUMN group_id INTEGER REFERENCES groups(id);
CREATE TRIGGER proposals_group_guard BEFORE UPDATE OF group_id ON proposals
WHEN NEW.group_id IS NOT OLD.group_id
BEGIN SELECT RAISE(ABORT, 'proposals: the group is set once'); END;

-- Issues of the newsletter, each covering [period_from, period_to).
-- scheduled_for is the occurrence of the community's schedule an issue
-- answers (NULL for /newsletter send), unique so a schedule sends once.
CREATE TABLE newsletter_issues (
    id            INTEGER PRIMARY KEY,
    community_id  INTEGER NOT NULL REFERENCES communities(id),
    number        INTEGER NOT NULL CHECK (number > 0),
    period_from   INTEGER NOT NULL,
    period_to     INTEGER NOT NULL,
    scheduled_for INTEGER,
    platform      TEXT    NOT NULL,
    room          TEXT    NOT NULL,
    text          TEXT    NOT NULL,              -- the Markdown as sent
    created_at    INTEGER NOT NULL,
    posted_at     INTEGER,
    UNIQUE (community_id, number),
    UNIQUE (community_id, scheduled_for),
    CHECK (period_from <= period_to)
);

-- When a community's newsletter schedule was first seen: occurrences
-- before it are not owed an issue.
CREATE TABLE newsletter_schedules (
    community_id INTEGER PRIMARY KEY REFERENCES communities(id),
    spec         TEXT    NOT NULL,
    since        INTEGER NOT NULL
);

-- News members submit; a moderator approves it before it appears in the
-- next issue (issue_id is set when it is published).
CREATE TABLE news (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    author_id    INTEGER NOT NULL REFERENCES accounts(id),
    text         TEXT    NOT NULL CHECK (length(trim(text)) > 0 AND length(text) <= 500),
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES accounts(id),
    decided_at   INTEGER,
    issue_id     INTEGER REFERENCES newsletter_issues(id),
    CHECK (issue_id IS NULL OR status = 'approved')
);
CREATE INDEX news_open ON news(community_id, status) WHERE issue_id IS NULL;

-- Members who asked not to be named in the newsletter.
CREATE TABLE newsletter_optouts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
    since      INTEGER NOT NULL
);
