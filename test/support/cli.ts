import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createHeadworks } from '#src/app.js';
import { loadConfig } from '#src/config.js';
import { dialectUnderTest } from './site.js';

/**
 * The command line as an operator runs it: a child process with its settings in the environment.
 * A place is a fresh DATA_DIR and, on PostgreSQL, a database of its own (the CLI's migrator
 * looks at every schema of a database, so tests cannot share one); `dropPlaces` removes them.
 */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SETTINGS = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'BASE_URL',
  'DATA_DIR',
  'DATABASE_URL',
  'SMTP_URL',
  'MAIL_FROM',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'LOG_LEVEL',
  'LOG_REQUESTS',
  'TRUST_PROXY',
  'JOBS_INTERVAL_SECONDS',
];

export interface Place {
  env: Record<string, string>;
  dataDir: string;
  dialect: 'sqlite' | 'postgres';
  /** On PostgreSQL, the database made for this place. */
  database?: string;
}
const places: Place[] = [];

export async function pgQuery(text: string, connectionString = process.env.DATABASE_URL) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh DATA_DIR (and, on PostgreSQL, a fresh database); `dialect` defaults to the one under test. */
export async function freshPlace(dialect: 'sqlite' | 'postgres' = dialectUnderTest): Promise<Place> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'headworks-cli-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SETTINGS.includes(k)) env[k] = v;
  env.DATA_DIR = dataDir;
  const place: Place = { env, dataDir, dialect };
  if (dialect === 'postgres') {
    place.database = `headworks_cli_${crypto.randomBytes(6).toString('hex')}`;
    await pgQuery(`create database ${place.database}`);
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/${place.database}`;
    env.DATABASE_URL = url.toString();
  }
  places.push(place);
  return place;
}

export async function dropPlaces() {
  for (const place of places.splice(0)) {
    if (place.database) await pgQuery(`drop database if exists ${place.database} with (force)`);
    fs.rmSync(place.dataDir, { recursive: true, force: true });
  }
}

/** Runs src/main.ts through tsx; from another folder tsx must be told where the tsconfig (JSX) is. */
export function cli(args: string[], env: Record<string, string>, cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'src/main.ts'), ...args], {
      cwd,
      env: { ...env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The site of a place, opened in this process with the same settings. */
export const openSite = (place: Place) => createHeadworks(loadConfig({ ...place.env, NODE_ENV: 'test', BASE_URL: 'http://localhost:3000' }));
