import path from 'node:path';
import { createHeadworks } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { writeBackup } from '#core/backup/backup.js';
import { RestoreRefused, RestoreStopped, restoreBackup } from '#core/backup/restore.js';
import { NothingToBackUp } from '#core/backup/snapshot.js';

const HELP = `Headworks — association website and membership system

Usage: node dist/main.js [command]   (or: npm run cli -- <command>)

  (no command), serve        start the web site (and the job scheduler)
  migrate                    bring the database schema up to date, then exit
  create-admin <e-mail> [name]
                             make (or promote) an administrator and print a one-time
                             link to choose their password; nothing is e-mailed
  reset-two-factor <e-mail>  turn off two-factor sign-in for an account whose owner lost
                             their phone and recovery codes (they are told by e-mail)
  jobs run                   run every job that is due now (e-mails, reminders), then exit
  backup [file or folder]    write the database and the data folder's files (uploads,
                             secrets, e-mail files) to one file, while the site runs;
                             by default headworks-backup-YYYYMMDD-HHMMSS.jsonl.gz here
  restore <file> [--force]   replace the database and the data folder's files with a
                             backup's; stop the site first. Refuses a database that has
                             content unless --force is given
  help                       show this text

Settings come from the environment; see the README.`;

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function main(argv: string[]) {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return 0;
  }
  const started = performance.now();
  const config = loadConfig();

  if (command === 'migrate') {
    const hw = await createHeadworks(config);
    console.log(`Database is up to date (${config.database.kind}).`);
    await hw.close();
    return 0;
  }

  if (command === 'create-admin') {
    const [email, ...nameParts] = rest;
    if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      console.error('Usage: npm run cli -- create-admin <e-mail> [name]');
      return 2;
    }
    const hw = await createHeadworks(config);
    const link = await hw.accounts.createAdminLink(email.toLowerCase(), nameParts.join(' ') || 'Administrator');
    console.log(`${email} is an administrator. To choose the password, open this link within 7 days (it works once):\n${link}`);
    await hw.close();
    return 0;
  }

  if (command === 'reset-two-factor') {
    const [email] = rest;
    if (!email || rest.length !== 1) {
      console.error('Usage: npm run cli -- reset-two-factor <e-mail>');
      return 2;
    }
    const hw = await createHeadworks(config);
    const outcome = await hw.accounts.twoFactor.resetByEmail(email.toLowerCase());
    await hw.close();
    if (outcome === 'unknown') {
      console.error(`No account has the e-mail address ${email}.`);
      return 1;
    }
    console.log(
      outcome === 'reset'
        ? `Two-factor sign-in is now off for ${email}; their recovery codes no longer work, and they were told by e-mail. They log in with their password alone and can set it up again under My account → Two-factor sign-in (at once, if it is required for administrators).`
        : `Two-factor sign-in was not on for ${email}; nothing changed.`,
    );
    return 0;
  }

  if (command === 'jobs') {
    if (rest[0] !== 'run') {
      console.error('Usage: npm run cli -- jobs run');
      return 2;
    }
    const hw = await createHeadworks(config);
    const { ran, failed } = await hw.jobs.runDue();
    console.log(`Ran ${ran} job(s); ${failed} failed and will be retried.`);
    await hw.close();
    return failed > 0 ? 1 : 0;
  }

  if (command === 'backup') {
    if (rest.length > 1) {
      console.error('Usage: npm run cli -- backup [file or folder]');
      return 2;
    }
    try {
      const made = await writeBackup(config, rest[0]);
      const kb = Math.max(1, Math.round(made.bytes / 1024));
      console.log(`Backup written to ${made.file} (${kb} KB): ${count(made.rows, 'row')} in ${count(made.tables, 'table')}, ${count(made.files, 'file')} of the data folder.`);
      console.log("It holds password hashes and the site's secrets: keep it where only administrators can read it.");
      return 0;
    } catch (err) {
      if (!(err instanceof NothingToBackUp)) throw err;
      console.error(err.message);
      return 1;
    }
  }

  if (command === 'restore') {
    const force = rest.includes('--force');
    const files = rest.filter((a) => a !== '--force');
    if (files.length !== 1 || files[0]!.startsWith('--')) {
      console.error('Usage: npm run cli -- restore <file> [--force]   (stop the site first)');
      return 2;
    }
    try {
      const done = await restoreBackup(config, path.resolve(files[0]!), { force });
      const h = done.header;
      console.log(`Restored ${files[0]} (made ${h.created_at} by Headworks ${h.app_version} on ${h.dialect}) into the ${config.database.kind} database:`);
      console.log(`  ${count(done.rows, 'row')} in ${count(done.tables, 'table')}, ${count(done.files, 'file')} in the data folder (${config.dataDir}).`);
      if (done.replaced.length) console.log(`  Replaced what was there before (${done.replaced.reduce((n, c) => n + c.rows, 0)} rows; --force).`);
      if (done.migrated.length) console.log(`  The backup was older than this version: ran ${done.migrated.join(', ')}.`);
      if (done.otherFiles) console.log(`  Left ${done.otherFiles} file(s) of the data folder that are not in the backup as they were.`);
      console.log('You can start the site.');
      return 0;
    } catch (err) {
      if (!(err instanceof RestoreRefused) && !(err instanceof RestoreStopped)) throw err;
      console.error(err.message);
      return 1;
    }
  }

  if (command !== 'serve') {
    console.error(`Unknown command "${command}".\n\n${HELP}`);
    return 2;
  }

  const hw = await createHeadworks(config);
  const log = hw.app.log;
  // Under the start lock: two processes started together must not both create the administrator.
  const first = await hw.database.exclusive(() => hw.accounts.ensureFirstAdmin(config.admin));
  if (first && 'created' in first) log.info(`Created the first administrator, ${first.created}.`);
  if (first && 'setupLink' in first) {
    // Plain text on purpose: the first thing a newcomer must find in the terminal.
    process.stdout.write(`\nNo administrator exists yet. Open this one-time link within 24 hours to set one up:\n\n    ${first.setupLink}\n\n`);
  }
  await hw.app.listen({ port: config.port, host: config.host });
  hw.jobs.start(config.jobsIntervalMs);
  log.info(`Headworks is serving ${config.baseUrl} (started in ${Math.round(performance.now() - started)} ms, database: ${config.database.kind}).`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, stopping.`);
    await hw.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error('Headworks could not start:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
