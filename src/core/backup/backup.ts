import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { Config } from '#src/config.js';
import { FILE_CHUNK, FORMAT_VERSION, appVersion, defaultFileName, encodeValue, isSkippedDataFile, type Header, type Summary } from './format.js';
import { openSnapshot } from './snapshot.js';

export interface BackupResult extends Summary {
  file: string;
  bytes: number;
}

/** Where a backup goes: the name given, a folder given (default name inside), or the current folder. */
export function backupPath(target: string | undefined, now: Date): string {
  if (!target) return path.resolve(defaultFileName(now));
  const resolved = path.resolve(target);
  if (target.endsWith(path.sep) || (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory())) return path.join(resolved, defaultFileName(now));
  return resolved;
}

/** Every regular file under the data folder, as paths relative to it, in a stable order. */
function dataFiles(dataDir: string, databaseFile: string | undefined): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dataDir, relative), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const rel = relative ? path.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && !isSkippedDataFile(rel, databaseFile, path.join(dataDir, rel))) found.push(rel);
    }
  };
  walk('');
  return found;
}

/**
 * Write a backup of the database and the data folder while the site runs. The database is read
 * in one snapshot first, then the files: a file the snapshot's rows name (an uploaded logo, a
 * sent e-mail) was written before its row, so it is there. The file is written under a
 * temporary name and renamed when complete, with mode 0600 (it holds password hashes and the
 * cookie secret).
 */
export async function writeBackup(config: Config, target: string | undefined, now = new Date()): Promise<BackupResult> {
  const file = backupPath(target, now);
  const temporary = `${file}.partial-${process.pid}`;
  const snapshot = await openSnapshot(config.database);
  const summary: Summary = { tables: 0, rows: 0, files: 0 };
  let out: fs.WriteStream | undefined;
  try {
    out = fs.createWriteStream(temporary, { mode: 0o600 });
    const gzip = zlib.createGzip({ level: 6 });
    // A pipeline, not pipe(): a file that cannot be written (a full disk) fails the whole backup
    // instead of leaving gzip waiting for a drain that never comes.
    const done = pipeline(gzip, out);
    // Awaited below on success; on failure the stream is destroyed and this must not go unhandled.
    done.catch(() => {});
    const closedEarly = done.then(() => {
      throw new Error('The backup file was closed before the backup was complete.');
    });
    closedEarly.catch(() => {});
    const drained = () => Promise.race([once(gzip, 'drain'), closedEarly]);
    const write = async (record: unknown) => {
      if (!gzip.write(`${JSON.stringify(record)}\n`)) await drained();
    };

    const header: Header = {
      headworks_backup: FORMAT_VERSION,
      app_version: appVersion(),
      dialect: config.database.kind,
      created_at: now.toISOString(),
      migrations: snapshot.migrations,
    };
    await write(header);
    for (const table of snapshot.tables) {
      const columns = await snapshot.columns(table);
      await write({ table, columns });
      let count = 0;
      for await (const batch of snapshot.rows(table, columns)) {
        // One write per batch: a line per row, joined, keeps the stream calls few.
        const text = batch.map((row) => JSON.stringify(row.map(encodeValue))).join('\n');
        if (!gzip.write(`${text}\n`)) await drained();
        count += batch.length;
      }
      await write({ table_end: table, rows: count });
      summary.tables += 1;
      summary.rows += count;
    }
    await snapshot.close();

    const databaseFile = config.database.kind === 'sqlite' ? config.database.file : undefined;
    for (const rel of dataFiles(config.dataDir, databaseFile)) {
      const absolute = path.join(config.dataDir, rel);
      let handle: fs.promises.FileHandle;
      try {
        handle = await fs.promises.open(absolute, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile (a cleaned-up upload)
        throw err;
      }
      try {
        const stat = await handle.stat();
        const name = rel.split(path.sep).join('/');
        await write({ file: name, mode: stat.mode & 0o777, size: stat.size });
        const hash = crypto.createHash('sha256');
        const buffer = Buffer.alloc(FILE_CHUNK);
        let size = 0;
        for (;;) {
          const { bytesRead } = await handle.read(buffer, 0, FILE_CHUNK, size);
          if (bytesRead === 0) break;
          const chunk = buffer.subarray(0, bytesRead);
          hash.update(chunk);
          size += bytesRead;
          await write({ data: chunk.toString('base64') });
        }
        await write({ file_end: name, size, sha256: hash.digest('hex') });
        summary.files += 1;
      } finally {
        await handle.close();
      }
    }
    await write({ end: true, ...summary });
    gzip.end();
    await done;

    const written = await fs.promises.open(temporary, 'r');
    await written.sync();
    await written.close();
    await fs.promises.chmod(temporary, 0o600);
    await fs.promises.rename(temporary, file);
    return { ...summary, file, bytes: (await fs.promises.stat(file)).size };
  } catch (err) {
    await snapshot.close().catch(() => {});
    out?.destroy();
    await fs.promises.rm(temporary, { force: true });
    throw err;
  }
}
