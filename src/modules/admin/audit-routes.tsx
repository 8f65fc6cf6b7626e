import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '#core/audit/queries.js';
import type { SiteState } from '#core/settings.js';
import { AUDIT_PER_PAGE, auditCsv, parseAuditParams } from './audit.js';
import { AuditPage } from './audit-views.js';

interface Deps {
  log: AuditLog;
  state: SiteState;
}

/** Admin → Audit log: read only. No route edits or deletes an entry. */
export async function auditRoutes(app: FastifyInstance, { log, state }: Deps) {
  app.get('/admin/audit', async (request, reply) => {
    const { timeZone } = await state.getSettings();
    const { params, filters, errors } = parseAuditParams(request.query, timeZone);
    const total = await log.count(filters);
    const pages = Math.max(1, Math.ceil(total / AUDIT_PER_PAGE));
    const page = Math.min(params.page, pages);
    const [rows, actors, personName] = await Promise.all([
      log.list(filters, AUDIT_PER_PAGE, (page - 1) * AUDIT_PER_PAGE),
      log.actors(),
      params.person !== null ? log.personName(params.person) : Promise.resolve(undefined),
    ]);
    return reply.page({
      title: 'Audit log',
      admin: true,
      body: (
        <AuditPage rows={rows} total={total} page={page} pages={pages} params={{ ...params, page }} errors={errors} actors={actors} personName={personName} timeZone={timeZone} />
      ),
    });
  });

  app.get('/admin/audit.csv', async (request, reply) => {
    const { timeZone } = await state.getSettings();
    const { filters } = parseAuditParams(request.query, timeZone);
    const csv = await auditCsv(log, filters, timeZone);
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="audit-log-${day}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(csv);
  });
}
