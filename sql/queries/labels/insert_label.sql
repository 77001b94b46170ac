-- Keeps a labelled example: a correction, or a confirmation of the intent the email has.
-- $1 email id, $2 intent, $3 previous intent, $4 kind ('correction' or 'confirmation'), $5 actor, $6 note
INSERT INTO labels (email_id, intent, previous_intent, kind, actor, note)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id
