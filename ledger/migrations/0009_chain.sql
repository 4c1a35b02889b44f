-- A ledger that proves itself (issue 14): a hash chain over every
-- append-only record, per community, in commit order.
--
-- Each record's AFTER INSERT trigger appends an entry: the community's
-- next position, the record (table and key), and the SHA-256 of the
-- previous entry's hash and of the record's content, computed by
-- entraide_chain, a function the ledger registers on its connections (see
-- ledger/chain.go, which lists the same columns and recomputes every hash
-- in `entraide verify`). News is chained when it is decided, a proposal
-- when it closes (with its close reason). Records made before this
-- migration are chained by the ledger when it applies it, in time order.

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

CREATE TRIGGER operations_chain AFTER INSERT ON operations
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'operations', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'operations', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.idem_key) || ',' || quote(NEW.fingerprint) || ',' || quote(NEW.kind) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.source) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER exchanges_chain AFTER INSERT ON exchanges
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'exchanges', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'exchanges', quote(NEW.id) || ',' || quote(NEW.operation_id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.from_id) || ',' || quote(NEW.to_id) || ',' || quote(NEW.minutes) || ',' || quote(NEW.category) || ',' || quote(NEW.note) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.source) || ',' || quote(NEW.reverses) || ',' || quote(NEW.reason) || ',' || quote(NEW.created_at) || ',' || quote(NEW.group_id))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER identity_links_chain AFTER INSERT ON identity_links
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'identity_links', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'identity_links', quote(NEW.id) || ',' || quote(NEW.operation_id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.kind) || ',' || quote(NEW.platform) || ',' || quote(NEW.user_id) || ',' || quote(NEW.from_account) || ',' || quote(NEW.to_account) || ',' || quote(NEW.transfer_id) || ',' || quote(NEW.undoes) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER decision_ops_chain AFTER INSERT ON decision_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'decision_ops', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'decision_ops', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.idem_key) || ',' || quote(NEW.fingerprint) || ',' || quote(NEW.kind) || ',' || quote(NEW.proposal_id) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.source) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER proposal_versions_chain AFTER INSERT ON proposal_versions
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM proposals WHERE id = NEW.proposal_id), COALESCE(MAX(c.seq), 0) + 1, 'proposal_versions', NEW.op_id,
           entraide_chain(COALESCE(c.hash, X''), 'proposal_versions', quote(NEW.proposal_id) || ',' || quote(NEW.version) || ',' || quote(NEW.text) || ',' || quote(NEW.op_id) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = (SELECT community_id FROM proposals WHERE id = NEW.proposal_id);
END;
CREATE TRIGGER responses_chain AFTER INSERT ON responses
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM proposals WHERE id = NEW.proposal_id), COALESCE(MAX(c.seq), 0) + 1, 'responses', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'responses', quote(NEW.id) || ',' || quote(NEW.proposal_id) || ',' || quote(NEW.version) || ',' || quote(NEW.account_id) || ',' || quote(NEW.kind) || ',' || quote(NEW.text) || ',' || quote(NEW.op_id) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = (SELECT community_id FROM proposals WHERE id = NEW.proposal_id);
END;
CREATE TRIGGER objection_resolutions_chain AFTER INSERT ON objection_resolutions
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT p.community_id FROM responses r JOIN proposals p ON p.id = r.proposal_id WHERE r.id = NEW.response_id), COALESCE(MAX(c.seq), 0) + 1, 'objection_resolutions', NEW.response_id,
           entraide_chain(COALESCE(c.hash, X''), 'objection_resolutions', quote(NEW.response_id) || ',' || quote(NEW.kind) || ',' || quote(NEW.reason) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.op_id) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = (SELECT p.community_id FROM responses r JOIN proposals p ON p.id = r.proposal_id WHERE r.id = NEW.response_id);
END;
CREATE TRIGGER proposals_chain AFTER UPDATE OF closed_at ON proposals
WHEN OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'proposals', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'proposals', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.number) || ',' || quote(NEW.proposer_id) || ',' || quote(NEW.opened_at) || ',' || quote(NEW.closed_at) || ',' || quote(NEW.outcome) || ',' || quote(NEW.closed_by) || ',' || quote(NEW.close_reason))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER group_ops_chain AFTER INSERT ON group_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'group_ops', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'group_ops', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.idem_key) || ',' || quote(NEW.fingerprint) || ',' || quote(NEW.kind) || ',' || quote(NEW.target) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.source) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER news_chain AFTER UPDATE OF status ON news
WHEN OLD.status = 'pending' AND NEW.status <> 'pending'
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'news', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'news', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.author_id) || ',' || quote(NEW.text) || ',' || quote(NEW.status) || ',' || quote(NEW.submitted_at) || ',' || quote(NEW.decided_by) || ',' || quote(NEW.decided_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER case_ops_chain AFTER INSERT ON case_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'case_ops', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'case_ops', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.idem_key) || ',' || quote(NEW.fingerprint) || ',' || quote(NEW.kind) || ',' || quote(NEW.target) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.source) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER case_log_chain AFTER INSERT ON case_log
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM cases WHERE id = NEW.case_id), COALESCE(MAX(c.seq), 0) + 1, 'case_log', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'case_log', quote(NEW.id) || ',' || quote(NEW.case_id) || ',' || quote(NEW.op_id) || ',' || quote(NEW.kind) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.subject_id) || ',' || quote(NEW.role) || ',' || quote(NEW.from_state) || ',' || quote(NEW.to_state) || ',' || quote(NEW.text) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = (SELECT community_id FROM cases WHERE id = NEW.case_id);
END;
CREATE TRIGGER council_draws_chain AFTER INSERT ON council_draws
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'council_draws', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'council_draws', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.number) || ',' || quote(NEW.seed) || ',' || quote(NEW.algorithm) || ',' || quote(NEW.seats) || ',' || quote(NEW.eligible) || ',' || quote(NEW.result) || ',' || quote(NEW.excluded) || ',' || quote(NEW.active_since) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.op_id) || ',' || quote(NEW.created_at) || ',' || quote(NEW.reason))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER commons_ops_chain AFTER INSERT ON commons_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'commons_ops', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'commons_ops', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.idem_key) || ',' || quote(NEW.fingerprint) || ',' || quote(NEW.kind) || ',' || quote(NEW.target) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.source) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER commons_payments_chain AFTER INSERT ON commons_payments
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'commons_payments', NEW.id,
           entraide_chain(COALESCE(c.hash, X''), 'commons_payments', quote(NEW.id) || ',' || quote(NEW.community_id) || ',' || quote(NEW.number) || ',' || quote(NEW.op_id) || ',' || quote(NEW.requester_id) || ',' || quote(NEW.minutes) || ',' || quote(NEW.category) || ',' || quote(NEW.note) || ',' || quote(NEW.group_id) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER commons_payment_recipients_chain AFTER INSERT ON commons_payment_recipients
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id), COALESCE(MAX(c.seq), 0) + 1, 'commons_payment_recipients', NEW.payment_id * 65536 + NEW.position,
           entraide_chain(COALESCE(c.hash, X''), 'commons_payment_recipients', quote(NEW.payment_id) || ',' || quote(NEW.position) || ',' || quote(NEW.account_id))
    FROM chain c WHERE c.community_id = (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id);
END;
CREATE TRIGGER commons_payment_decisions_chain AFTER INSERT ON commons_payment_decisions
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id), COALESCE(MAX(c.seq), 0) + 1, 'commons_payment_decisions', NEW.payment_id,
           entraide_chain(COALESCE(c.hash, X''), 'commons_payment_decisions', quote(NEW.payment_id) || ',' || quote(NEW.kind) || ',' || quote(NEW.actor_id) || ',' || quote(NEW.reason) || ',' || quote(NEW.op_id) || ',' || quote(NEW.operation_id) || ',' || quote(NEW.created_at))
    FROM chain c WHERE c.community_id = (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id);
END;
