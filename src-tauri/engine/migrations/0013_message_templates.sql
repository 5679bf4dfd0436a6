-- The message templates of a number's business account (the Cloud API), as last synced: sends are
-- checked against them (approved, the right number of variables) before anything is queued.
CREATE TABLE message_templates (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    language    TEXT NOT NULL,
    status      TEXT NOT NULL,
    category    TEXT NOT NULL,
    -- The body's text with its {{1}} / {{name}} placeholders.
    body        TEXT,
    variables   INTEGER NOT NULL,
    synced_at   INTEGER NOT NULL,
    PRIMARY KEY (instance_id, name, language)
) WITHOUT ROWID;
