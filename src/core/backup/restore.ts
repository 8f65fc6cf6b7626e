import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '#src/config.js';
import { migrationProvider } from '../db/migrations/index.js';
import { isDatabaseFile, isSkippedDataFile, type Header, type Summary } from './format.js';
import { DamagedBackup, readBackup } from './reader.js';
import { openTarget, type Target } from './target.js';

/** The restore would not start; nothing was changed. */
export class RestoreRefused extends Error {}
/** The restore failed part-way and was rolled back: the database is as it was. */
export class RestoreStopped extends Error {}

export interface RestoreResult extends Summary {
  header: Header;
  /** The content that was there before (restored with --force). */
  replaced: { table: string; rows: number }[];
  /** Migrations newer than the backup, run after its rows were loaded. */
  migrated: string[];
  /** Files in the data folder that are not in the backup, left as they were. */
  otherFiles: number;
}

const STAGING = '.restore-staging';
/** Keeps one INSERT's parameters well under SQLite's and PostgreSQL's limits. */
const PARAMETERS_PER_INSERT = 10_000;

async function checkWhole(file: string): Promise<{ header: Header; summary: Summary }> {
  let header: Header | undefined;
  let summary: Summary | undefined;
  try {
    for await (const event of readBackup(file)) {
      if (event.kind === 'header') header = event.header;
      if (event.kind === 'end') summary = event.summary;
    }
  } catch (err) {
    if (err instanceof DamagedBackup) throw new RestoreRefused(`The backup file ${file} is damaged or incomplete: ${err.message}. Nothing was changed.`);
    throw err;
  }
  return { header: header!, summary: summary! };
}

/** The backup's migrations must be the first ones this version knows, in order. */
async function checkSchema(config: Config, header: Header): Promise<string> {
  const known = Object.keys(await migrationProvider(config.database.kind).getMigrations()).sort();
  const theirs = [...header.migrations].sort();
  const unknown = theirs.filter((m) => !known.includes(m));
  if (unknown.length) {
    throw new RestoreRefused(
      `This backup comes from a newer version of Headworks: its database has changes this version does not know (${unknown.join(', ')}). ` +
        'Install the same or a newer version of Headworks, then restore. Nothing was changed.',
    );
  }
  if (theirs.length === 0 || theirs.some((m, i) => known[i] !== m)) {
    throw new RestoreRefused(`This backup's database changes (${theirs.join(', ') || 'none'}) are not a beginning of this version's (${known.join(', ')}). Nothing was changed.`);
  }
  return theirs[theirs.length - 1]!;
}

/**
 * Replace the database and the data folder's files with a backup's. The file is read once to the
 * end first, so a damaged or cut file changes nothing. Then in one transaction: the old tables
 * are dropped, the schema is built as it was when the backup was made, the rows are copied, the
 * id sequences set after the largest id, and newer migrations run. The files are written beside
 * the data folder during the transaction and moved in once it has committed.
 */
export async function restoreBackup(config: Config, file: string, options: { force: boolean }): Promise<RestoreResult> {
  if (!fs.existsSync(file)) throw new RestoreRefused(`There is no file ${file}. Nothing was changed.`);
  if (!fs.statSync(file).isFile()) throw new RestoreRefused(`${file} is not a file. Nothing was changed.`);
  const { header, summary } = await checkWhole(file);
  const level = await checkSchema(config, header);

  const target = await openTarget(config.database);
  const staging = path.join(config.dataDir, STAGING);
  const staged: { name: string; mode: number }[] = [];
  let replaced: { table: string; rows: number }[];
  let migrated: string[];
  try {
    await target.begin();
    try {
      replaced = await target.content();
      if (replaced.length && !options.force) {
        const listed = replaced.map((c) => `${c.table}: ${c.rows}`).join(', ');
        throw new RestoreRefused(
          `The database already has content (rows in ${listed}). A restore replaces all of it. ` +
            'If that is what you want, stop the site and run the restore again with --force. Nothing was changed.',
        );
      }
      fs.rmSync(staging, { recursive: true, force: true });
      await target.dropEverything();
      await target.migrateTo(level);
      await target.disableTriggers();
      await load(target, file, staging, staged);
      await target.enableTriggers();
      await target.resetSequences();
      migrated = await target.migrateTo('latest');
      await target.checkForeignKeys();
      await target.commit();
    } catch (err) {
      await target.rollback().catch(() => {});
      fs.rmSync(staging, { recursive: true, force: true });
      if (err instanceof RestoreRefused) throw err;
      const reason = err instanceof DamagedBackup ? `the backup file changed or is damaged (${err.message})` : (err as Error).message;
      throw new RestoreStopped(`The restore stopped: ${reason}. The database was left as it was.`, { cause: err });
    }
  } finally {
    await target.close();
  }

  const databaseFile = config.database.kind === 'sqlite' ? config.database.file : undefined;
  for (const { name, mode } of staged) {
    const to = path.join(config.dataDir, ...name.split('/'));
    // Never a file over the database just restored.
    if (databaseFile && isDatabaseFile(to, databaseFile)) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(path.join(staging, ...name.split('/')), to);
    fs.chmodSync(to, mode);
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return { ...summary, header, replaced, migrated, otherFiles: countOtherFiles(config, new Set(staged.map((s) => s.name))) };
}

async function load(target: Target, file: string, staging: string, staged: { name: string; mode: number }[]) {
  let table: { name: string; columns: string[]; perInsert: number; selfRefs: string[]; primaryKey: string[]; later: Record<string, unknown>[] } | undefined;
  let out: fs.promises.FileHandle | undefined;
  try {
    for await (const event of readBackup(file)) {
      switch (event.kind) {
        case 'table': {
          const columns = await target.tableColumns(event.table);
          if (!columns) throw new Error(`the table ${event.table} is not in the database this version builds`);
          const missing = event.columns.filter((c) => !columns.includes(c));
          if (missing.length) throw new Error(`the table ${event.table} has no column ${missing.join(', ')} in the database this version builds`);
          // Rows a migration put there (seeded content) are replaced by the backup's.
          await target.db.deleteFrom(event.table).execute();
          const selfRefs = (await target.selfReferences(event.table)).filter((c) => event.columns.includes(c));
          const primaryKey = selfRefs.length ? await target.primaryKey(event.table) : [];
          if (selfRefs.length && !primaryKey.every((c) => event.columns.includes(c))) throw new Error(`the table ${event.table} cannot be restored without its primary key`);
          table = { name: event.table, columns: event.columns, perInsert: Math.max(1, Math.floor(PARAMETERS_PER_INSERT / event.columns.length)), selfRefs, primaryKey, later: [] };
          break;
        }
        case 'rows': {
          const t = table!;
          const objects = event.rows.map((row) => {
            const o: Record<string, unknown> = {};
            t.columns.forEach((c, i) => (o[c] = row[i]));
            // A row may refer to one later in its own table: set after all of them are in.
            if (t.selfRefs.some((c) => o[c] !== null && o[c] !== undefined)) {
              const fix: Record<string, unknown> = {};
              for (const c of [...t.primaryKey, ...t.selfRefs]) fix[c] = o[c];
              t.later.push(fix);
              for (const c of t.selfRefs) o[c] = null;
            }
            return o;
          });
          for (let i = 0; i < objects.length; i += t.perInsert)
            await target.db
              .insertInto(t.name)
              .values(objects.slice(i, i + t.perInsert))
              .execute();
          break;
        }
        case 'table_end': {
          const t = table!;
          for (const fix of t.later) {
            let update = target.db.updateTable(t.name).set(Object.fromEntries(t.selfRefs.map((c) => [c, fix[c]])));
            for (const c of t.primaryKey) update = update.where(c, '=', fix[c]);
            await update.execute();
          }
          table = undefined;
          break;
        }
        case 'file': {
          const to = path.join(staging, ...event.name.split('/'));
          fs.mkdirSync(path.dirname(to), { recursive: true });
          out = await fs.promises.open(to, 'wx', 0o600);
          staged.push({ name: event.name, mode: event.mode });
          break;
        }
        case 'data':
          await out!.write(event.chunk);
          break;
        case 'file_end':
          await out!.sync();
          await out!.close();
          out = undefined;
          break;
        default:
          break;
      }
    }
  } finally {
    await out?.close();
  }
}

function countOtherFiles(config: Config, restored: Set<string>): number {
  const databaseFile = config.database.kind === 'sqlite' ? config.database.file : undefined;
  let count = 0;
  const walk = (relative: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(config.dataDir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && !restored.has(rel) && !isSkippedDataFile(rel, databaseFile, path.join(config.dataDir, rel))) count += 1;
    }
  };
  walk('');
  return count;
}
