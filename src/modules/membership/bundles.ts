import { z } from 'zod';
import { iso, type Clock } from '../../core/clock.js';
import type { Db } from '../../core/db/index.js';
import { email, text } from '../../core/http/forms.js';
import type { Jobs } from '../../core/jobs/index.js';
import type { Mailer, OutgoingMail } from '../../core/mail/index.js';
import { ok, refused, type Outcome } from '../../core/result.js';
import type { SiteState } from '../../core/settings.js';
import type { AccountsService } from '../accounts/service.js';
import * as bq from './bundles-queries.js';
import * as q from './queries.js';

/**
 * Agency bundles: the contact of an agency membership (their own membership, at a level with a
 * bundle size) adds and removes the people it covers, up to the size, counting themselves. A
 * covered person has a membership of their own with `bundle_id` = the contact's membership and no
 * renewal date: members' access follows the contact's membership (`hasMemberAccess`), and renewal
 * reminders skip it. History (`bundle_added`, `bundle_removed`) goes on the contact's membership.
 */

export const bundlePersonInput = z.object({ name: text('their name', 120), email: email() });
export type BundlePersonInput = z.output<typeof bundlePersonInput>;

export const addedToBundleMail = (o: { to: string; name: string; site: string; contact: string; organization: string; link: string; setup: { days: number } | null }): OutgoingMail => ({
  to: o.to,
  subject: `You are now a member of ${o.site}`,
  text: `Hello ${o.name},

${o.contact} has added you to the ${o.site} membership of ${o.organization || 'their agency'}. You can now read the members-only pages of the website.
${
  o.setup
    ? `
To set up your account, open this link within ${o.setup.days} days and choose your password:

${o.link}

The link works once. After that, log in with this e-mail address and your password.
`
    : `
Log in with this e-mail address and your usual password:

${o.link}
`
}`,
});

interface Options {
  baseUrl: string;
}

export type BundleOwned = NonNullable<Awaited<ReturnType<typeof bq.findBundleOwned>>>;

export class BundleService {
  constructor(
    private db: Db,
    private clock: Clock,
    private state: SiteState,
    private accounts: AccountsService,
    private mailer: Mailer,
    private jobs: Jobs,
    private options: Options,
  ) {}

  /** The bundle a user manages, with the people it covers; null when they manage none. */
  async forContact(userId: number) {
    const bundle = await bq.findBundleOwned(this.db, userId);
    if (!bundle) return null;
    const covered = await bq.listCovered(this.db, bundle.id);
    const size = bundle.bundle_size!;
    // The contact is one of the people the bundle covers.
    return { bundle, covered, size, places: Math.max(0, size - 1 - covered.length), canAdd: bundle.status === 'active' };
  }

  /** The contact whose bundle covers a user now, or undefined. */
  coveredBy = (userId: number) => bq.findCoveringContact(this.db, userId);

  async add(contactUserId: number, input: BundlePersonInput): Promise<Outcome<{ created: boolean }>> {
    const bundle = await bq.findBundleOwned(this.db, contactUserId);
    if (!bundle) return refused({ form: 'You do not manage an agency membership.' });
    if (bundle.status !== 'active') return refused({ email: 'You can add people once your agency membership is active.' });
    const existing = await this.accounts.findUserByEmail(input.email);
    const contact = await this.accounts.getUser(contactUserId);
    const site = (await this.state.getSettings()).shortName;
    const now = iso(this.clock.now());
    const taken = refused<{ created: boolean }>({ email: `${input.email} already has a membership of their own, so they cannot be added to this one.` });
    try {
      const result = await this.db.transaction().execute(async (trx): Promise<Outcome<{ created: boolean }>> => {
        await bq.lockBundle(trx, bundle.id, now);
        if ((await bq.countCovered(trx, bundle.id)) + 1 >= bundle.bundle_size!) {
          return refused({ email: `Your membership covers ${bundle.bundle_size} people, you included, and all places are taken. Remove someone to add another person.` });
        }
        let userId: number;
        let setup: { link: string; days: number } | null = null;
        if (existing) {
          const membership = await bq.findMembershipOf(trx, existing.id);
          if (membership) {
            if (membership.bundle_id === bundle.id && membership.status === 'active') return refused({ email: `${input.email} is already covered by your membership.` });
            if (membership.bundle_id !== null && membership.status === 'active') return refused({ email: `${input.email} is already covered by another agency's membership.` });
            if (membership.bundle_id === null) return taken;
            await bq.reviveCoveredMembership(trx, membership.id, { level_id: bundle.level_id, bundle_id: bundle.id, now });
          } else {
            await bq.insertCoveredMembership(trx, { user_id: existing.id, level_id: bundle.level_id, bundle_id: bundle.id, organization: bundle.organization, now });
          }
          userId = existing.id;
          // An account nobody has set a password for yet (e.g. imported) needs a set-up link.
          if (existing.password_hash === null) setup = await this.accounts.createSetupLink(trx, userId);
        } else {
          userId = await this.accounts.createMemberAccount(trx, { email: input.email, name: input.name, passwordHash: null });
          await bq.insertCoveredMembership(trx, { user_id: userId, level_id: bundle.level_id, bundle_id: bundle.id, organization: bundle.organization, now });
          setup = await this.accounts.createSetupLink(trx, userId);
        }
        const name = existing?.name ?? input.name;
        await q.insertEvent(trx, { membership_id: bundle.id, kind: 'bundle_added', detail: `Added ${name} (${input.email}) to the agency membership.`, actor_user_id: contactUserId, created_at: now });
        await this.mailer.queue(
          trx,
          addedToBundleMail({
            to: input.email,
            name,
            site,
            contact: contact?.name ?? 'Your agency',
            organization: bundle.organization,
            link: setup ? setup.link : `${this.options.baseUrl}/login`,
            setup: setup ? { days: setup.days } : null,
          }),
        );
        return ok({ created: !existing });
      });
      if (result.ok) this.jobs.kick();
      return result;
    } catch (err) {
      // The same address added twice at the same moment: the database's unique e-mail or user decides.
      if (!existing && (await this.accounts.findUserByEmail(input.email))) return taken;
      throw err;
    }
  }

  /** The contact removes a person: their coverage ends (membership cancelled), with history on both. */
  async remove(contactUserId: number, membershipId: number): Promise<Outcome<{ name: string }>> {
    const bundle = await bq.findBundleOwned(this.db, contactUserId);
    if (!bundle) return refused({ form: 'You do not manage an agency membership.' });
    const now = iso(this.clock.now());
    return this.db.transaction().execute(async (trx): Promise<Outcome<{ name: string }>> => {
      const person = await bq.findCovered(trx, bundle.id, membershipId);
      if (!person) return refused({ form: 'That person is not covered by your membership.' });
      await bq.endCoveredMembership(trx, person.id, now);
      await q.insertEvent(trx, { membership_id: bundle.id, kind: 'bundle_removed', detail: `Removed ${person.name} (${person.email}) from the agency membership.`, actor_user_id: contactUserId, created_at: now });
      await q.insertEvent(trx, { membership_id: person.id, kind: 'cancelled', detail: 'Removed from the agency membership by its contact.', actor_user_id: contactUserId, created_at: now });
      return ok({ name: person.name });
    });
  }
}
