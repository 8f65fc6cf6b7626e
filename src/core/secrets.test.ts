import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSecrets } from './secrets.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-secrets-'));
  dirs.push(dir);
  return dir;
};

describe('secrets.json', () => {
  it('is made on first start with every secret, and read back the same', () => {
    const dir = tempDir();
    const first = loadSecrets(dir);
    expect(first.cookieSecret.length).toBeGreaterThanOrEqual(32);
    expect(Buffer.from(first.twoFactorKey, 'base64url')).toHaveLength(32);
    expect(loadSecrets(dir)).toEqual(first);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });

  it('gains the two-factor key on an existing install, keeping its cookie secret', () => {
    const dir = tempDir();
    const cookieSecret = 'an-existing-cookie-secret-of-an-older-install-000';
    fs.writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ cookieSecret }), { mode: 0o600 });
    const upgraded = loadSecrets(dir);
    expect(upgraded.cookieSecret).toBe(cookieSecret);
    expect(Buffer.from(upgraded.twoFactorKey, 'base64url')).toHaveLength(32);
    // Written down, so the next start (or another process) uses the same key.
    expect(loadSecrets(dir)).toEqual(upgraded);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'))).toEqual(upgraded);
    expect(fs.existsSync(path.join(dir, 'secrets.json.lock'))).toBe(false);
  });
});
