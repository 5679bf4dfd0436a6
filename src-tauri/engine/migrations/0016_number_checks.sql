-- Whether a number is on WhatsApp, as the last check through a provider found it. One row per
-- WhatsApp address (`5511987654321@s.whatsapp.net`): the answer does not depend on which of the
-- person's numbers asked. Kept for the period Settings give (`number_check_days`).
CREATE TABLE number_checks (
    chat_jid    TEXT PRIMARY KEY NOT NULL,
    on_whatsapp INTEGER NOT NULL,
    checked_at  INTEGER NOT NULL
);

-- Numbers waiting to be checked through an instance, oldest request first. A campaign message to
-- a number still in here waits: nothing goes out in bulk to a number not known to be on WhatsApp.
CREATE TABLE number_checks_due (
    instance_id  TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    chat_jid     TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    PRIMARY KEY (instance_id, chat_jid)
) WITHOUT ROWID;
CREATE INDEX number_checks_due_by_age ON number_checks_due (instance_id, requested_at);
