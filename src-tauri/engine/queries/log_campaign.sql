-- One campaign's messages: messages_campaign finds them, however old the campaign.
SELECT rowid AS "seq!: i64" FROM messages
WHERE campaign_id = ?8
  AND created_at <= ?1 AND (created_at < ?1 OR rowid < ?2)
  AND (?3 IS NULL OR instance_id = ?3)
  AND (?4 IS NULL OR direction = ?4)
  AND (?5 IS NULL OR status = ?5)
  AND (?6 IS NULL OR instance_id IN (SELECT value FROM json_each(?6)))
ORDER BY created_at DESC, rowid DESC
LIMIT ?7
