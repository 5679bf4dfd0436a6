-- The outbox grows up: every message type, scheduling, retries, idempotency, campaigns, pacing,
-- daily statistics and retention.

CREATE TABLE campaigns (
    id           TEXT PRIMARY KEY NOT NULL,
    instance_id  TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    template     TEXT NOT NULL,
    -- 'running', 'paused', 'cancelled'; done is derived from its messages.
    state        TEXT NOT NULL CHECK (state IN ('running', 'paused', 'cancelled')),
    scheduled_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- What exactly to send, as JSON (`OutgoingContent`): text with an optional reply, media, location,
-- contact. `body` keeps the human-readable text for the log.
ALTER TABLE messages ADD COLUMN payload TEXT;
-- Not before this time (scheduled sends).
ALTER TABLE messages ADD COLUMN scheduled_at INTEGER;
-- After a transient failure: when to try again.
ALTER TABLE messages ADD COLUMN next_attempt_at INTEGER;
-- Who asked for the message: 'app' (a person in the window), 'api:<key id>', 'campaign'.
ALTER TABLE messages ADD COLUMN source TEXT NOT NULL DEFAULT 'app';
ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
ALTER TABLE messages ADD COLUMN campaign_id TEXT REFERENCES campaigns (id) ON DELETE SET NULL;
-- Inbound media downloaded on request: the file under the app-data media folder.
ALTER TABLE messages ADD COLUMN media_path TEXT;
ALTER TABLE messages ADD COLUMN media_mime TEXT;

-- The same key from the same source returns the first message and sends nothing.
CREATE UNIQUE INDEX messages_idempotency ON messages (source, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_campaign ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;

-- Pacing per instance; a row exists once a person changes the defaults.
CREATE TABLE instance_pacing (
    instance_id       TEXT PRIMARY KEY NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    min_interval_ms   INTEGER NOT NULL,
    jitter_ms         INTEGER NOT NULL,
    daily_quota       INTEGER NOT NULL,
    -- Minutes after local midnight; both NULL when there are no quiet hours.
    quiet_start       INTEGER,
    quiet_end         INTEGER
);

-- Per instance per local day. Kept by triggers, so they survive retention and privacy mode, and
-- the daily quota reads the 'sent' count of today.
CREATE TABLE daily_stats (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    sent        INTEGER NOT NULL DEFAULT 0,
    delivered   INTEGER NOT NULL DEFAULT 0,
    read        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    received    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (instance_id, day)
);

CREATE TRIGGER stats_on_inbound AFTER INSERT ON messages
WHEN NEW.direction = 'inbound'
BEGIN
    INSERT INTO daily_stats (instance_id, day, received)
    VALUES (NEW.instance_id, date(NEW.created_at / 1000, 'unixepoch', 'localtime'), 1)
    ON CONFLICT (instance_id, day) DO UPDATE SET received = received + 1;
END;

-- Counted on the day the change happened; each message counts once per stage, whatever order
-- receipts arrive in (a read that skipped delivered counts as both).
CREATE TRIGGER stats_on_outbound_status AFTER UPDATE OF status ON messages
WHEN NEW.direction = 'outbound' AND NEW.status != OLD.status
BEGIN
    INSERT INTO daily_stats (instance_id, day, sent, delivered, read, failed)
    VALUES (
        NEW.instance_id,
        date(NEW.updated_at / 1000, 'unixepoch', 'localtime'),
        NEW.status IN ('sent', 'delivered', 'read') AND OLD.status IN ('queued', 'sending'),
        NEW.status IN ('delivered', 'read') AND OLD.status NOT IN ('delivered', 'read'),
        NEW.status = 'read',
        NEW.status = 'failed' AND OLD.status != 'failed'
    )
    ON CONFLICT (instance_id, day) DO UPDATE SET
        sent = sent + excluded.sent,
        delivered = delivered + excluded.delivered,
        read = read + excluded.read,
        failed = failed + excluded.failed;
END;
