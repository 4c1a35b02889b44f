-- Decisions by consent: proposals, their text versions, who may respond
-- (the eligibility snapshot taken when a proposal opens), the responses and
-- the facilitators' resolutions of objections. Everything but a proposal's
-- lifecycle columns is append-only: changing a response appends a row, an
-- amendment appends a version, and the history stays readable.

-- One row per accepted decision command: idem_key is the platform event ID,
-- so a redelivered event finds its operation and records nothing new.
CREATE TABLE decision_ops (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    idem_key     TEXT    NOT NULL UNIQUE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('propose', 'respond', 'amend', 'resolve', 'close')),
    proposal_id  INTEGER NOT NULL REFERENCES proposals(id),
    actor_id     INTEGER NOT NULL REFERENCES accounts(id),
    source       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE proposals (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    number       INTEGER NOT NULL CHECK (number > 0),   -- the #N members see
    proposer_id  INTEGER NOT NULL REFERENCES accounts(id),
    platform     TEXT    NOT NULL,                      -- where the card is
    room         TEXT    NOT NULL,
    thread       TEXT    NOT NULL DEFAULT '',           -- its discussion thread, if any
    card         TEXT    NOT NULL DEFAULT '',           -- the card's platform message ID, if any
    deadline     INTEGER NOT NULL,                      -- UTC unix seconds
    quorum       INTEGER NOT NULL DEFAULT 0 CHECK (quorum >= 0), -- respondents needed in the last round
    opened_at    INTEGER NOT NULL,
    idem_key     TEXT    NOT NULL UNIQUE,               -- the key of the propose operation
    closed_at    INTEGER,
    outcome      TEXT    CHECK (outcome IN ('adopted', 'not_adopted')),
    closed_by    INTEGER REFERENCES accounts(id),       -- NULL: closed at the deadline
    reminded_at  INTEGER,
    announced_at INTEGER,
    UNIQUE (community_id, number),
    CHECK ((closed_at IS NULL) = (outcome IS NULL)),
    CHECK (closed_by IS NULL OR closed_at IS NOT NULL),
    CHECK (announced_at IS NULL OR closed_at IS NOT NULL)
);
CREATE INDEX proposals_open ON proposals(community_id, deadline) WHERE closed_at IS NULL;
CREATE INDEX proposals_unannounced ON proposals(community_id) WHERE closed_at IS NOT NULL AND announced_at IS NULL;

-- What was decided stays decided: a proposal's identity never changes, its
-- card and thread are set once, a close is final, and the reminder and
-- announcement marks only go from unset to set.
CREATE TRIGGER proposals_guard_update BEFORE UPDATE ON proposals
WHEN NEW.id IS NOT OLD.id OR NEW.community_id IS NOT OLD.community_id OR NEW.number IS NOT OLD.number
  OR NEW.proposer_id IS NOT OLD.proposer_id OR NEW.platform IS NOT OLD.platform OR NEW.room IS NOT OLD.room
  OR NEW.deadline IS NOT OLD.deadline OR NEW.quorum IS NOT OLD.quorum OR NEW.opened_at IS NOT OLD.opened_at
  OR NEW.idem_key IS NOT OLD.idem_key
  OR (OLD.thread <> '' AND NEW.thread IS NOT OLD.thread)
  OR (OLD.card <> '' AND NEW.card IS NOT OLD.card)
  OR (OLD.closed_at IS NOT NULL AND (NEW.closed_at IS NOT OLD.closed_at OR NEW.outcome IS NOT OLD.outcome
      OR NEW.closed_by IS NOT OLD.closed_by))
  OR (OLD.reminded_at IS NOT NULL AND NEW.reminded_at IS NOT OLD.reminded_at)
  OR (OLD.announced_at IS NOT NULL AND NEW.announced_at IS NOT OLD.announced_at)
BEGIN SELECT RAISE(ABORT, 'proposals: only the card, thread, close and marks may be set, once'); END;
CREATE TRIGGER proposals_append_only_delete BEFORE DELETE ON proposals
BEGIN SELECT RAISE(ABORT, 'proposals are append-only'); END;

CREATE TABLE proposal_versions (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    version     INTEGER NOT NULL CHECK (version > 0),
    text        TEXT    NOT NULL CHECK (length(text) > 0),
    op_id       INTEGER NOT NULL REFERENCES decision_ops(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, version)
);

-- The members who may respond: the community's members when it opened.
CREATE TABLE proposal_eligible (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (proposal_id, account_id)
) WITHOUT ROWID;

-- A member's current response is their latest row for the current version.
CREATE TABLE responses (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    version     INTEGER NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('consent', 'concern', 'stand_aside', 'objection', 'withdrawn')),
    text        TEXT    NOT NULL DEFAULT '',
    op_id       INTEGER NOT NULL UNIQUE REFERENCES decision_ops(id),
    created_at  INTEGER NOT NULL,
    FOREIGN KEY (proposal_id, version) REFERENCES proposal_versions(proposal_id, version),
    FOREIGN KEY (proposal_id, account_id) REFERENCES proposal_eligible(proposal_id, account_id),
    -- an objection and a concern always say why
    CHECK (kind NOT IN ('objection', 'concern') OR length(trim(text)) > 0)
);
CREATE INDEX responses_member ON responses(proposal_id, version, account_id, id);

-- A facilitator's decision on one objection, with the reason recorded.
CREATE TABLE objection_resolutions (
    response_id INTEGER PRIMARY KEY REFERENCES responses(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('integrated', 'not_paramount')),
    reason      TEXT    NOT NULL CHECK (length(trim(reason)) > 0),
    actor_id    INTEGER NOT NULL REFERENCES accounts(id),
    op_id       INTEGER NOT NULL UNIQUE REFERENCES decision_ops(id),
    created_at  INTEGER NOT NULL
);

CREATE TRIGGER decision_ops_append_only_update BEFORE UPDATE ON decision_ops
BEGIN SELECT RAISE(ABORT, 'decision_ops are append-only'); END;
CREATE TRIGGER decision_ops_append_only_delete BEFORE DELETE ON decision_ops
BEGIN SELECT RAISE(ABORT, 'decision_ops are append-only'); END;
CREATE TRIGGER proposal_versions_append_only_update BEFORE UPDATE ON proposal_versions
BEGIN SELECT RAISE(ABORT, 'proposal_versions are append-only'); END;
CREATE TRIGGER proposal_versions_append_only_delete BEFORE DELETE ON proposal_versions
BEGIN SELECT RAISE(ABORT, 'proposal_versions are append-only'); END;
CREATE TRIGGER proposal_eligible_append_only_update BEFORE UPDATE ON proposal_eligible
BEGIN SELECT RAISE(ABORT, 'proposal_eligible is append-only'); END;
CREATE TRIGGER proposal_eligible_append_only_delete BEFORE DELETE ON proposal_eligible
BEGIN SELECT RAISE(ABORT, 'proposal_eligible is append-only'); END;
CREATE TRIGGER responses_append_only_update BEFORE UPDATE ON responses
BEGIN SELECT RAISE(ABORT, 'responses are append-only'); END;
CREATE TRIGGER responses_append_only_delete BEFORE DELETE ON responses
BEGIN SELECT RAISE(ABORT, 'responses are append-only'); END;
CREATE TRIGGER objection_resolutions_append_only_update BEFORE UPDATE ON objection_resolutions
BEGIN SELECT RAISE(ABORT, 'objection_resolutions are append-only'); END;
CREATE TRIGGER objection_resolutions_append_only_delete BEFORE DELETE ON objection_resolutions
BEGIN SELECT RAISE(ABORT, 'objection_resolutions are append-only'); END;
