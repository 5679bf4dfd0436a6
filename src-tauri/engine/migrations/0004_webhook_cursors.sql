-- Outgoing webhooks report the changes the durable tables already record (message_events,
-- instance_status_history), each table read past a cursor that moves in the same transaction as
-- the deliveries it produced: no change is reported twice, and none is lost to a burst.
CREATE TABLE webhook_cursors (
    source  TEXT PRIMARY KEY NOT NULL CHECK (source IN ('message_events', 'instance_status_history')),
    last_id INTEGER NOT NULL
);

-- Changes made before this version were reported the old way (or not at all): start after them.
INSERT INTO webhook_cursors (source, last_id) VALUES
    ('message_events', COALESCE((SELECT max(id) FROM message_events), 0)),
    ('instance_status_history', COALESCE((SELECT max(id) FROM instance_status_history), 0));
