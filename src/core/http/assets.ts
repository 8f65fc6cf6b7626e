import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const publicDir = path.resolve(here, '../../../public');
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface Asset {
  url: string;
  type: string;
  body: Buffer;
}

/**
 * Static files are read once at start and served from memory under fingerprinted names
 * (site.3f2a1b.css), so browsers may cache them for a year.
 */
function loadAssets() {
  const files: Record<string, string> = {
    'htmx.js': require.resolve('htmx.org/dist/htmx.min.js'),
  };
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(publicDir, full).split(path.sep).join('/')] = full;
    }
  };
  if (fs.existsSync(publicDir)) walk(publicDir);
  const byName = new Map<string, Asset>();
  const byUrl = new Map<string, Asset>();
  for (const [name, file] of Object.entries(files)) {
    const body = fs.readFileSync(file);
    const ext = path.extname(name);
    const hash = crypto.createHash('sha256').update(body).digest('hex').slice(0, 10);
    const url = `/assets/${path.basename(name, ext)}.${hash}${ext}`;
    const asset = { url, type: TYPES[ext] ?? 'application/octet-stream', body };
    byName.set(name, asset);
    byUrl.set(url, asset);
  }
  return { byName, byUrl };
}

const assets = loadAssets();

export function assetUrl(name: string): string {
  const asset = assets.byName.get(name);
  if (!asset) throw new Error(`Unknown asset ${name}`);
  return asset.url;
}

export const assetByUrl = (url: string) => assets.byUrl.get(url);
