-- Forward-only: never edit a migration once it has shipped; add a new one.

CREATE TABLE instances (
    id              TEXT PRIMARY KEY NOT NULL,
    display_name    TEXT NOT NULL,
    provider        TEXT NOT NULL CHECK (provider IN ('evolution', 'native', 'cloud')),
    -- The provider's handle for the instance (the Evolution instance name).
    remote_name     TEXT NOT NULL,
    -- The provider's own id for it (Evolution's instanceId), when it has one.
    remote_id       TEXT,
    server_url      TEXT,
    status          TEXT NOT NULL,
    status_reason   TEXT,
    profile_name    TEXT,
    phone           TEXT,
    -- How provider events reach us: 'webhook' (embedded listener) or 'polling'.
    event_transport TEXT NOT NULL CHECK (event_transport IN ('webhook', 'polling')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE UNIQUE INDEX instances_remote ON instances (provider, server_url, remote_name);

CREATE TABLE instance_status_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    reason      TEXT,
    at          INTEGER NOT NULL
);

CREATE INDEX instance_status_history_by_instance ON instance_status_history (instance_id, at);

-- Every message, both directions. Outbound rows are written before any provider call, so this
-- table is also the outbox: the worker claims 'queued' rows.
CREATE TABLE messages (
    id                  TEXT PRIMARY KEY NOT NULL,
    instance_id         TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    direction           TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    -- The conversation's address (a phone or group JID) and the person's identity in it.
    chat_jid            TEXT NOT NULL,
    contact             TEXT NOT NULL,
    sender_name         TEXT,
    kind                TEXT NOT NULL,
    body                TEXT,
    status              TEXT NOT NULL,
    provider_message_id TEXT,
    error_code          TEXT,
    error_message       TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    sent_at             INTEGER,
    delivered_at        INTEGER,
    read_at             INTEGER
);

CREATE UNIQUE INDEX messages_provider_id ON messages (instance_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_newest ON messages (created_at DESC);
CREATE INDEX messages_outbox ON messages (instance_id, status, created_at);

-- Receipts that arrived before the send call returned the provider's message id (webhooks can
-- overtake the HTTP response). Applied as soon as the id is known.
CREATE TABLE early_receipts (
    instance_id         TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    provider_message_id TEXT NOT NULL,
    status              TEXT NOT NULL,
    -- MessageStatus::rank of `status`, so only the furthest receipt is kept.
    status_rank         INTEGER NOT NULL,
    at                  INTEGER NOT NULL,
    PRIMARY KEY (instance_id, provider_message_id)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
