import { sql, type Kysely } from 'kysely';
import type { Dialect } from '#core/db/index.js';
import { columnTypes } from '#core/db/migrations/types.js';

/**
 * Member fields the board defines (and each member's values), members' directory privacy, and the
 * directory's search index.
 *
 * The index (`directory_index`, `directory_terms`, `directory_cards`) is derived from users, memberships, levels,
 * privacy and member fields. Whoever writes those tables (applications, imports, renewals, admin
 * edits, tests), the triggers below note the membership in `directory_dirty`; the directory
 * re-indexes the noted memberships before it answers (docs/decisions/0014-member-directory.md).
 */
/**
 * Which writes change what the directory shows. `ids` selects the memberships concerned, from the
 * written row (NEW, or OLD for a deletion).
 */
interface TriggerSpec {
  name: string;
  table: string;
  events: { kind: 'insert' | 'update' | 'delete'; columns?: string[]; when?: string; before?: boolean }[];
  ids: (row: 'new' | 'old') => string;
}

const TRIGGERS: TriggerSpec[] = [
  {
    name: 'directory_membership',
    table: 'memberships',
    events: [
      { kind: 'insert' },
      {
        kind: 'update',
        columns: ['user_id', 'level_id', 'status', 'expires_at', 'organization', 'job_title', 'phone', 'address_line1', 'address_line2', 'city', 'region', 'postal_code'],
      },
    ],
    ids: (row) => `select ${row}.id`,
  },
  {
    name: 'directory_user',
    table: 'users',
    events: [{ kind: 'update', columns: ['name', 'email'], when: 'old.name <> new.name or old.email <> new.email' }],
    ids: (row) => `select id from memberships where user_id = ${row}.id`,
  },
  {
    name: 'directory_grace',
    table: 'membership_levels',
    events: [{ kind: 'update', columns: ['grace_days'], when: 'old.grace_days <> new.grace_days' }],
    ids: (row) => `select id from memberships where level_id = ${row}.id`,
  },
  { name: 'directory_privacy', table: 'member_privacy', events: [{ kind: 'insert' }, { kind: 'update' }, { kind: 'delete' }], ids: (row) => `select ${row}.membership_id` },
  { name: 'directory_value', table: 'member_field_values', events: [{ kind: 'insert' }, { kind: 'update' }, { kind: 'delete' }], ids: (row) => `select ${row}.membership_id` },
  {
    name: 'directory_field',
    table: 'member_fields',
    events: [
      { kind: 'update', columns: ['label', 'type', 'visibility', 'position'] },
      { kind: 'delete', before: true },
    ],
    ids: (row) => `select membership_id from member_field_values where field_id = ${row}.id`,
  },
];

function sqliteTriggers(t: TriggerSpec): string[] {
  return t.events.map((e) => {
    const row = e.kind === 'delete' ? 'old' : 'new';
    return `create trigger ${t.name}_${e.kind} ${e.before ? 'before' : 'after'} ${e.kind}${e.columns ? ` of ${e.columns.join(', ')}` : ''} on ${t.table}
      ${e.when ? `when ${e.when}` : ''}
      begin insert or ignore into directory_dirty (membership_id) ${t.ids(row)}; end`;
  });
}

function postgresTrigger(t: TriggerSpec): string[] {
  return [
    `create function ${t.name}() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          insert into directory_dirty (membership_id) ${t.ids('old')} on conflict do nothing;
          return old;
        end if;
        insert into directory_dirty (membership_id) ${t.ids('new')} on conflict do nothing;
        return new;
      end $$`,
    ...t.events.map(
      (e) => `create trigger ${t.name}_${e.kind} ${e.before ? 'before' : 'after'} ${e.kind}${e.columns ? ` of ${e.columns.join(', ')}` : ''} on ${t.table}
        for each row ${e.when ? `when (${e.when})` : ''} execute function ${t.name}()`,
    ),
  ];
}

export function memberFields(dialect: Dialect) {
  const t = columnTypes(dialect);
  const pg = dialect === 'postgres';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('member_fields')
        .addColumn('id', t.id, (c) => t.primaryId(c))
        .addColumn('key', 'text', (c) => c.notNull().unique())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('choices', 'text', (c) => c.notNull())
        .addColumn('required', 'integer', (c) => c.notNull())
        .addColumn('visibility', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('member_field_values')
        .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
        .addColumn('field_id', 'integer', (c) => c.notNull().references('member_fields.id').onDelete('cascade'))
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('member_field_values_pk', ['membership_id', 'field_id'])
        .execute();
      await db.schema.createIndex('member_field_values_field').on('member_field_values').column('field_id').execute();

      // No row means the defaults: listed, e-mail shown to members, phone and address hidden.
      await db.schema
        .createTable('member_privacy')
        .addColumn('membership_id', 'integer', (c) => c.primaryKey().references('memberships.id').onDelete('cascade'))
        .addColumn('listed', 'integer', (c) => c.notNull())
        .addColumn('show_email', 'integer', (c) => c.notNull())
        .addColumn('show_phone', 'integer', (c) => c.notNull())
        .addColumn('show_address', 'integer', (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      // Each member's sort key, and until when they are shown: the end of the grace period of an
      // active, listed membership; null when not shown. Their card (directory_cards) is what the
      // directory shows of them, as JSON, already reduced to what they allow. Sort keys and words
      // are compared by code point in both dialects (PostgreSQL's "C" collation), so prefixes are
      // ranges and orders agree.
      await db.schema
        .createTable('directory_index')
        .addColumn('membership_id', 'integer', (c) => c.primaryKey().references('memberships.id').onDelete('cascade'))
        .addColumn('sort_name', pg ? sql`text collate "C"` : 'text', (c) => c.notNull())
        .addColumn('visible_until', t.timestamp)
        .execute();
      await db.schema.createIndex('directory_index_sort').on('directory_index').columns(['sort_name', 'membership_id']).execute();
      await db.schema.createIndex('directory_index_visible').on('directory_index').column('visible_until').execute();
      // Kept apart from the index so index scans read narrow rows (searches now run in memory: decision 0018).
      await db.schema
        .createTable('directory_cards')
        .addColumn('membership_id', 'integer', (c) => c.primaryKey().references('memberships.id').onDelete('cascade'))
        .addColumn('card', 'text', (c) => c.notNull())
        .execute();

      // One row per word of a member's name, organization and city.
      await db.schema
        .createTable('directory_terms')
        .addColumn('term', pg ? sql`text collate "C"` : 'text', (c) => c.notNull())
        .addColumn('membership_id', 'integer', (c) => c.notNull().references('memberships.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('directory_terms_pk', ['term', 'membership_id'])
        .execute();
      await db.schema.createIndex('directory_terms_membership').on('directory_terms').column('membership_id').execute();

      // Memberships to re-index. No foreign key: a membership deleted meanwhile is simply skipped.
      await db.schema
        .createTable('directory_dirty')
        .addColumn('membership_id', 'integer', (c) => c.primaryKey())
        .execute();

      for (const trigger of TRIGGERS) {
        for (const statement of pg ? postgresTrigger(trigger) : sqliteTriggers(trigger)) await sql.raw(statement).execute(db);
      }

      // Memberships that exist already are indexed on the directory's first search.
      await sql`insert into directory_dirty (membership_id) select id from memberships`.execute(db);
    },
    async down(db: Kysely<any>) {
      for (const trigger of TRIGGERS) {
        for (const event of trigger.events)
          await sql.raw(pg ? `drop trigger if exists ${trigger.name}_${event.kind} on ${trigger.table}` : `drop trigger if exists ${trigger.name}_${event.kind}`).execute(db);
        if (pg) await sql.raw(`drop function if exists ${trigger.name}()`).execute(db);
      }
      for (const table of ['directory_dirty', 'directory_terms', 'directory_cards', 'directory_index', 'member_privacy', 'member_field_values', 'member_fields']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
