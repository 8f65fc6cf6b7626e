/**
 * One process of the start-lock race (src/core/db/start-lock.test.ts): at the given moment, runs
 * its start work under the SQLite start lock and logs when it enters and leaves it.
 */
import fs from 'node:fs';
import { openDatabase } from '#core/db/index.js';

const [file, log, at] = process.argv.slice(2) as [string, string, string];
const database = await openDatabase({ kind: 'sqlite', file });
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at) - Date.now())));
await database.exclusive(async () => {
  fs.appendFileSync(log, `in ${process.pid}\n`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  fs.appendFileSync(log, `out ${process.pid}\n`);
});
await database.destroy();
