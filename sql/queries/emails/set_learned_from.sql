-- Which labelled examples influenced an email's classification (see 0011_learning.sql), stored with it.
-- $1 id, $2 learned_from (JSON text, or NULL)
UPDATE emails SET learned_from = $2::text::jsonb WHERE id = $1
