import type { Selectable } from 'kysely';
import type { MailMessagesTable } from '#core/db/schema.js';
import { Pagination } from '#core/views/pagination.js';
import { formatDateTime } from '#core/views/render.js';

type Message = Selectable<MailMessagesTable>;

function Status({ message }: { message: Pick<Message, 'status' | 'error'> & { resuming: boolean } }) {
  if (message.status === 'sent') return <>Sent</>;
  if (message.status === 'failed') return <span class="badge draft">Not sent: gave up after repeated failures ({message.error})</span>;
  if (message.resuming) return <span class="badge">Resuming: the process sending it stopped; it will go on shortly</span>;
  if (message.error) return <span class="badge draft">Not sent yet: retrying ({message.error})</span>;
  return <span class="badge">Waiting to be sent</span>;
}

export function MailList(props: {
  messages: (Pick<Message, 'id' | 'to_addr' | 'subject' | 'status' | 'error' | 'created_at'> & { resuming: boolean })[];
  page: number;
  pages: number;
  timeZone: string;
  mode: 'smtp' | 'file';
  folder: string;
}) {
  return (
    <>
      {props.mode === 'file' ? (
        <p class="flash info">
          No mail server is set (SMTP_URL), so messages are not delivered: each is saved as a file in <code>{props.folder}</code> and listed here, where you can read it and follow
          its links.
        </p>
      ) : (
        <p>Every message the site has sent, newest first.</p>
      )}
      <p>
        The wording of the e-mails the site sends by itself is in <a href="/admin/mail/templates">E-mail templates</a>.
      </p>
      {props.messages.length === 0 ? (
        <p>No messages yet.</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="Sent mail" tabIndex={0}>
          <table class="data">
            <caption class="visually-hidden">Sent mail</caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Queued</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {props.messages.map((m) => (
                <tr>
                  <td>
                    <a href={`/admin/mail/${m.id}`}>{m.subject}</a>
                  </td>
                  <td>{m.to_addr}</td>
                  <td>{formatDateTime(m.created_at, props.timeZone)}</td>
                  <td>
                    <Status message={m} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination base="/admin/mail" page={props.page} pages={props.pages} />
    </>
  );
}

/** The text body with links to this site made clickable (everything else stays plain text). */
function Linked({ text, baseUrl }: { text: string; baseUrl: string }) {
  const parts = text.split(/(https?:\/\/[^\s<>"]+)/g);
  // The base must end where the host does: http://localhost:3000.evil.example is not this site.
  const ours = (url: string) => url.startsWith(baseUrl) && (url.length === baseUrl.length || '/?#'.includes(url[baseUrl.length]!));
  return <pre class="mail-body">{parts.map((part, i) => (i % 2 === 1 && ours(part) ? <a href={part}>{part}</a> : part))}</pre>;
}

export function MailMessage({ message, timeZone, baseUrl }: { message: Message & { resuming: boolean }; timeZone: string; baseUrl: string }) {
  return (
    <>
      <dl class="card">
        <dt>To</dt>
        <dd>{message.to_addr}</dd>
        <dt>Queued</dt>
        <dd>{formatDateTime(message.created_at, timeZone)}</dd>
        <dt>Status</dt>
        <dd>
          <Status message={message} />
          {message.sent_at ? ` ${formatDateTime(message.sent_at, timeZone)}${message.transport === 'file' ? ' (saved as a file)' : ''}` : null}
        </dd>
      </dl>
      <p class="flash info">
        Links in a message act for the person it was sent to: opening a password link here would log this browser in as them. To help someone who did not receive their e-mail, copy
        the link and send it to them.
      </p>
      <Linked text={message.text_body} baseUrl={baseUrl} />
      <p>
        {message.file_name ? (
          <>
            <a href={`/admin/mail/${message.id}/raw`}>Download the .eml file</a> ·{' '}
          </>
        ) : null}
        <a href="/admin/mail">All sent mail</a>
      </p>
    </>
  );
}
