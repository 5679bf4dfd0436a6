-- The provider id of the message a reply quotes, so a thread shows the quote above the reply.
ALTER TABLE messages ADD COLUMN quoted_id TEXT;
