import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Secrets {
  cookieSecret: string;
  /** AES-256 key (base64url, 32 bytes) that encrypts two-factor secrets at rest. */
  twoFactorKey: string;
}

const makers: { [K in keyof Secrets]: () => string } = {
  cookieSecret: () => crypto.randomBytes(32).toString('base64url'),
  twoFactorKey: () => crypto.randomBytes(32).toString('base64url'),
};

const complete = (parsed: Partial<Secrets>): parsed is Secrets => (Object.keys(makers) as (keyof Secrets)[]).every((k) => typeof parsed[k] === 'string' && parsed[k].length >= 32);

function readSecrets(file: string): Partial<Secrets> | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Secrets>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Secrets are made on first start and kept in DATA_DIR, so no setting is required. Several app
 * processes sharing one site must share this file (or the DATA_DIR). A secret added in a later
 * version is added to an existing file; the secrets already there never change.
 */
export function loadSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  fs.mkdirSync(dataDir, { recursive: true });
  const existing = readSecrets(file);
  if (existing && complete(existing)) return pick(existing);
  if (!existing) {
    const secrets = Object.fromEntries(Object.entries(makers).map(([k, make]) => [k, make()])) as unknown as Secrets;
    // 'wx' so two processes starting together cannot overwrite each other's secret.
    try {
      fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
      return secrets;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecrets(dataDir);
      throw err;
    }
  }
  return addMissing(file);
}

/**
 * An older file lacks a secret: add it under a lock file, so two processes upgrading together
 * agree on one value (each re-reads the file once it holds the lock). A lock left by a process
 * that died is taken over after a few seconds.
 */
function addMissing(file: string): Secrets {
  const lock = `${file}.lock`;
  for (let waited = 0; ; waited += 50) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const current = readSecrets(file);
      if (current && complete(current)) return pick(current);
      if (waited > 5000) fs.rmSync(lock, { force: true });
      sleep(50);
    }
  }
  try {
    const current = readSecrets(file) ?? {};
    if (complete(current)) return pick(current);
    const updated: Record<string, unknown> = { ...current };
    for (const [k, make] of Object.entries(makers)) {
      const value = updated[k];
      if (typeof value !== 'string' || value.length < 32) updated[k] = make();
    }
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(updated, null, 2), { mode: 0o600 });
    fs.renameSync(temp, file);
    return pick(updated as unknown as Secrets);
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

const pick = (s: Secrets): Secrets => ({ cookieSecret: s.cookieSecret, twoFactorKey: s.twoFactorKey });

export const randomToken = () => crypto.randomBytes(32).toString('base64url');
export const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('base64url');
