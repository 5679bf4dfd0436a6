-- When events were last pushed to the process that serves a number, and by which path ('webhook' or
-- 'stream'): another process (`switchboard-server status`) reads it to say how the number's events
-- arrive. Written at most every half minute per number.
ALTER TABLE instances ADD COLUMN pushed_at INTEGER;
ALTER TABLE instances ADD COLUMN pushed_by TEXT;
