import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface SmtpCatcher {
  url: string;
  messages: ParsedMail[];
  close(): Promise<void>;
}

/** A real SMTP server in this process that keeps every message it receives, parsed. */
export async function startSmtp(): Promise<SmtpCatcher> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link to this site in an e-mail's text. */
export function linkIn(text: string | undefined, base = 'http://localhost:3000'): string {
  const match = new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/[^\\s]+)`).exec(text ?? '');
  if (!match) throw new Error(`No link to ${base} in: ${text}`);
  return match[1]!;
}
