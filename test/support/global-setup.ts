import crypto from 'node:crypto';
import pg from 'pg';

/**
 * On PostgreSQL every test site gets a schema of its own. They are dropped here, once, when the
 * whole run ends: dropping a schema while another test's migrator lists the catalog's tables
 * makes that listing fail ("schema … does not exist").
 */
export default function setup() {
  const run = crypto.randomBytes(4).toString('hex');
  process.env.HEADWORKS_TEST_RUN = run;
  return async () => {
    const url = process.env.DATABASE_URL;
    if (!url?.startsWith('postgres')) return;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1`, [`t\\_${run}\\_%`]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
    await client.end();
  };
}
