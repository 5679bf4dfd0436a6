-- Accepting a message is the hot path, and indexing its text there cost every accept a search
-- segment of its own. A message is now in the search index exactly while it is out of the queue
-- (any status but queued and sending): accepts write no index, and the paced send indexes it. Every
-- trigger below keeps that one rule, so a 'delete' never names a row the index does not hold.
DROP TRIGGER messages_fts_on_insert;
DROP TRIGGER messages_fts_on_delete;
DROP TRIGGER messages_fts_on_update;

CREATE TRIGGER messages_fts_on_insert AFTER INSERT ON messages
WHEN NEW.body IS NOT NULL AND NEW.status NOT IN ('queued', 'sending')
BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.rowid, NEW.body);
END;

CREATE TRIGGER messages_fts_on_delete AFTER DELETE ON messages
WHEN OLD.body IS NOT NULL AND OLD.status NOT IN ('queued', 'sending')
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.rowid, OLD.body);
END;

-- Leaving the queue (sent, failed, cancelled): indexed. Back into it (a retry): out of the index.
CREATE TRIGGER messages_fts_on_leaving_queue AFTER UPDATE OF status ON messages
WHEN OLD.status IN ('queued', 'sending') AND NEW.status NOT IN ('queued', 'sending') AND NEW.body IS NOT NULL
BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.rowid, NEW.body);
END;

CREATE TRIGGER messages_fts_on_requeue AFTER UPDATE OF status ON messages
WHEN OLD.status NOT IN ('queued', 'sending') AND NEW.status IN ('queued', 'sending') AND OLD.body IS NOT NULL
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.rowid, OLD.body);
END;

-- A text changed (privacy mode drops it) while the message stays out of the queue.
CREATE TRIGGER messages_fts_on_update AFTER UPDATE OF body ON messages
WHEN OLD.body IS NOT NEW.body AND OLD.status NOT IN ('queued', 'sending') AND NEW.status NOT IN ('queued', 'sending')
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
    SELECT 'delete', OLD.rowid, OLD.body WHERE OLD.body IS NOT NULL;
    INSERT INTO messages_fts (rowid, body) SELECT NEW.rowid, NEW.body WHERE NEW.body IS NOT NULL;
END;

-- Rebuilt under the rule: queued messages leave the index.
INSERT INTO messages_fts (messages_fts) VALUES ('delete-all');
INSERT INTO messages_fts (rowid, body)
SELECT rowid, body FROM messages WHERE body IS NOT NULL AND status NOT IN ('queued', 'sending');

-- Each conversation's last activity moves with every message: one index less to rewrite. The
-- list by number walks conversations_newest, which holds few rows per message.
DROP INDEX conversations_by_instance;
