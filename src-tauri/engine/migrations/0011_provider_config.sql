-- What only one kind of provider needs to reach an account moves out of the instances table into
-- one JSON column that the provider's own code reads (`provider/<kind>/`). `remote_name` (the
-- account's name at its provider) and `server_url` (where the provider lives) stay: every kind
-- has them, and the unique index over them keeps one account from being added twice.
ALTER TABLE instances ADD COLUMN provider_config TEXT NOT NULL DEFAULT '{}';

UPDATE instances SET provider_config = json_object('remoteId', remote_id) WHERE remote_id IS NOT NULL;

ALTER TABLE instances DROP COLUMN remote_id;
