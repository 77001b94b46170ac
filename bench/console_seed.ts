/**
 * Seeds a migrated schema with `n` processed emails by SQL (generate_series), in the mix a support inbox
 * sees: answered questions, hand-offs (most already handled; the last ~3% not yet: the backlog), filtered
 * automated mail, withheld replies, parse errors, failed deliveries and jobs, replies waiting to retry,
 * follow-ups in conversations, and the jobs each email went through. Each row's kind comes from a hash of
 * its number, so the mix is the same at every size and spread over the whole id range.
 */
import type { Db } from "../src/db/client.ts";

/** The share of each kind, in per mille of the emails (the rest is answered). */
export const MIX = {
  parse_error: 5,
  filtered: 150, // a third of them with a withheld (suppressed) reply
  answered: 445,
  with_person: 300, // ~97% handled; the newest 3% of all emails are the open backlog
  withheld: 30, // a hand-off whose acknowledgement was withheld (sender window)
  pending: 5, // routed, a reply waiting to be retried
  failed: 5, // a delivery failed for good (and its job)
} as const;

/** Per-mille thresholds of the kinds, in the order of MIX: h < t[0] parse_error, < t[1] filtered, … */
function thresholds(): Record<keyof typeof MIX, number> {
  let at = 0;
  const out = {} as Record<keyof typeof MIX, number>;
  for (const [k, v] of Object.entries(MIX) as [keyof typeof MIX, number][]) out[k] = at += v;
  return out;
}

/** Seeds `n` emails; returns the seconds it took (with VACUUM ANALYZE, as autovacuum leaves a live table). */
export async function seedConsole(db: Db, n: number): Promise<number> {
  const started = performance.now();
  const t = thresholds();
  // The kind of email i, from a multiplicative hash (Knuth) of i: stable and well mixed.
  const kind = `CASE
      WHEN h < ${t.parse_error} THEN 'parse_error' WHEN h < ${t.filtered} THEN 'filtered'
      WHEN h < ${t.answered} THEN 'answered' WHEN h < ${t.with_person} THEN 'with_person'
      WHEN h < ${t.withheld} THEN 'withheld' WHEN h < ${t.pending} THEN 'pending'
      WHEN h < ${t.failed} THEN 'failed' ELSE 'answered' END`;
  await db.exec(`
    CREATE TEMP TABLE seed AS
    SELECT i, k.kind,
           -- Follow-ups: every fifth email answers the one three before it (which starts a conversation).
           (i % 5 = 0 AND i > 5) AS follow_up,
           'customer' || (i * 7 % ${Math.max(1, Math.floor(n / 4))}) || '@' ||
             (ARRAY['gmail.com','example.org','corp.example','mail.example.net'])[1 + i % 4] AS sender,
           (ARRAY['Pricing for teams','Invoice question','Cannot log in','Create an account for our office',
                  'Delivery status','Refund request','Partnership proposal','Out of office',
                  'Question about the API','Your newsletter'])[1 + (h * 7 + i / 10) % 10] || ' #' || i AS subject,
           now() - (${n} - i) * interval '26 seconds' AS at, h
    FROM generate_series(1, ${n}) AS i,
         LATERAL (SELECT ((i::bigint * 2654435761) % 4294967296 % 1000)::int AS h) AS hh,
         LATERAL (SELECT ${kind} AS kind) AS k;

    INSERT INTO raw_messages (id, source_key, source, sha256, size_bytes, raw, content_key, email_id, received_at)
    OVERRIDING SYSTEM VALUE
    SELECT i, 'bench:' || i, 'bench', md5(i::text), 420,
           convert_to('From: ' || sender || E'\\r\\nSubject: ' || subject || E'\\r\\nMessage-ID: <' || i ||
                      E'@bench.example>\\r\\n\\r\\nHello, ' || repeat('this is a bench message. ', 12), 'UTF8'),
           'message-id:<' || i || '@bench.example>', NULL, at
    FROM seed;

    INSERT INTO emails (id, message_id, content_key, sender, sender_name, subject, body, received_at, sent_at,
                        intent_flags, processed, processed_at, raw_id, recipients, size_bytes, parse_error,
                        classified_at, automated, auto_reply_ok, rule_reasons, classifier, classifier_model,
                        classifier_latency_ms, prompt_tokens, completion_tokens, routed_at,
                        conversation_id, thread_parent_id, thread_link, disposition, disposition_reason,
                        handled_at, handled_by)
    SELECT i, '<' || i || '@bench.example>', 'message-id:<' || i || '@bench.example>', sender,
           'Customer ' || i, subject,
           'Hello,' || E'\\n\\n' || (ARRAY['how much is the team plan for 40 people?',
             'please open an account for our office of twelve.', 'I would like to speak to a person.',
             'where is my parcel?', 'I am out of the office until Monday.'])[1 + h % 5] || E'\\n\\n' ||
             repeat('Some more words about what we need and when we need it. ', 5) || E'\\n\\nThanks',
           at, at - interval '5 seconds',
           CASE
             WHEN kind IN ('parse_error', 'filtered') THEN '[false,false,true,false,false]'
             WHEN kind IN ('with_person', 'withheld') AND h % 3 = 0 THEN '[false,false,true,false,false]'
             WHEN kind IN ('with_person', 'withheld') THEN '[false,false,false,true,false]'
             WHEN h % 4 = 0 THEN '[false,true,false,false,false]'
             ELSE '[true,false,false,false,false]'
           END::jsonb,
           kind NOT IN ('parse_error', 'pending', 'failed'),
           CASE WHEN kind NOT IN ('parse_error', 'pending', 'failed') THEN at + interval '3 seconds' END,
           i, jsonb_build_array('hello@frflashy.com'), 420,
           CASE WHEN kind = 'parse_error' THEN 'Cannot parse message: no From header' END,
           CASE WHEN kind <> 'parse_error' THEN at + interval '1 second' END,
           CASE WHEN kind <> 'parse_error' THEN kind = 'filtered' END,
           CASE WHEN kind <> 'parse_error' THEN kind <> 'filtered' END,
           CASE WHEN kind = 'filtered' THEN '["header:auto-submitted"]' ELSE '[]' END::jsonb,
           CASE WHEN kind = 'parse_error' THEN NULL WHEN kind = 'filtered' THEN 'rules'
                WHEN h % 2 = 0 THEN 'llm' ELSE 'offline' END,
           CASE WHEN kind <> 'parse_error' AND kind <> 'filtered' AND h % 2 = 0 THEN 'gpt-4o-mini' END,
           CASE WHEN kind <> 'parse_error' AND kind <> 'filtered' AND h % 2 = 0 THEN 400 + h END,
           CASE WHEN kind <> 'parse_error' AND kind <> 'filtered' AND h % 2 = 0 THEN 300 + h END,
           CASE WHEN kind <> 'parse_error' AND kind <> 'filtered' AND h % 2 = 0 THEN 12 END,
           CASE WHEN kind <> 'parse_error' THEN at + interval '2 seconds' END,
           CASE WHEN kind = 'parse_error' THEN NULL WHEN follow_up THEN i - 3 ELSE i END,
           CASE WHEN follow_up AND kind <> 'parse_error' THEN i - 3 END,
           CASE WHEN follow_up AND kind <> 'parse_error' THEN 'header' END,
           CASE kind WHEN 'filtered' THEN 'filtered' WHEN 'answered' THEN 'answered'
                     WHEN 'with_person' THEN 'with_person' WHEN 'withheld' THEN 'with_person' ELSE 'pending' END,
           CASE kind WHEN 'filtered' THEN 'automated: header:auto-submitted'
                     WHEN 'answered' THEN 'replied: send_info_reply'
                     WHEN 'with_person' THEN 'handed off: human_forward, escalation'
                     WHEN 'withheld' THEN 'handed off: human_forward, escalation'
                     WHEN 'pending' THEN 'waiting for: send_info_reply'
                     WHEN 'failed' THEN 'failed: send_info_reply: 554 Message rejected'
                     ELSE NULL END,
           CASE WHEN kind IN ('with_person', 'withheld') AND i <= ${n} * 0.97 AND h % 50 <> 7
                THEN at + interval '2 hours' END,
           CASE WHEN kind IN ('with_person', 'withheld') AND i <= ${n} * 0.97 AND h % 50 <> 7
                THEN 'password' END
    FROM seed ORDER BY seed.i;
    UPDATE raw_messages r SET email_id = r.id;
    SELECT setval(pg_get_serial_sequence('emails', 'id'), ${n});

    -- The effects: a reply (delivered, suppressed, waiting or failed), and for hand-offs a forward and a webhook.
    CREATE TEMP TABLE seed_effects AS
    SELECT s.i, e.kind, e.purpose, e.state, s.sender, s.subject, s.at
    FROM seed s, LATERAL (VALUES
        ('reply', CASE WHEN s.kind = 'answered' THEN 'send_info_reply' ELSE 'ack_reply' END,
         CASE s.kind WHEN 'answered' THEN 'delivered' WHEN 'with_person' THEN 'delivered'
                     WHEN 'filtered' THEN 'suppressed' WHEN 'withheld' THEN 'suppressed'
                     WHEN 'pending' THEN 'pending' WHEN 'failed' THEN 'failed' END),
        ('forward', 'human_forward', CASE WHEN s.kind IN ('with_person', 'withheld') THEN 'delivered' END),
        ('webhook', 'escalation', CASE WHEN s.kind IN ('with_person', 'withheld') THEN 'delivered' END)
      ) AS e (kind, purpose, state)
    WHERE e.state IS NOT NULL AND s.kind <> 'parse_error'
      AND NOT (s.kind = 'filtered' AND s.h % 3 <> 0); -- two thirds of filtered mail decided no reply at all
    INSERT INTO effects (email_id, kind, purpose, idempotency_key, payload, state, attempts, last_error,
                         created_at, updated_at, delivered_at, message_id)
    SELECT i, kind, purpose, 'email:' || i || ':' || purpose,
           CASE WHEN kind = 'webhook' THEN jsonb_build_object('target', 'https://hooks.example/escalation',
                                                            'event', purpose, 'email_id', i)
                ELSE jsonb_build_object('to', jsonb_build_array(sender), 'from', 'FrFlashy <hello@frflashy.com>',
                                        'subject', 'Re: ' || subject,
                                        'text', 'Thank you for writing. ' || repeat('Here is the answer. ', 10),
                                        'message_id', '<ses-daemon-bot.' || i || '.' || purpose || '@frflashy.com>')
           END,
           state, CASE WHEN state IN ('delivered', 'failed') THEN 1 ELSE 0 END,
           CASE state WHEN 'suppressed' THEN 'automated mail: no automatic reply'
                      WHEN 'failed' THEN '554 Message rejected: Email address is not verified' END,
           at + interval '2 seconds', at + interval '3 seconds',
           CASE WHEN state = 'delivered' THEN at + interval '3 seconds' END,
           CASE WHEN kind <> 'webhook' THEN '<ses-daemon-bot.' || i || '.' || purpose || '@frflashy.com>' END
    FROM seed_effects ORDER BY seed_effects.i, seed_effects.purpose;

    -- The jobs each email went through (parse, classify, route, one deliver per effect), done; a failed
    -- deliver for each failed effect; a deliver waiting to retry (run_at tomorrow) for each pending one.
    INSERT INTO jobs (kind, unique_key, payload, state, attempts, max_attempts, run_at, last_error,
                      created_at, updated_at, finished_at)
    SELECT j.kind, j.kind || ':' || j.key, j.payload, 'done', 1, 5, s.at, NULL, s.at, s.at + interval '3 seconds',
           s.at + interval '3 seconds'
    FROM seed s, LATERAL (VALUES ('parse', 'raw:' || s.i, jsonb_build_object('raw_id', s.i)),
                                 ('classify', 'email:' || s.i, jsonb_build_object('email_id', s.i)),
                                 ('route', 'email:' || s.i, jsonb_build_object('email_id', s.i))) AS j (kind, key, payload)
    WHERE s.kind <> 'parse_error' OR j.kind = 'parse'
    ORDER BY s.i;
    INSERT INTO jobs (kind, unique_key, payload, state, attempts, max_attempts, run_at, last_error,
                      created_at, updated_at, finished_at)
    SELECT 'deliver', 'deliver:effect:' || f.id, jsonb_build_object('effect_id', f.id),
           CASE f.state WHEN 'failed' THEN 'failed' WHEN 'pending' THEN 'pending' ELSE 'done' END,
           CASE f.state WHEN 'pending' THEN 2 ELSE 1 END, 5,
           CASE f.state WHEN 'pending' THEN now() + interval '1 day' ELSE f.created_at END,
           CASE f.state WHEN 'failed' THEN f.last_error WHEN 'pending' THEN 'Throttling: rate exceeded' END,
           f.created_at, f.updated_at, CASE WHEN f.state IN ('delivered', 'failed') THEN f.updated_at END
    FROM effects f WHERE f.state <> 'suppressed'
    ORDER BY f.id;

    -- A few people's actions: notes on handled hand-offs, and corrections kept as labels.
    INSERT INTO audit_log (email_id, actor, action, detail, note, at)
    SELECT i, 'password', 'handled', '', 'called back', at + interval '2 hours'
    FROM seed WHERE kind = 'with_person' AND h % 10 = 0 AND i <= ${n} * 0.97;
    DROP TABLE seed_effects;
    DROP TABLE seed;
  `);
  for (const table of ["raw_messages", "emails", "effects", "jobs", "audit_log"]) await vacuum(db, table);
  return Math.round((performance.now() - started) / 100) / 10;
}

/**
 * VACUUM ANALYZE until the visibility map covers the table (as autovacuum leaves a table at rest), so that
 * counts are index-only. On a shared server another session's open transaction can keep VACUUM from marking
 * pages all-visible: then it waits and tries again (at most 30 s).
 */
async function vacuum(db: Db, table: string): Promise<void> {
  for (let attempt = 0;; attempt++) {
    await db.exec(`VACUUM ANALYZE ${table}`);
    const { rows } = await db.query<{ pages: number; visible: number }>(
      "SELECT relpages AS pages, relallvisible AS visible FROM pg_class WHERE oid = $1::regclass",
      [table],
    );
    if (rows[0].visible >= rows[0].pages * 0.95 || attempt === 15) return;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
