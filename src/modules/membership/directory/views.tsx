import { Checkbox, Field, Form, type FieldErrors } from '#core/views/forms.js';
import { Pagination } from '#core/views/pagination.js';
import { renderFragment, trustedHtml } from '#core/views/render.js';
import { PER_PAGE, type DirectoryCard, type Privacy } from './service.js';
import { fieldFormValues, type MemberField } from '../fields/index.js';
import { MemberDetailsFields } from '../lifecycle/index.js';

type Values = Record<string, string>;

/** What the profile form shows first: the stored profile, as form values. */
export function profileValues(
  profile: {
    name: string;
    organization: string;
    job_title: string;
    phone: string;
    address_line1: string;
    address_line2: string;
    city: string;
    region: string;
    postal_code: string;
  },
  privacy: Privacy,
  fields: MemberField[],
  stored: { field_id: number; value: string }[],
): Values {
  const on = (b: boolean) => (b ? 'on' : '');
  return {
    name: profile.name,
    organization: profile.organization,
    job_title: profile.job_title,
    phone: profile.phone,
    address_line1: profile.address_line1,
    address_line2: profile.address_line2,
    city: profile.city,
    region: profile.region,
    postal_code: profile.postal_code,
    listed: on(privacy.listed),
    show_email: on(privacy.show_email),
    show_phone: on(privacy.show_phone),
    show_address: on(privacy.show_address),
    ...fieldFormValues(fields, stored),
  };
}

export function ProfileForm({ csrf, email, fields, values, errors }: { csrf: string; email: string; fields: MemberField[]; values: Values; errors?: FieldErrors }) {
  const e = errors ?? {};
  return (
    <>
      <p>
        What you enter here is on your membership record. Whether other members see it in the <a href="/directory">member directory</a> is up to you, below.
      </p>
      <Form action="/account/profile" csrf={csrf} errors={errors} label="My profile">
        <fieldset>
          <legend>You</legend>
          <Field name="name" label="Full name" value={values.name} error={e.name} autocomplete="name" required />
          <p class="hint">
            E-mail address: <strong>{email}</strong>. You log in with it; to change it, write to the association.
          </p>
        </fieldset>
        <MemberDetailsFields values={values} errors={e} fields={fields} />
        <fieldset>
          <legend>In the member directory</legend>
          <p class="hint">
            Only members with an active membership can open the directory. A listing shows your name, organization, job title, city and state
            {fields.some((f) => f.visibility !== 'admins') ? ', and the answers above that the board shares with members' : ''}.
          </p>
          <Checkbox name="listed" label="List me in the member directory" checked={values.listed === 'on'} />
          <Checkbox name="show_email" label="Show my e-mail address to members" checked={values.show_email === 'on'} />
          <Checkbox name="show_phone" label="Show my phone number to members" checked={values.show_phone === 'on'} />
          <Checkbox name="show_address" label="Show my mailing address to members" checked={values.show_address === 'on'} />
        </fieldset>
        <div class="form-actions">
          <button type="submit">Save my profile</button>
          <a class="button secondary" href="/account">
            Cancel
          </a>
        </div>
      </Form>
    </>
  );
}

export function NoProfile() {
  return (
    <p>
      You have no membership, so there is no member profile to edit. <a href="/join">Become a member</a>.
    </p>
  );
}

/** On the account page: where a member edits their profile and finds the directory. */
export function DirectoryAccountSection() {
  return (
    <section aria-labelledby="profile-title" class="card">
      <h2 id="profile-title">Profile and directory</h2>
      <ul>
        <li>
          <a href="/account/profile">Edit my profile and privacy</a>
        </li>
        <li>
          <a href="/directory">Member directory</a>
        </li>
      </ul>
    </section>
  );
}

/** What one member's listing says (inside its list item). */
function Listing({ entry }: { entry: DirectoryCard }) {
  const work = [entry.jobTitle, entry.organization].filter(Boolean).join(', ');
  return (
    <>
      <h3>{entry.name}</h3>
      {work ? <p>{work}</p> : null}
      <dl>
        {entry.place ? (
          <>
            <dt>City</dt>
            <dd>{entry.place}</dd>
          </>
        ) : null}
        {entry.email ? (
          <>
            <dt>E-mail</dt>
            <dd>
              <a href={`mailto:${entry.email}`}>{entry.email}</a>
            </dd>
          </>
        ) : null}
        {entry.phone ? (
          <>
            <dt>Phone</dt>
            <dd>
              <a href={`tel:${entry.phone.replace(/[^\d+]/g, '')}`}>{entry.phone}</a>
            </dd>
          </>
        ) : null}
        {entry.address ? (
          <>
            <dt>Mailing address</dt>
            <dd>
              {entry.address.map((line, i) => (
                <>
                  {i > 0 ? <br /> : null}
                  {line}
                </>
              ))}
            </dd>
          </>
        ) : null}
        {entry.fields.map((f) => (
          <>
            <dt>{f.label}</dt>
            <dd>{f.value}</dd>
          </>
        ))}
      </dl>
    </>
  );
}

/**
 * A listing's HTML, rendered (and escaped) once per card: the directory hands out the same card
 * object for a member until it reads its index again, so a popular page is not rendered afresh
 * on every search. Keyed weakly: cards the directory no longer holds are forgotten with it.
 */
const listings = new WeakMap<DirectoryCard, string>();
function listingHtml(card: DirectoryCard) {
  let html = listings.get(card);
  if (html === undefined) {
    html = renderFragment(<Listing entry={card} />);
    listings.set(card, html);
  }
  return trustedHtml(html);
}

export function DirectoryPage(props: { q: string; entries: readonly DirectoryCard[]; total: number; page: number; pages: number }) {
  const { q, entries, total } = props;
  const first = (props.page - 1) * PER_PAGE + 1;
  const summary = q
    ? total === 0
      ? `No members match “${q}”.`
      : `${total} ${total === 1 ? 'member matches' : 'members match'} “${q}”.`
    : `${total} ${total === 1 ? 'member is' : 'members are'} listed.`;
  return (
    <>
      <form method="get" action="/directory" role="search" class="stack" aria-label="Search the directory">
        <div class="field">
          <label for="q">Search by name, organization or city</label>
          <input id="q" name="q" type="search" value={q} maxLength={100} autocomplete="off" />
        </div>
        <div class="form-actions">
          <button type="submit">Search</button>
          {q ? (
            <a class="button secondary" href="/directory">
              Show everyone
            </a>
          ) : null}
        </div>
      </form>
      <h2 id="results">Members</h2>
      <p role="status">
        {summary}
        {props.pages > 1 ? ` Showing ${first} to ${first + entries.length - 1}.` : ''}
      </p>
      {entries.length ? (
        <ul class="directory" aria-labelledby="results">
          {entries.map((entry) => (
            <li dangerouslySetInnerHTML={{ __html: listingHtml(entry) }} />
          ))}
        </ul>
      ) : null}
      <Pagination base={q ? `/directory?q=${encodeURIComponent(q)}` : '/directory'} page={props.page} pages={props.pages} />
      <p class="muted">
        Members choose what the directory shows of them: <a href="/account/profile">edit your profile and privacy</a>.
      </p>
    </>
  );
}
