import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import zlib from 'node:zlib';
import { FORMAT_VERSION, decodeValue, type Header, type Summary } from './format.js';

/** The backup file cannot be read to its end as a backup: nothing may be restored from it. */
export class DamagedBackup extends Error {}

export type BackupEvent =
  | { kind: 'header'; header: Header }
  | { kind: 'table'; table: string; columns: string[] }
  | { kind: 'rows'; table: string; rows: unknown[][] }
  | { kind: 'table_end'; table: string; rows: number }
  | { kind: 'file'; name: string; mode: number }
  | { kind: 'data'; name: string; chunk: Buffer }
  | { kind: 'file_end'; name: string }
  | { kind: 'end'; summary: Summary };

const ROWS_PER_EVENT = 500;

async function* lines(file: string): AsyncGenerator<string> {
  // pipeline() hands a read error or gzip's "unexpected end of file" to the iteration below.
  const source = pipeline(fs.createReadStream(file), zlib.createGunzip(), () => {});
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const parts = (rest + decoder.write(chunk)).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A data-folder path from a backup must stay inside the data folder. */
function safeFileName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.includes('\0') || name.includes('\\') || name.startsWith('/'))
    throw new DamagedBackup(`a file has a name that is not allowed (${JSON.stringify(name)})`);
  const normal = path.posix.normalize(name);
  if (normal !== name || normal.split('/').some((part) => part === '..' || part === '.' || part === ''))
    throw new DamagedBackup(`a file has a name that is not allowed (${JSON.stringify(name)})`);
  return name;
}

/**
 * Read a backup, checking as it goes that every part is there and whole: the header first, each
 * table's rows as many as its end line says, each file's bytes matching its checksum, and the
 * end line last with the totals. Throws DamagedBackup at the first thing out of place.
 */
export async function* readBackup(file: string): AsyncGenerator<BackupEvent> {
  let header: Header | undefined;
  let table: { name: string; columns: string[]; count: number; batch: unknown[][] } | undefined;
  let current: { name: string; size: number; hash: crypto.Hash } | undefined;
  const seenTables = new Set<string>();
  const seenFiles = new Set<string>();
  const totals: Summary = { tables: 0, rows: 0, files: 0 };
  let ended = false;
  let lineNumber = 0;
  try {
    for await (const line of lines(file)) {
      lineNumber += 1;
      if (ended) throw new DamagedBackup('there is more after the end line');
      if (line === '') throw new DamagedBackup('an empty line');
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        throw new DamagedBackup('a line is not valid JSON');
      }
      if (!header) {
        if (!isObject(record) || typeof record.headworks_backup !== 'number') throw new DamagedBackup('it does not start like a Headworks backup');
        if (record.headworks_backup > FORMAT_VERSION)
          throw new DamagedBackup(`it was written by a newer version of Headworks (backup format ${record.headworks_backup}; this version reads format ${FORMAT_VERSION})`);
        if (!Array.isArray(record.migrations) || !record.migrations.every((m) => typeof m === 'string') || (record.dialect !== 'sqlite' && record.dialect !== 'postgres')) {
          throw new DamagedBackup('its first line is incomplete');
        }
        header = record as unknown as Header;
        yield { kind: 'header', header };
        continue;
      }
      if (Array.isArray(record)) {
        if (!table) throw new DamagedBackup('a row outside of a table');
        if (record.length !== table.columns.length) throw new DamagedBackup(`a row of ${table.name} has ${record.length} values for ${table.columns.length} columns`);
        table.batch.push(record.map(decodeValue));
        table.count += 1;
        if (table.batch.length >= ROWS_PER_EVENT) {
          yield { kind: 'rows', table: table.name, rows: table.batch };
          table.batch = [];
        }
        continue;
      }
      if (!isObject(record)) throw new DamagedBackup(`line ${lineNumber} is not a record`);
      if (current && !('data' in record) && !('file_end' in record)) throw new DamagedBackup(`the file ${current.name} is incomplete`);
      if ('table' in record) {
        if (table || current) throw new DamagedBackup('a table starts inside another part');
        if (typeof record.table !== 'string' || !Array.isArray(record.columns) || !record.columns.every((c) => typeof c === 'string'))
          throw new DamagedBackup('a table line is incomplete');
        if (seenTables.has(record.table)) throw new DamagedBackup(`the table ${record.table} comes twice`);
        seenTables.add(record.table);
        table = { name: record.table, columns: record.columns as string[], count: 0, batch: [] };
        yield { kind: 'table', table: table.name, columns: table.columns };
      } else if ('table_end' in record) {
        if (!table || record.table_end !== table.name) throw new DamagedBackup('a table ends that did not start');
        if (record.rows !== table.count) throw new DamagedBackup(`the table ${table.name} should have ${String(record.rows)} rows and has ${table.count}`);
        if (table.batch.length) yield { kind: 'rows', table: table.name, rows: table.batch };
        yield { kind: 'table_end', table: table.name, rows: table.count };
        totals.tables += 1;
        totals.rows += table.count;
        table = undefined;
      } else if ('file' in record) {
        if (table) throw new DamagedBackup(`the table ${table.name} has no end`);
        const name = safeFileName(record.file);
        if (seenFiles.has(name)) throw new DamagedBackup(`the file ${name} comes twice`);
        seenFiles.add(name);
        const mode = typeof record.mode === 'number' ? record.mode & 0o777 : 0o600;
        current = { name, size: 0, hash: crypto.createHash('sha256') };
        yield { kind: 'file', name, mode };
      } else if ('data' in record) {
        if (!current || typeof record.data !== 'string') throw new DamagedBackup('file data outside of a file');
        const chunk = Buffer.from(record.data, 'base64');
        current.hash.update(chunk);
        current.size += chunk.length;
        yield { kind: 'data', name: current.name, chunk };
      } else if ('file_end' in record) {
        if (!current || record.file_end !== current.name) throw new DamagedBackup('a file ends that did not start');
        if (record.size !== current.size || record.sha256 !== current.hash.digest('hex')) throw new DamagedBackup(`the file ${current.name} is damaged`);
        yield { kind: 'file_end', name: current.name };
        totals.files += 1;
        current = undefined;
      } else if ('end' in record) {
        if (table) throw new DamagedBackup(`the table ${table.name} has no end`);
        if (record.tables !== totals.tables || record.rows !== totals.rows || record.files !== totals.files)
          throw new DamagedBackup('the totals at its end do not match what it holds');
        ended = true;
        yield { kind: 'end', summary: totals };
      } else {
        throw new DamagedBackup(`line ${lineNumber} is not a known record`);
      }
    }
  } catch (err) {
    if (err instanceof DamagedBackup) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw err;
    throw new DamagedBackup(code === 'Z_BUF_ERROR' ? 'it is cut short' : code?.startsWith('Z_') ? 'it is not a whole gzip file' : (err as Error).message);
  }
  if (!header) throw new DamagedBackup('it is empty');
  if (!ended) throw new DamagedBackup('it is cut short (no end line)');
}
