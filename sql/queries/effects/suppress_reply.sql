-- Right before sending: a reply whose recipient is now on the suppression list is withheld with the reason,
-- only by the run that marked it as being sent ($3); release_fallback then stores its hand-off.
-- $1 effect id, $2 reason, $3 sending token
UPDATE effects
SET state = 'suppressed', last_error = $2, sending_token = NULL, sending_at = NULL, send_at = NULL, updated_at = now()
WHERE id = $1 AND kind = 'reply' AND state = 'pending' AND sending_token = $3
