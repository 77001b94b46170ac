/**
 * What the outbox job delivers through: a mail transport (SES or files) and a webhook sender (HTTP or files).
 * Both take the effect's idempotency key, so that a transport that can deduplicate (files, webhook receivers
 * through `Idempotency-Key`) does, and a retry after a crash never doubles an effect there.
 */

/** What a transport says of a message it sent. */
export interface SendResult {
  /** The service's id of the message (SES: the MessageId SendEmail returned, which its feedback names). */
  messageId?: string;
}

/** Sends one raw RFC 5322 message. */
export interface MailTransport {
  readonly kind: "ses" | "file";
  /**
   * Sends `raw` to `envelope.to` from `envelope.from`. `key` is the effect's unique idempotency key (it may
   * contain ":" and any other character). Throws {@linkcode DeliveryError} when the message was not sent.
   */
  send(key: string, raw: Uint8Array, envelope: { from: string; to: string[] }): Promise<SendResult | void>;
  /** Releases connections (SES); absent when there is nothing to release. */
  close?(): void;
}

/** Delivers one webhook body (JSON-serialisable) to a named target. */
export interface WebhookSender {
  /**
   * Sends `body` to `target.url`; `target.name` names the target in errors and files ("escalation", "crm").
   * Throws {@linkcode DeliveryError} when the body was not delivered.
   */
  send(key: string, target: { url?: string; name: string }, body: unknown): Promise<void>;
}

/**
 * A delivery that did not happen. `permanent` means that no retry can succeed (the effect fails for good and a
 * human looks at it); otherwise the outbox retries, after `retryAfterMs` when the remote side said when.
 * `ambiguous` (in `options`): the request may have reached the service and been acted on (a timeout or a cut
 * connection after it was sent); for a transport without idempotency keys (SES) a retry could send it twice,
 * so the effect is failed with an "ambiguous:" reason for a person to decide.
 */
export class DeliveryError extends Error {
  readonly ambiguous: boolean;
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
    options?: ErrorOptions & { ambiguous?: boolean },
  ) {
    super(message, options);
    this.name = "DeliveryError";
    this.ambiguous = options?.ambiguous ?? false;
  }
}
