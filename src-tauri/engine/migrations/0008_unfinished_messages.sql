-- Messages not yet finished with, or failed: few at any time, so their own small index lets the log
-- filter by these statuses and start-up find interrupted sends without reading the whole log.
CREATE INDEX messages_unfinished ON messages (status, created_at)
    WHERE status IN ('queued', 'sending', 'failed', 'cancelled');
