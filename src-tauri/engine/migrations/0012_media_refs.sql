-- The provider's handle on a received message's file, for a provider that downloads files by
-- one (a Cloud API media id) rather than by the message's own id. NULL for every other message.
ALTER TABLE messages ADD COLUMN media_ref TEXT;
