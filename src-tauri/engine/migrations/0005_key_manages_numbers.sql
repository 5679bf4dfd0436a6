-- A key may also manage its numbers (add, link, restart, log out, delete), not only send through
-- them. Keys made before this version only send.
ALTER TABLE api_keys ADD COLUMN manages_numbers INTEGER NOT NULL DEFAULT 0;
