-- The log filtered by a status that few messages have (queued, sending, failed, cancelled): the
-- repeated IN term lets the planner use the partial index messages_unfinished.
SELECT rowid AS "seq!: i64" FROM messages
WHERE status = ?5 AND status IN ('queued', 'sending', 'failed', 'cancelled')
  AND created_at <= ?1 AND (created_at < ?1 OR rowid < ?2)
  AND (?3 IS NULL OR instance_id = ?3)
  AND (?4 IS NULL OR direction = ?4)
  AND (?6 IS NULL OR instance_id IN (SELECT value FROM json_each(?6)))
ORDER BY created_at DESC, rowid DESC
LIMIT ?7
