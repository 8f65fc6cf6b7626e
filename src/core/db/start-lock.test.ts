import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { INCARNATION, openDatabase } from './index.js';

/**
 * The SQLite start lock (first start's migrations and content): a lock left by a process that is
 * gone is taken over at once, even when the new process has the same id (a container's PID 1);
 * a lock of a live process, or of another start in this process, is waited for.
 */

async function sqliteSite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-start-lock-'));
  const file = path.join(dir, 'headworks.sqlite');
  const database = await openDatabase({ kind: 'sqlite', file });
  onTestFinished(async () => {
    await database.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { database, lock: `${file}.start-lock`, dir };
}

const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('the SQLite start lock', () => {
  it.each([
    [
      'this process id, another incarnation (killed during start, restarted under the same PID)',
      () => JSON.stringify({ pid: process.pid, incarnation: 'an-earlier-start', token: 'x' }),
    ],
    ['this process id alone (written by an older version)', () => String(process.pid)],
    ['a process that is gone', () => JSON.stringify({ pid: deadPid(), incarnation: 'another-process', token: 'x' })],
  ])('takes over at once a lock left by %s', async (_, content) => {
    const { database, lock, dir } = await sqliteSite();
    fs.writeFileSync(lock, content());
    const started = Date.now();
    expect(await database.exclusive(async () => JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number; incarnation: string })).toMatchObject({
      pid: process.pid,
      incarnation: INCARNATION,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    // Released, and nothing left beside the database.
    expect(fs.readdirSync(dir).filter((f) => f.includes('start-lock'))).toEqual([]);
  });

  it.each([
    ['another start in this process', () => JSON.stringify({ pid: process.pid, incarnation: INCARNATION, token: 'other-start' })],
    ['a live process', () => JSON.stringify({ pid: process.ppid, incarnation: 'another-process', token: 'x' })],
  ])('waits for a lock held by %s, and goes on once it is released', async (_, content) => {
    const { database, lock } = await sqliteSite();
    fs.writeFileSync(lock, content());
    let ran = false;
    const work = database.exclusive(async () => {
      ran = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ran).toBe(false);
    expect(fs.readFileSync(lock, 'utf8')).toBe(content());
    fs.rmSync(lock);
    await work;
    expect(ran).toBe(true);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('lets one process at a time take over a stale lock, when several find it stale at once', { timeout: 60_000 }, async () => {
    const { lock, dir } = await sqliteSite();
    fs.writeFileSync(lock, JSON.stringify({ pid: deadPid(), incarnation: 'a-dead-process', token: 'x' }));
    const log = path.join(dir, 'log');
    const child = path.join(import.meta.dirname, '../../../test/support/start-lock-child.ts');
    const at = String(Date.now() + 4000);
    const exits = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<number | null>((resolve) => {
            const p = spawn(process.execPath, ['--import', 'tsx', child, path.join(dir, 'headworks.sqlite'), log, at], { stdio: 'inherit' });
            p.on('exit', resolve);
          }),
      ),
    );
    expect(exits).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    // Each process's work ran alone: every "in" is followed by its own "out".
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]!.replace('in', 'out'));
    expect(fs.readdirSync(dir).filter((f) => f.includes('start-lock'))).toEqual([]);
  });

  it('lets one start of this process at a time run, and each in turn', async () => {
    const { database } = await sqliteSite();
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 3 }, () =>
        database.exclusive(async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setTimeout(resolve, 50));
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
