import fs from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Kysely } from 'kysely';
import { HOUR, iso, type Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import type { Jobs } from '../jobs/index.js';
import type { Executor } from '../db/index.js';
import { purgeQuotas } from './quota.js';

export { networkKey, recipientQuota, takeQuota, takeQuotas, type Quota } from './quota.js';

declare module '../jobs/index.js' {
  interface JobPayloads {
    /** Deliver one queued message (a row of mail_messages). */
    'mail.send': { id: number };
    'mail.quotas_cleanup': null;
  }
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

/** Attempts before a message is given up on (about 12 hours with the jobs' back-off). */
const MAX_ATTEMPTS = 10;

export interface MailerOptions {
  smtpUrl?: string;
  from: string;
  dataDir: string;
}

/**
 * Every e-mail is a row in mail_messages plus a 'mail.send' job written in the caller's
 * transaction. The job delivers through SMTP when SMTP_URL is set, or writes an .eml file under
 * DATA_DIR/mail when it is not, so a newcomer can read every message at /admin/mail.
 */
export class Mailer {
  /** Made on the first delivery: nodemailer is loaded only when mail is sent. */
  private transport: Promise<Transporter> | undefined;
  readonly mode: 'smtp' | 'file';
  readonly folder: string;

  constructor(
    private db: Kysely<DB>,
    private jobs: Jobs,
    private clock: Clock,
    private options: MailerOptions,
  ) {
    this.mode = options.smtpUrl ? 'smtp' : 'file';
    this.folder = path.join(options.dataDir, 'mail');
    jobs.register('mail.send', (payload, job) => this.deliver(payload.id, job.attempt >= MAX_ATTEMPTS), { maxAttempts: MAX_ATTEMPTS });
    jobs.register('mail.quotas_cleanup', () => purgeQuotas(this.db, this.clock.now()).then(() => undefined));
    jobs.every('mail.quotas_cleanup', HOUR);
  }

  private getTransport(): Promise<Transporter> {
    const smtpUrl = this.options.smtpUrl;
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      smtpUrl
        ? // Timeouts well inside a job's 5-minute lease, so a slow server cannot make two processes send.
          nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 })
        : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    return this.transport;
  }

  /** Queue a message inside the caller's transaction; it is sent after the commit. */
  async queue(executor: Executor, mail: OutgoingMail): Promise<number> {
    const row = await executor
      .insertInto('mail_messages')
      .values({
        to_addr: mail.to,
        subject: mail.subject,
        text_body: mail.text,
        status: 'queued',
        created_at: iso(this.clock.now()),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.jobs.enqueue(executor, 'mail.send', { id: row.id });
    return row.id;
  }

  private async deliver(id: number, lastAttempt: boolean) {
    const message = await this.db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
    // Already delivered by an earlier attempt whose bookkeeping failed: do not send twice.
    if (!message || message.status === 'sent') return;
    try {
      const info = await (
        await this.getTransport()
      ).sendMail({
        from: this.options.from,
        to: message.to_addr,
        subject: message.subject,
        text: message.text_body,
      });
      let fileName: string | null = null;
      if (this.mode === 'file') {
        await fs.mkdir(this.folder, { recursive: true });
        fileName = `${String(id).padStart(6, '0')}.eml`;
        await fs.writeFile(path.join(this.folder, fileName), info.message as Buffer);
      }
      await this.db
        .updateTable('mail_messages')
        .set({ status: 'sent', transport: this.mode, file_name: fileName, message_id: info.messageId ?? null, sent_at: iso(this.clock.now()), error: null })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      await this.db
        .updateTable('mail_messages')
        // After the last attempt the job is failed for good: say so, rather than "retrying".
        .set({ error: err instanceof Error ? err.message : String(err), ...(lastAttempt ? { status: 'failed' as const } : {}) })
        .where('id', '=', id)
        .execute();
      throw err;
    }
  }

  /** Newest first, for the admins' "Sent mail" list. */
  async list(page: number, perPage: number) {
    const [messages, count] = await Promise.all([
      this.db
        .selectFrom('mail_messages')
        .select(['id', 'to_addr', 'subject', 'status', 'error', 'created_at', 'sent_at'])
        .orderBy('id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
        .execute(),
      this.db
        .selectFrom('mail_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    // A message whose sending process stopped (crash, restart) says so until another takes it over.
    const waiting = messages.some((m) => m.status === 'queued');
    const stalled = waiting ? new Set((await this.jobs.lapsedPayloads('mail.send')).map((p) => p.id)) : new Set();
    return {
      messages: messages.map((m) => ({ ...m, resuming: m.status === 'queued' && stalled.has(m.id) })),
      total: Number(count.n),
      pages: Math.max(1, Math.ceil(Number(count.n) / perPage)),
    };
  }

  async countWaiting(): Promise<number> {
    const row = await this.db
      .selectFrom('mail_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(id: number) {
    const message = await this.db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
    if (!message) return undefined;
    return { ...message, resuming: message.status === 'queued' && (await this.jobs.lapsed('mail.send', { id })) };
  }

  /** The raw .eml of a message written to the mail folder. */
  async readFile(fileName: string): Promise<Buffer | undefined> {
    if (!/^\d+\.eml$/.test(fileName)) return undefined;
    return fs.readFile(path.join(this.folder, fileName)).catch(() => undefined);
  }

  close() {
    void this.transport?.then((t) => t.close());
  }
}
