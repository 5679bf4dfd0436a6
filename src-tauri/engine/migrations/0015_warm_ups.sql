-- Warm-up: a new number's daily limit rises over its first weeks. A row exists while a person has
-- one set for the number; the limits are a JSON array, one per day from the first.
CREATE TABLE warm_ups (
    instance_id TEXT PRIMARY KEY NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    -- The local day (YYYY-MM-DD) that is day 1.
    started_on  TEXT NOT NULL,
    daily_limits TEXT NOT NULL
);
