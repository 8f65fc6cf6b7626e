import type { Executor } from '#core/db/index.js';

/** SQL of the admins' e-mail templates (mail_templates: one row per template an admin edited). */

export function findOverride(executor: Executor, key: string) {
  return executor.selectFrom('mail_templates').select(['key', 'subject', 'text_body', 'updated_at', 'updated_by']).where('key', '=', key).executeTakeFirst();
}

export function listOverrideKeys(executor: Executor) {
  return executor.selectFrom('mail_templates').select(['key', 'updated_at']).execute();
}

export async function saveOverride(executor: Executor, row: { key: string; subject: string; text_body: string; updated_at: string; updated_by: number | null }) {
  await executor
    .insertInto('mail_templates')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet({ subject: row.subject, text_body: row.text_body, updated_at: row.updated_at, updated_by: row.updated_by }))
    .execute();
}

export async function deleteOverride(executor: Executor, key: string) {
  await executor.deleteFrom('mail_templates').where('key', '=', key).execute();
}
