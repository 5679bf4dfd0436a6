-- A number's sending guard: what makes its outbox stop by itself when WhatsApp pushes back, and
-- the pause it is in. A row exists once a person changes the rules or the number was paused; the
-- engine knows the defaults.
CREATE TABLE sending_guards (
    instance_id        TEXT PRIMARY KEY NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    -- Restriction errors since the last good send that pause the number (0: never).
    restriction_errors INTEGER NOT NULL,
    -- Failed sends in a row, each to a different recipient, that pause it (0: never).
    failures_in_a_row  INTEGER NOT NULL,
    -- Whether a logout or suspension soon after a send pauses it (0 or 1).
    logout_after_send  INTEGER NOT NULL,
    -- While paused: the signal, what was seen in words, since when, and the campaigns the pause
    -- held (a JSON array of ids), which resume with the number.
    paused_signal      TEXT,
    paused_reason      TEXT,
    paused_at          INTEGER,
    paused_campaigns   TEXT
);

-- Sends refused before queueing (opted out, closed reply window, …), per number per day.
ALTER TABLE daily_stats ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
