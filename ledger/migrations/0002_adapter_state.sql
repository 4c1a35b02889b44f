-- What platform adapters must remember across restarts, such as the Matrix
-- sync token. Values are small strings owned by one platform each.
CREATE TABLE adapter_state (
    platform   TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (platform, key)
) WITHOUT ROWID;
