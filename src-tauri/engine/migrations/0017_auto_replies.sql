-- Replies that answer themselves: each number's rules, in the order a person gave them. The first
-- enabled rule that matches an incoming message answers it, through the outbox like any send.
CREATE TABLE auto_replies (
    id              INTEGER PRIMARY KEY,
    instance_id     TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    -- 'contains', 'equals', 'starts_with' (with `pattern`), 'away' (outside `hours`), 'greeting'.
    trigger         TEXT NOT NULL,
    pattern         TEXT,
    reply_text      TEXT NOT NULL,
    -- A saved file sent with the reply (its text as the caption): 'image', 'video', 'audio', 'document'.
    media_kind      TEXT,
    media_path      TEXT,
    in_groups       INTEGER NOT NULL DEFAULT 0,
    -- At most one reply of this rule per contact within this many hours (0: every time).
    once_per_hours  INTEGER NOT NULL DEFAULT 0,
    -- Business hours of an away rule, as JSON: {"timeZone": "America/Sao_Paulo", "days": [...]}.
    hours           TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX auto_replies_by_instance ON auto_replies (instance_id, position);

-- When each rule last answered each chat (for "at most once per contact per N hours").
CREATE TABLE auto_reply_sends (
    rule_id  INTEGER NOT NULL REFERENCES auto_replies (id) ON DELETE CASCADE,
    chat_jid TEXT NOT NULL,
    sent_at  INTEGER NOT NULL,
    PRIMARY KEY (rule_id, chat_jid)
) WITHOUT ROWID;
