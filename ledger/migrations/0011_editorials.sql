-- An editorial a moderator writes for the next newsletter issue: the
-- latest one written since the last issue opens it. Every editorial is
-- kept; publishing sets its issue, once.
CREATE TABLE newsletter_editorials (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    author_id    INTEGER NOT NULL REFERENCES accounts(id),
    text         TEXT    NOT NULL CHECK (length(trim(text)) > 0 AND length(text) <= 1500),
    created_at   INTEGER NOT NULL,
    issue_id     INTEGER REFERENCES newsletter_issues(id)
);
CREATE INDEX newsletter_editorials_community ON newsletter_editorials(community_id, id);
CREATE TRIGGER newsletter_editorials_guard_update BEFORE UPDATE ON newsletter_editorials
WHEN NEW.id IS NOT OLD.id OR NEW.community_id IS NOT OLD.community_id OR NEW.author_id IS NOT OLD.author_id
  OR NEW.text IS NOT OLD.text OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.issue_id IS NOT NULL AND NEW.issue_id IS NOT OLD.issue_id)
BEGIN SELECT RAISE(ABORT, 'newsletter_editorials: only the issue may be set, once'); END;
CREATE TRIGGER newsletter_editorials_append_only_delete BEFORE DELETE ON newsletter_editorials
BEGIN SELECT RAISE(ABORT, 'newsletter_editorials are append-only'); END;
