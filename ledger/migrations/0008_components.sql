-- What a platform's message components (buttons, modals) do, keyed by the
-- short custom ID the platform carries: a button works for as long as its
-- message lives, across restarts. Rows are written once and never change.
CREATE TABLE components (
    platform   TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    ask        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (platform, id)
) WITHOUT ROWID;
