-- Conversations, the contact book and search. Contacts and conversations are kept by triggers from
-- the message log, so every path that writes a message (accepts, campaigns, provider reports) keeps
-- them in step without code of its own; the search index is an external-content FTS5 table over
-- the message text, so no text is stored twice.

-- One row per person or group, across numbers. `jid` is the identity the log uses (the phone JID
-- when one is known, else the LID; the group JID for a group).
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    jid          TEXT NOT NULL UNIQUE,
    -- The name the person gave themselves on WhatsApp (the latest heard).
    push_name    TEXT,
    -- The name a person here saved.
    name         TEXT,
    notes        TEXT,
    -- When the contact asked not to be messaged (NULL: not opted out).
    opted_out_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- Other addresses of a contact (a `@lid` learned beside the phone JID): messages that arrive with
-- only the alias are logged under the contact's identity.
CREATE TABLE contact_aliases (
    alias_jid TEXT PRIMARY KEY NOT NULL,
    jid       TEXT NOT NULL
);

CREATE TABLE labels (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- A CSS colour (`#rrggbb`).
    color TEXT NOT NULL
);

CREATE TABLE contact_labels (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    label_id   INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, label_id)
);

CREATE INDEX contact_labels_by_label ON contact_labels (label_id, contact_id);

-- One row per chat per number: what the conversation list pages through without touching the log.
CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    chat_jid    TEXT NOT NULL,
    last_at     INTEGER NOT NULL,
    unread      INTEGER NOT NULL DEFAULT 0,
    -- When a person here last read it: inbound messages older than this do not count as unread.
    read_at     INTEGER,
    UNIQUE (instance_id, chat_jid)
);

CREATE INDEX conversations_newest ON conversations (last_at DESC, id DESC);
CREATE INDEX conversations_by_instance ON conversations (instance_id, last_at DESC, id DESC);
CREATE INDEX conversations_by_chat ON conversations (chat_jid);

-- A thread pages backwards through one chat of one number; the chat comes first so a search by
-- contact finds every number's messages with that person.
CREATE INDEX messages_thread ON messages (chat_jid, instance_id, created_at);

-- Whether the number tells the customer their messages were read when a person here opens them.
ALTER TABLE instances ADD COLUMN send_read_receipts INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER conversations_on_message AFTER INSERT ON messages
BEGIN
    INSERT INTO contacts (jid, push_name, created_at, updated_at)
    VALUES (
        NEW.chat_jid,
        CASE WHEN NEW.direction = 'inbound' AND NEW.chat_jid NOT LIKE '%@g.us' THEN NEW.sender_name END,
        NEW.created_at,
        NEW.created_at
    )
    ON CONFLICT (jid) DO UPDATE SET push_name = excluded.push_name, updated_at = excluded.updated_at
    WHERE excluded.push_name IS NOT NULL AND excluded.push_name IS NOT contacts.push_name;

    INSERT INTO conversations (instance_id, chat_jid, last_at, unread)
    VALUES (NEW.instance_id, NEW.chat_jid, NEW.created_at, NEW.direction = 'inbound')
    ON CONFLICT (instance_id, chat_jid) DO UPDATE SET
        last_at = max(conversations.last_at, excluded.last_at),
        unread = conversations.unread
            + (excluded.unread AND NEW.created_at > COALESCE(conversations.read_at, 0));
END;

-- Conversations and contacts for the log as it stands.
INSERT INTO contacts (jid, created_at, updated_at)
SELECT chat_jid, min(created_at), max(created_at) FROM messages GROUP BY chat_jid;

UPDATE contacts SET push_name = (
    SELECT m.sender_name FROM messages m
    WHERE m.chat_jid = contacts.jid AND m.direction = 'inbound' AND m.sender_name IS NOT NULL
      AND m.chat_jid NOT LIKE '%@g.us'
    ORDER BY m.created_at DESC LIMIT 1
);

-- Existing messages count as read: nobody could have read them here as a conversation before.
INSERT INTO conversations (instance_id, chat_jid, last_at, unread, read_at)
SELECT instance_id, chat_jid, max(created_at), 0, max(created_at) FROM messages GROUP BY instance_id, chat_jid;

-- Search over message text. Trigram finds parts of words and of numbers written in the text.
-- External content: the index refers to `messages` by rowid and stores no copy of the text. The
-- rowid of `messages` (no INTEGER PRIMARY KEY) is stable except across VACUUM, which the store
-- never runs; a VACUUM would need `INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')`.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'trigram'
);

CREATE TRIGGER messages_fts_on_insert AFTER INSERT ON messages
WHEN NEW.body IS NOT NULL
BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.rowid, NEW.body);
END;

CREATE TRIGGER messages_fts_on_delete AFTER DELETE ON messages
WHEN OLD.body IS NOT NULL
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.rowid, OLD.body);
END;

CREATE TRIGGER messages_fts_on_update AFTER UPDATE OF body ON messages
WHEN OLD.body IS NOT NEW.body
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
    SELECT 'delete', OLD.rowid, OLD.body WHERE OLD.body IS NOT NULL;
    INSERT INTO messages_fts (rowid, body) SELECT NEW.rowid, NEW.body WHERE NEW.body IS NOT NULL;
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
