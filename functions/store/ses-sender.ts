import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { MailMessage, MailSender } from '../core/ports';
import { traceClient } from '../http/tracing';

/**
 * Amazon SES v2 `SendEmail` from EMAIL_FROM, the one identity the worker's role may send as. Plain
 * text, short (docs/architecture.md "Email"). Throws when SES refuses or cannot be reached: the
 * worker lets the queue try again.
 */
export class SesMailSender implements MailSender {
  private readonly client: SESv2Client;

  constructor(private readonly from: string) {
    this.client = traceClient(
      new SESv2Client({
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
      }),
    );
  }

  async send({ to, subject, text }: MailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: 'UTF-8' },
            Body: { Text: { Data: text, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  }
}
