import { ActionButton, Field, Form, type FieldErrors } from '../../core/views/forms.js';

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

/** On /account (and /account/bundle): the people an agency membership covers, and the form to add one. */
export function BundleSection(props: { state: BundleState; csrf: string; values?: Record<string, string>; errors?: FieldErrors }) {
  const { state, csrf } = props;
  const values = props.values ?? {};
  const e = props.errors ?? {};
  return (
    <section aria-labelledby="bundle-title" class="card">
      <h2 id="bundle-title">People covered by your agency membership</h2>
      <p>
        Your {state.bundle.level_name} membership covers up to {state.size} people, you included. Each person you add gets members' access
        for as long as your membership is active, and loses it when you remove them or your membership lapses.
      </p>
      {state.covered.length === 0 ? (
        <p>You have not added anyone yet.</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="People covered" tabIndex={0}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.covered.map((c) => (
                <tr>
                  <td>{c.name}</td>
                  <td>{c.email}</td>
                  <td>
                    <ActionButton action={`/account/bundle/people/${c.id}/remove`} csrf={csrf} label={`Remove`} danger />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
          <Field name="email" label="E-mail address" type="email" value={values.email} error={e.email} autocomplete="off" hint="We will e-mail them a link to set up their account." required />
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
        Your membership is part of the agency membership {contact.organization ? `of ${contact.organization} ` : ''}managed by {contact.name}. It lasts as
        long as theirs; ask them about renewal.
      </p>
    </section>
  );
}
