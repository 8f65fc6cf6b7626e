import { recordAudit, type AuditBy, type Change } from '#core/audit/index.js';
import type { Executor } from '#core/db/index.js';

/**
 * An audit log entry about a member (core/audit), written in the caller's transaction; the
 * membership is the subject and its person the one the entry concerns, so the member's page can
 * link to its history of admin changes.
 */
export function auditMember(
  trx: Executor,
  by: AuditBy | undefined,
  now: string,
  member: { membershipId: number; userId: number; name: string },
  action: string,
  summary: string,
  changes: Change[] = [],
): Promise<void> {
  return recordAudit(trx, by, now, {
    action,
    summary,
    subject: { type: 'membership', id: member.membershipId, label: member.name },
    person: { userId: member.userId, name: member.name },
    changes,
  });
}
