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
           entraide_chain(c.hash, 'operations', NEW.id, NEW.community_id, NEW.idem_key, NEW.fingerprint, NEW.kind, NEW.actor_id, NEW.source, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER exchanges_chain AFTER INSERT ON exchanges
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'exchanges', NEW.id,
           entraide_chain(c.hash, 'exchanges', NEW.id, NEW.operation_id, NEW.community_id, NEW.from_id, NEW.to_id, NEW.minutes, NEW.category, NEW.note, NEW.actor_id, NEW.source, NEW.reverses, NEW.reason, NEW.created_at, NEW.group_id)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER identity_links_chain AFTER INSERT ON identity_links
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'identity_links', NEW.id,
           entraide_chain(c.hash, 'identity_links', NEW.id, NEW.operation_id, NEW.community_id, NEW.kind, NEW.platform, NEW.user_id, NEW.from_account, NEW.to_account, NEW.transfer_id, NEW.undoes, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER decision_ops_chain AFTER INSERT ON decision_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'decision_ops', NEW.id,
           entraide_chain(c.hash, 'decision_ops', NEW.id, NEW.community_id, NEW.idem_key, NEW.fingerprint, NEW.kind, NEW.proposal_id, NEW.actor_id, NEW.source, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER proposal_versions_chain AFTER INSERT ON proposal_versions
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM proposals WHERE id = NEW.proposal_id), COALESCE(MAX(c.seq), 0) + 1, 'proposal_versions', NEW.op_id,
           entraide_chain(c.hash, 'proposal_versions', NEW.proposal_id, NEW.version, NEW.text, NEW.op_id, NEW.created_at)
    FROM chain c WHERE c.community_id = (SELECT community_id FROM proposals WHERE id = NEW.proposal_id);
END;
CREATE TRIGGER responses_chain AFTER INSERT ON responses
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM proposals WHERE id = NEW.proposal_id), COALESCE(MAX(c.seq), 0) + 1, 'responses', NEW.id,
           entraide_chain(c.hash, 'responses', NEW.id, NEW.proposal_id, NEW.version, NEW.account_id, NEW.kind, NEW.text, NEW.op_id, NEW.created_at)
    FROM chain c WHERE c.community_id = (SELECT community_id FROM proposals WHERE id = NEW.proposal_id);
END;
CREATE TRIGGER objection_resolutions_chain AFTER INSERT ON objection_resolutions
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT p.community_id FROM responses r JOIN proposals p ON p.id = r.proposal_id WHERE r.id = NEW.response_id), COALESCE(MAX(c.seq), 0) + 1, 'objection_resolutions', NEW.response_id,
           entraide_chain(c.hash, 'objection_resolutions', NEW.response_id, NEW.kind, NEW.reason, NEW.actor_id, NEW.op_id, NEW.created_at)
    FROM chain c WHERE c.community_id = (SELECT p.community_id FROM responses r JOIN proposals p ON p.id = r.proposal_id WHERE r.id = NEW.response_id);
END;
CREATE TRIGGER proposals_chain AFTER UPDATE OF closed_at ON proposals
WHEN OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'proposals', NEW.id,
           entraide_chain(c.hash, 'proposals', NEW.id, NEW.community_id, NEW.number, NEW.proposer_id, NEW.opened_at, NEW.closed_at, NEW.outcome, NEW.closed_by, NEW.close_reason)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER group_ops_chain AFTER INSERT ON group_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'group_ops', NEW.id,
           entraide_chain(c.hash, 'group_ops', NEW.id, NEW.community_id, NEW.idem_key, NEW.fingerprint, NEW.kind, NEW.target, NEW.actor_id, NEW.source, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER news_chain AFTER UPDATE OF status ON news
WHEN OLD.status = 'pending' AND NEW.status <> 'pending'
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'news', NEW.id,
           entraide_chain(c.hash, 'news', NEW.id, NEW.community_id, NEW.author_id, NEW.text, NEW.status, NEW.submitted_at, NEW.decided_by, NEW.decided_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER case_ops_chain AFTER INSERT ON case_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'case_ops', NEW.id,
           entraide_chain(c.hash, 'case_ops', NEW.id, NEW.community_id, NEW.idem_key, NEW.fingerprint, NEW.kind, NEW.target, NEW.actor_id, NEW.source, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER case_log_chain AFTER INSERT ON case_log
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM cases WHERE id = NEW.case_id), COALESCE(MAX(c.seq), 0) + 1, 'case_log', NEW.id,
           entraide_chain(c.hash, 'case_log', NEW.id, NEW.case_id, NEW.op_id, NEW.kind, NEW.actor_id, NEW.subject_id, NEW.role, NEW.from_state, NEW.to_state, NEW.text, NEW.created_at)
    FROM chain c WHERE c.community_id = (SELECT community_id FROM cases WHERE id = NEW.case_id);
END;
CREATE TRIGGER council_draws_chain AFTER INSERT ON council_draws
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'council_draws', NEW.id,
           entraide_chain(c.hash, 'council_draws', NEW.id, NEW.community_id, NEW.number, NEW.seed, NEW.algorithm, NEW.seats, NEW.eligible, NEW.result, NEW.excluded, NEW.active_since, NEW.actor_id, NEW.op_id, NEW.created_at, NEW.reason)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER commons_ops_chain AFTER INSERT ON commons_ops
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'commons_ops', NEW.id,
           entraide_chain(c.hash, 'commons_ops', NEW.id, NEW.community_id, NEW.idem_key, NEW.fingerprint, NEW.kind, NEW.target, NEW.actor_id, NEW.source, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER commons_payments_chain AFTER INSERT ON commons_payments
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT NEW.community_id, COALESCE(MAX(c.seq), 0) + 1, 'commons_payments', NEW.id,
           entraide_chain(c.hash, 'commons_payments', NEW.id, NEW.community_id, NEW.number, NEW.op_id, NEW.requester_id, NEW.minutes, NEW.category, NEW.note, NEW.group_id, NEW.created_at)
    FROM chain c WHERE c.community_id = NEW.community_id;
END;
CREATE TRIGGER commons_payment_recipients_chain AFTER INSERT ON commons_payment_recipients
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id), COALESCE(MAX(c.seq), 0) + 1, 'commons_payment_recipients', NEW.payment_id * 65536 + NEW.position,
           entraide_chain(c.hash, 'commons_payment_recipients', NEW.payment_id, NEW.position, NEW.account_id)
    FROM chain c WHERE c.community_id = (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id);
END;
CREATE TRIGGER commons_payment_decisions_chain AFTER INSERT ON commons_payment_decisions
BEGIN
    INSERT INTO chain (community_id, seq, tbl, row_id, hash)
    SELECT (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id), COALESCE(MAX(c.seq), 0) + 1, 'commons_payment_decisions', NEW.payment_id,
           entraide_chain(c.hash, 'commons_payment_decisions', NEW.payment_id, NEW.kind, NEW.actor_id, NEW.reason, NEW.op_id, NEW.operation_id, NEW.created_at)
    FROM chain c WHERE c.community_id = (SELECT community_id FROM commons_payments WHERE id = NEW.payment_id);
END;
