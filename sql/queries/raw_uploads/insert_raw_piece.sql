-- One piece of a large message being stored (see 0015_raw_uploads.sql).
-- $1 upload_id, $2 n (0, 1, …), $3 piece (base64 text)
INSERT INTO raw_uploads (upload_id, n, piece) VALUES ($1::uuid, $2, decode($3, 'base64'))
