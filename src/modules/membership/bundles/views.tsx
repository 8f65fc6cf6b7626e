import { ActionButton, Field, Form, type FieldErrors } from '#core/views/forms.js';
import type { AdminBundle } from './service.js';

interface Covered {
  id: number;
  name: string;
  email: string;
}

export interface BundleState {
  bundle: { level_name: string; organization: string };
  covered: Covered[];
  size: number;
  places: number;
  canAdd: boolean;
}

/** The people a bundle covers, each with a Remove button (and, for admins, a link to their page); a list, so it reads well on a phone. */
function CoveredList(props: { people: Covered[]; label: string; link?: (c: Covered) => string; removeAction: (c: Covered) => string; csrf: string }) {
  return (
    <ul class="people" aria-label={props.label}>
      {props.people.map((c) => (
        <li>
          <span class="who">
            <strong>{props.link ? <a href={props.link(c)}>{c.name}</a> : c.name}</strong>
            <br />
            {c.email}
          </span>
          <ActionButton action={props.removeAction(c)} csrf={props.csrf} label={`Remove ${c.name}`} danger />
        </li>
      ))}
    </ul>
  );
}

/** On /account (and /account/bundle): the people an agency membership covers, and the form to add one. */
export function BundleSection(props: { state: BundleState; csrf: string; values?: Record<string, string>; errors?: FieldErrors }) {
  const { state, csrf } = props;
  const values = props.values ?? {};
  const e = props.errors ?? {};
  return (
    <section aria-labelledby="bundle-title" class="card">
      <h2 id="bundle-title">People covered by your agency membership</h2>
      <p>
        Your {state.bundle.level_name} membership covers up to {state.size} people, you included. Each person you add gets members' access for as long as your membership is active,
        and loses it when you remove them or your membership lapses.
      </p>
      {state.covered.length === 0 ? (
        <p>You have not added anyone yet.</p>
      ) : (
        <CoveredList people={state.covered} label="People covered" removeAction={(c) => `/account/bundle/people/${c.id}/remove`} csrf={csrf} />
      )}
      <p>
        {state.covered.length + 1} of {state.size} places used (you count as one).
      </p>
      {!state.canAdd ? (
        <p>You can add people once your agency membership is active.</p>
      ) : state.places > 0 || props.errors ? (
        <Form action="/account/bundle/people" csrf={csrf} errors={props.errors} label="Add a person">
          <h3>Add a person</h3>
          <Field name="name" label="Name" value={values.name} error={e.name} autocomplete="off" required />
          <Field
            name="email"
            label="E-mail address"
            type="email"
            value={values.email}
            error={e.email}
            autocomplete="off"
            hint="We will e-mail them how to log in: someone new gets a link to set up their account."
            required
          />
          <div class="form-actions">
            <button type="submit">Add a person</button>
          </div>
        </Form>
      ) : (
        <p>All places are taken. Remove someone to add another person.</p>
      )}
    </section>
  );
}

/** On /account for a person an agency's bundle covers. */
export function CoveredNote({ contact }: { contact: { name: string; organization: string } }) {
  return (
    <section aria-labelledby="covered-title" class="card">
      <h2 id="covered-title">Agency membership</h2>
      <p>
        Your membership is part of the agency membership {contact.organization ? `of ${contact.organization} ` : ''}managed by {contact.name}. It lasts as long as theirs; ask them
        about renewal.
      </p>
    </section>
  );
}

/**
 * On an admin's page of a member (/admin/members/:id): the bundle a contact manages (size, places
 * used, the people covered, each linked to their page, with Remove, and a form to add someone),
 * or, for a covered person, the agency membership that covers them (linked to its contact's page).
 */
export function AdminBundleSection(props: { bundle: AdminBundle; csrf: string; values?: Record<string, string>; errors?: FieldErrors }) {
  const { bundle, csrf } = props;
  const base = `/admin/members/${bundle.membershipId}`;
  if (bundle.kind === 'covered') {
    const c = bundle.contact;
    const agency = (
      <>
        the agency membership {c.organization ? `of ${c.organization} ` : ''}managed by <a href={`/admin/members/${c.membershipId}`}>{c.name}</a> ({c.email})
      </>
    );
    return (
      <section aria-labelledby="bundle-title" class="card">
        <h2 id="bundle-title">Agency membership</h2>
        {bundle.status === 'active' ? (
          <>
            <p>Covered by {agency}. Members' access, level and renewal follow that membership.</p>
            <ActionButton action={`${base}/bundle/people/${bundle.membershipId}/remove`} csrf={csrf} label="Remove from the agency membership" danger />
          </>
        ) : bundle.status === 'suspended' ? (
          <p>Covered by {agency}, but suspended: not covered until reinstated, which needs a free place in that agency membership.</p>
        ) : (
          <p>Was covered by {agency}; no longer covered.</p>
        )}
      </section>
    );
  }
  const { state } = bundle;
  const values = props.values ?? {};
  const e = props.errors ?? {};
  return (
    <section aria-labelledby="bundle-title" class="card">
      <h2 id="bundle-title">Agency bundle</h2>
      <p>
        This {state.bundle.level_name} membership covers up to {state.size} people, its contact included:{' '}
        <strong>
          {state.covered.length + 1} of {state.size} places used
        </strong>
        . The people it covers have members' access while it is active, and lose it when they are removed or it lapses or is suspended.
      </p>
      {state.covered.length === 0 ? (
        <p>Nobody else is covered yet.</p>
      ) : (
        <CoveredList
          people={state.covered}
          label="People covered by this agency membership"
          link={(c) => `/admin/members/${c.id}`}
          removeAction={(c) => `${base}/bundle/people/${c.id}/remove`}
          csrf={csrf}
        />
      )}
      {!state.canAdd ? (
        <p>People can be added once this agency membership is active.</p>
      ) : state.places > 0 || props.errors ? (
        <Form action={`${base}/bundle/people`} csrf={csrf} errors={props.errors} label="Add a person to the agency membership">
          <h3>Add a person</h3>
          <Field name="person_name" label="Their name" value={values.person_name} error={e.person_name} autocomplete="off" required />
          <Field
            name="person_email"
            label="Their e-mail address"
            type="email"
            value={values.person_email}
            error={e.person_email}
            autocomplete="off"
            hint="Someone new gets an account and an e-mailed link to set it up; someone with an account is e-mailed too."
            required
          />
          <div class="form-actions">
            <button type="submit">Add to the agency membership</button>
          </div>
        </Form>
      ) : (
        <p>All places are taken. Remove someone to add another person.</p>
      )}
    </section>
  );
}
