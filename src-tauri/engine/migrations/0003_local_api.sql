-- The local API: keys for local apps, per-message status history, outgoing webhooks.

-- A key is shown once; only its SHA-256 is kept. `prefix` (the first characters after `sbk_`)
-- finds the row; the hash is then compared in constant time.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    prefix      TEXT NOT NULL UNIQUE,
    hash        TEXT NOT NULL,
    -- At most this many messages per local day (NULL: no limit).
    daily_limit INTEGER,
    created_at  INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at  INTEGER
);

-- The instances a key may use; a key with no rows here may use none.
CREATE TABLE api_key_instances (
    key_id      TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, instance_id)
);

-- Every status a message went through, kept by triggers.
CREATE TABLE message_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    error      TEXT,
    at         INTEGER NOT NULL
);

CREATE INDEX message_events_by_message ON message_events (message_id, id);

CREATE TRIGGER message_events_on_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO message_events (message_id, status, at) VALUES (NEW.id, NEW.status, NEW.created_at);
END;

CREATE TRIGGER message_events_on_status AFTER UPDATE OF status ON messages
WHEN NEW.status != OLD.status
BEGIN
    INSERT INTO message_events (message_id, status, error, at)
    VALUES (NEW.id, NEW.status, NEW.error_message, NEW.updated_at);
END;

CREATE TABLE webhook_subscriptions (
    id         TEXT PRIMARY KEY NOT NULL,
    url        TEXT NOT NULL,
    -- JSON array of event kinds.
    events     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- Which key created it (NULL: a person in the window).
    key_id     TEXT REFERENCES api_keys (id) ON DELETE CASCADE
);

-- One row per event per subscription; the dispatcher posts due rows, retrying with back-off.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- 'pending', 'delivered', 'failed' (gave up).
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, created_at DESC);
