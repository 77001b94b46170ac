-- Stores one recipient's feedback and applies the suppression rules, in one statement (atomic). A repeat
-- (same feedback id) stores and changes nothing. A complaint or a Permanent bounce suppresses the address at
-- once; a Transient or Undetermined bounce suppresses it when it is the $11th such bounce within $12 ms (this
-- one included), Transient/General bounces (what out-of-office replies give) never counting. A suppression
-- already there keeps its reason and counts one more bounce or complaint.
-- Two soft bounces of one address stored at the same instant may each miss the other: the next one counts both.
-- $1 feedback id, $2 kind, $3 recipient (normalised), $4 bounce type, $5 sub type, $6 detail,
-- $7 SES message id, $8 source (sqs, sns, file), $9 the SES notification (JSON text), $10 occurred at (or NULL),
-- $11 soft bounces that suppress, $12 their window in ms, $13 the window as people read it ("14d"),
-- $14 the clock (NULL: now())
WITH clock AS (
  SELECT coalesce($14::timestamptz, now()) AS now
), inserted AS (
  INSERT INTO feedback (feedback_id, kind, recipient, bounce_type, sub_type, detail, ses_message_id, effect_id,
                        source, raw, occurred_at, received_at)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text,
         (SELECT f.id FROM effects f WHERE f.ses_message_id = $7::text ORDER BY f.id LIMIT 1),
         $8::text, $9::jsonb, $10::timestamptz, clock.now
  FROM clock
  ON CONFLICT (feedback_id) DO NOTHING
  RETURNING id, effect_id
), soft AS (
  SELECT count(*)::int + 1 AS n
  FROM feedback f, clock
  WHERE f.recipient = $3::text AND f.kind = 'bounce' AND f.bounce_type IN ('Transient', 'Undetermined')
    AND NOT (f.bounce_type = 'Transient' AND f.sub_type = 'General')
    AND coalesce(f.occurred_at, f.received_at) > clock.now - make_interval(secs => $12::float8 / 1000.0)
), decision AS (
  SELECT CASE
           WHEN $2::text = 'complaint' THEN 'complaint'
           WHEN $2::text = 'bounce' AND $4::text = 'Permanent' THEN 'permanent_bounce'
           WHEN $2::text = 'bounce' AND $4::text IN ('Transient', 'Undetermined')
                AND NOT ($4::text = 'Transient' AND $5::text = 'General')
                AND (SELECT n FROM soft) >= $11::int THEN 'soft_bounces'
         END AS source
  FROM inserted
), suppressed AS (
  INSERT INTO suppressions AS s (address, reason, source, bounces, complaints, created_at, updated_at)
  SELECT $3::text,
         left(CASE d.source
           WHEN 'complaint' THEN format('complaint (%s) about SES message %s', coalesce($5::text, 'no type'), $7::text)
           WHEN 'permanent_bounce' THEN format('Permanent bounce (%s) of SES message %s%s',
                                               coalesce($5::text, 'no subtype'), $7::text, coalesce(': ' || $6::text, ''))
           ELSE format('%s soft bounces within %s, the last %s/%s%s', (SELECT n FROM soft), $13::text, $4::text,
                       coalesce($5::text, 'no subtype'), coalesce(': ' || $6::text, ''))
         END, 500),
         d.source,
         CASE WHEN $2::text = 'bounce' THEN 1 ELSE 0 END,
         CASE WHEN $2::text = 'complaint' THEN 1 ELSE 0 END,
         clock.now, clock.now
  FROM decision d, clock
  WHERE d.source IS NOT NULL
  ON CONFLICT (address) DO UPDATE
  SET bounces = s.bounces + excluded.bounces, complaints = s.complaints + excluded.complaints,
      updated_at = excluded.updated_at
  RETURNING s.address, s.reason, s.created_at = s.updated_at AS created
)
SELECT (SELECT count(*) FROM inserted)::int = 1 AS stored,
       (SELECT effect_id FROM inserted) AS effect_id,
       (SELECT source FROM decision) AS suppressed_by,
       coalesce((SELECT created FROM suppressed), false) AS newly_suppressed,
       (SELECT reason FROM suppressed) AS reason
