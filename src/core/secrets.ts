import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface Secrets {
  cookieSecret: string;
}

/**
 * Secrets are made on first start and kept in DATA_DIR, so no setting is required. Several app
 * processes sharing one site must share this file (or the DATA_DIR).
 */
export function loadSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, 'secrets.json');
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Secrets>;
    if (typeof parsed.cookieSecret === 'string' && parsed.cookieSecret.length >= 32) return { cookieSecret: parsed.cookieSecret };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secrets: Secrets = { cookieSecret: crypto.randomBytes(32).toString('base64url') };
  // 'wx' so two processes starting together cannot overwrite each other's secret.
  try {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecrets(dataDir);
    throw err;
  }
  return secrets;
}

export const randomToken = () => crypto.randomBytes(32).toString('base64url');
export const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('base64url');
