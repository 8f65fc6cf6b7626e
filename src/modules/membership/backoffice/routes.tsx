import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf, type Actor } from '#core/audit/index.js';
import { userOf } from '#core/auth/guards.js';
import type { MembershipStatus } from '../tables.js';
import { formValues, parseForm } from '#core/http/forms.js';
import { parseId } from '#core/http/params.js';
import type { Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import type { FieldErrors } from '#core/views/forms.js';
import { renderFragment } from '#core/views/render.js';
import { levelChangeInput, noteInput, parseListParams, renewalInput, suspendInput, type AdminMembersService } from './service.js';
import { ImportPage, ImportProgress, ImportUploadPage } from '../imports/index.js';
import { MemberActions, MemberFieldValues, MemberListPage, type ActionName } from './views.js';
import { adminBundlePersonInput, type AdminBundle, type BundleService } from '../bundles/index.js';
import { AdminBundleSection } from '../bundles/index.js';
import { addedMessage } from '../bundles/index.js';
import { rejectInput, type MembershipService } from '../lifecycle/index.js';
import { MemberDetail } from './member-page.js';

interface Deps {
  members: AdminMembersService;
  state: SiteState;
  /** Approving and rejecting applications. */
  membership: MembershipService;
  /** Agency bundles: what a contact's or a covered person's page shows, and adding or removing people. */
  bundles: BundleService;
}

type Id = { Params: { id: string } };

/**
 * Why the member's page no longer shows the form of `action`, if it does not: another admin decided
 * the application, suspended the member or moved them off the agency level while this page was
 * open. A refusal of that form is then said in a message at the top of the page (as when the
 * service refuses the action itself), not beside a field that is not there.
 */
function formGone(action: ActionName, status: MembershipStatus, bundle: AdminBundle | null): string | undefined {
  if (action === 'reject' && status !== 'pending_approval') return 'This application is no longer waiting for approval.';
  if (action === 'suspend' && status === 'suspended') return 'This membership is already suspended.';
  if (action === 'bundle') {
    if (bundle?.kind !== 'contact') return 'This member does not manage an agency membership.';
    if (!bundle.state.canAdd) return 'People can be added once this agency membership is active.';
  }
  return undefined;
}

/** The admins' member screens: the list and its CSV, a member's page and its actions, imports. */
export async function adminMemberRoutes(app: FastifyInstance, { members, state, membership, bundles }: Deps) {
  // The list

  app.get('/admin/members', async (request, reply) => {
    const { params, dueError, rawDue } = parseListParams(request.query);
    const [list, levels, settings] = await Promise.all([members.list(params), members.listLevels(), state.getSettings()]);
    return reply.page({
      title: 'Members',
      admin: true,
      body: (
        <MemberListPage
          rows={list.rows}
          total={list.total}
          page={list.page}
          pages={list.pages}
          params={{ ...params, page: list.page }}
          levels={levels}
          rawDue={rawDue}
          dueError={dueError}
          fields={list.fields}
          fieldError={list.fieldError}
          timeZone={settings.timeZone}
        />
      ),
    });
  });

  app.get('/admin/members.csv', async (request, reply) => {
    const { csv, fileName } = await members.exportCsv(parseListParams(request.query).params);
    return reply.header('cache-control', 'private, no-store').header('content-disposition', `attachment; filename="${fileName}"`).type('text/csv; charset=utf-8').send(csv);
  });

  // A member's page and what admins do there

  const detailPage = async (id: number, reply: FastifyReply, failed?: { action: ActionName; errors: FieldErrors; values: Record<string, string> }) => {
    const [detail, levels, settings, bundle] = await Promise.all([members.detail(id), members.listLevels(), state.getSettings(), bundles.forAdmin(id)]);
    if (!detail) return reply.callNotFound();
    const gone = failed && formGone(failed.action, detail.membership.status, bundle);
    if (gone) {
      reply.setFlash('error', gone);
      return reply.redirect(`/admin/members/${id}`, 303);
    }
    const csrf = reply.csrfToken();
    const failedOf = (action: ActionName) => (failed?.action === action ? failed : undefined);
    return reply.page({
      status: failed ? 422 : 200,
      title: detail.user.name,
      admin: true,
      body: (
        <MemberDetail
          detail={detail}
          timeZone={settings.timeZone}
          csrf={csrf}
          errors={failedOf('reject')?.errors}
          values={failedOf('reject')?.values}
          actions={
            <>
              {bundle ? <AdminBundleSection bundle={bundle} csrf={csrf} errors={failedOf('bundle')?.errors} values={failedOf('bundle')?.values} /> : null}
              {detail.fields.length ? <MemberFieldValues fields={detail.fields} values={detail.fieldValues} /> : null}
              <MemberActions
                membership={detail.membership}
                user={detail.user}
                levels={levels}
                timeZone={settings.timeZone}
                csrf={csrf}
                failed={failed}
                fields={detail.fields}
                fieldValues={detail.fieldValues}
              />
            </>
          }
        />
      ),
    });
  };

  app.get<Id>('/admin/members/:id', async (request, reply) => {
    const id = parseId(request.params.id);
    return id === null ? reply.callNotFound() : detailPage(id, reply);
  });

  /** A form on a member's page: validate, act, then back to the page (with a message), or the page again with the errors. */
  function memberAction<S extends z.ZodType, T>(
    path: string,
    action: ActionName,
    schema: S,
    run: (membershipId: number, input: z.output<S>, actorUserId: number, by: Actor) => Promise<Outcome<T>>,
    done: (value: T) => string,
  ) {
    app.post<Id>(`/admin/members/:id/${path}`, async (request, reply) => {
      const id = parseId(request.params.id);
      if (id === null) return reply.callNotFound();
      const form = parseForm(schema, request.body);
      const result = form.ok ? await run(id, form.data, userOf(request).id, actorOf(request)) : form;
      if (!result.ok) {
        const fieldErrors = Object.keys(result.errors).filter((k) => k !== 'form');
        if (fieldErrors.length === 0) {
          if (result.code === 'not_found') return reply.callNotFound();
          reply.setFlash('error', result.errors.form ?? 'That did not work. Try again.');
          return reply.redirect(`/admin/members/${id}`, 303);
        }
        return detailPage(id, reply, { action, errors: result.errors, values: formValues(request.body) });
      }
      reply.setFlash('success', done(result.value));
      return reply.redirect(`/admin/members/${id}`, 303);
    });
  }

  // The built-in details and the member fields are checked together by the service (saveDetails).
  memberAction(
    'details',
    'details',
    z.record(z.string(), z.string()),
    (id, input, actor, by) => members.saveDetails(id, input, actor, by),
    () => 'The details were saved.',
  );
  // The application decision (membership/service.ts): the reason for a rejection is e-mailed to the applicant.
  memberAction(
    'approve',
    'reject',
    z.object({}),
    (id, _input, actor, by) => membership.approve(id, actor, by),
    (v) => (v === 'active' ? 'Approved: the dues were already paid, so the membership is active.' : 'Approved: the membership starts when the dues are paid.'),
  );
  memberAction(
    'reject',
    'reject',
    rejectInput,
    (id, input, actor, by) => membership.reject(id, actor, input.reason, by),
    () => 'The application was rejected and the applicant was told why.',
  );
  memberAction(
    'level',
    'level',
    levelChangeInput,
    (id, input, actor, by) => members.changeLevel(id, input.level_id, actor, by),
    () => 'The level was changed.',
  );
  memberAction(
    'renewal',
    'renewal',
    renewalInput,
    (id, input, actor, by) => members.changeRenewalDate(id, input, actor, by),
    (v) => `The renewal date was changed.${v.reactivated ? ' The membership is active again.' : ''}`,
  );
  memberAction(
    'suspend',
    'suspend',
    suspendInput,
    (id, input, actor, by) => members.suspend(id, input.suspend_reason, actor, by),
    () => 'The membership is suspended: members-only pages are closed to this member.',
  );
  memberAction(
    'reinstate',
    'suspend',
    z.object({}),
    (id, _input, actor, by) => members.reinstate(id, actor, by),
    (v) =>
      v.access
        ? 'The membership is active again.'
        : 'The membership is active again, but its renewal date and grace period have passed: extend the renewal date to open members-only pages.',
  );
  // Agency bundles (bundles.ts), by the same rules as the contact's own page.
  memberAction(
    'bundle/people',
    'bundle',
    adminBundlePersonInput,
    (id, input, actor, by) => bundles.adminAdd(id, input, actor, by),
    (v) => addedMessage(v.email, v),
  );
  // From the contact's page (a person in the list) or the person's own page (`:person` = `:id`).
  app.post<{ Params: { id: string; person: string } }>('/admin/members/:id/bundle/people/:person/remove', async (request, reply) => {
    const id = parseId(request.params.id);
    const person = parseId(request.params.person);
    if (id === null || person === null || !(await members.detail(id))) return reply.callNotFound();
    const result = await bundles.adminRemove(id, person, userOf(request).id, actorOf(request));
    reply.setFlash(
      result.ok ? 'success' : 'error',
      result.ok ? `${result.value.name} is no longer covered by the agency membership.` : (result.errors.form ?? 'That did not work. Try again.'),
    );
    return reply.redirect(`/admin/members/${id}`, 303);
  });
  memberAction(
    'notes',
    'note',
    noteInput,
    (id, input, actor, by) => members.addNote(id, input.note, actor, by),
    () => 'The note was added to the history.',
  );

  // Imports

  app.get('/admin/members/import', async (_request, reply) =>
    reply.page({ title: 'Import members', admin: true, body: <ImportUploadPage csrf={reply.csrfToken()} fields={await members.imports.fields()} /> }),
  );

  app.post('/admin/members/import', async (request, reply) => {
    const file = (request.body as Record<string, unknown> | undefined)?.file;
    const result = await members.imports.check(Buffer.isBuffer(file) ? file : undefined, userOf(request).id);
    if (!result.ok)
      return reply.page({
        status: 422,
        title: 'Import members',
        admin: true,
        body: <ImportUploadPage csrf={reply.csrfToken()} fields={await members.imports.fields()} errors={result.errors} />,
      });
    return reply.redirect(`/admin/members/import/${result.value}`, 303);
  });

  const findImport = (raw: string) => {
    const id = parseId(raw);
    return id === null ? Promise.resolve(undefined) : members.imports.view(id);
  };

  app.get<Id>('/admin/members/import/:id', async (request, reply) => {
    const [view, settings] = await Promise.all([findImport(request.params.id), state.getSettings()]);
    if (!view) return reply.callNotFound();
    const running = view.batch.status === 'queued' || view.batch.status === 'running';
    const title =
      view.batch.status === 'invalid' ? 'Problems in the file' : view.batch.status === 'ready' ? 'Check and confirm the import' : running ? 'Importing members' : 'Member import';
    return reply.page({ title, admin: true, body: <ImportPage view={view} csrf={reply.csrfToken()} timeZone={settings.timeZone} /> });
  });

  // htmx asks for this every 2 seconds while the import runs.
  app.get<Id>('/admin/members/import/:id/progress', async (request, reply) => {
    const view = await findImport(request.params.id);
    if (!view) return reply.callNotFound();
    return reply
      .header('cache-control', 'private, no-store')
      .type('text/html; charset=utf-8')
      .send(renderFragment(<ImportProgress batch={view.batch} resuming={view.resuming} />));
  });

  app.post<Id>('/admin/members/import/:id/confirm', async (request, reply) => {
    const id = parseId(request.params.id);
    if (id === null || !(await members.imports.view(id))) return reply.callNotFound();
    const result = await members.imports.confirm(id, userOf(request).id, actorOf(request));
    reply.setFlash(result.ok ? 'success' : 'error', result.ok ? 'The import has started.' : result.errors.form!);
    return reply.redirect(`/admin/members/import/${id}`, 303);
  });

  app.post<Id>('/admin/members/import/:id/cancel', async (request, reply) => {
    const id = parseId(request.params.id);
    if (id === null || !(await members.imports.view(id))) return reply.callNotFound();
    const result = await members.imports.cancel(id);
    reply.setFlash(result.ok ? 'success' : 'error', result.ok ? 'The import was cancelled; nothing was imported.' : result.errors.form!);
    return reply.redirect(`/admin/members/import/${id}`, 303);
  });
}
