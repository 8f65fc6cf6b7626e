import { Field, Form, type FieldErrors } from '#core/views/forms.js';
import { describeReminderDays } from './service.js';

/** The admins' renewal settings: on which days reminders go out. */
export function RenewalSettingsForm(props: { csrf: string; current: number[]; value: string; errors?: FieldErrors }) {
  const e = props.errors ?? {};
  return (
    <>
      <p>
        Each member with dues to pay gets a reminder by e-mail on these days, counted from their renewal date. The first reminder also issues their renewal invoice. A member who
        has not paid by the end of their level's grace period lapses: they can no longer see the members-only pages, but keep their account and history, and can renew at any time
        from their account page.
      </p>
      <p>
        Reminders now go out: <strong>{describeReminderDays(props.current)}</strong>. Grace periods are set for each <a href="/admin/levels">membership level</a>.
      </p>
      <Form action="/admin/renewals" csrf={props.csrf} errors={props.errors} label="Renewal reminders">
        <Field
          name="reminder_days"
          label="Days to send reminders"
          value={props.value}
          error={e.reminder_days}
          hint="Whole days separated by commas: negative before the renewal date, 0 on the day, positive after. For example -30, -7, 0, 7."
          required
        />
        <div class="form-actions">
          <button type="submit">Save reminder days</button>
        </div>
      </Form>
    </>
  );
}
