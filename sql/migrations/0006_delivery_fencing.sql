-- 0006_delivery_fencing: what delivery needs to keep SEND_RATE under any number of workers and to never send
-- one effect from two runs at once.

-- send_at: the send slot (of send_rate) this effect holds. A deliver job whose slot is more than a moment
-- away goes back to the queue until then, keeping the slot; before this, each such wait reserved a new slot
-- and spent an attempt (300 replies with 32 workers at SEND_RATE=10: 22 sent, then none for 50 s).
-- sending_token: the run that is sending it now (set, fenced by the deliver job's claim, before the request
-- goes out; cleared with the outcome). A run that finds another's token knows a send may be in flight or
-- may have happened: a reply is then not sent again automatically (SES has no idempotency key).
ALTER TABLE effects
  ADD COLUMN send_at timestamptz,
  ADD COLUMN sending_token text,
  ADD COLUMN sending_at timestamptz;
