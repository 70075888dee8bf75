import type { MailMessage, MailSender } from '../functions/core/ports';

export interface OutboxMessage extends MailMessage {
  sent_at: string;
}

/**
 * The dev server's mail sender (docs/http-contract.md "Passwords and accounts"): every message kept
 * in memory, listed at GET /_dev/outbox, and one line printed per message. The line names the
 * recipient and subject only: a link carries a one-time token, and tokens are never logged.
 */
export class Outbox implements MailSender {
  readonly messages: OutboxMessage[] = [];
  /** Tests set this to stand in for a mail provider that refuses (as SES can). */
  failing = false;

  constructor(private readonly print: (line: string) => void = (line) => console.log(line)) {}

  async send(message: MailMessage): Promise<void> {
    if (this.failing) throw Object.assign(new Error('outbox refusing (test)'), { name: 'OutboxFailure' });
    this.messages.push({ ...message, sent_at: new Date().toISOString() });
    this.print(`outbox: to ${message.to}: "${message.subject}" (read it at GET /_dev/outbox)`);
  }
}

/** The one outbox of this process: the dev server plugs it into the in-process mail worker. */
export const outbox = new Outbox();
