import { z } from 'zod';
import { recordAudit, type Actor } from '#core/audit/index.js';
import { DAY, iso, type Clock } from '#core/clock.js';
import type { Db, Executor } from '#core/db/index.js';
import type { MembershipStatus } from '../tables.js';
import { email, text } from '#core/http/forms.js';
import type { Jobs } from '#core/jobs/index.js';
import { recipientQuota, takeQuotas, type Mailer, type Quota } from '#core/mail/index.js';
import { ok, refused, type Outcome } from '#core/result.js';
import type { SiteState } from '#core/settings.js';
import type { AccountsService } from '#modules/accounts/index.js';
import * as bq from './queries.js';
import { addedToBundleMail } from '../lifecycle/index.js';
import { lifecycleQueries as q } from '../lifecycle/index.js';
import { nameText } from '../lifecycle/index.js';

/**
 * Agency bundles: the contact of an agency membership (their own membership, at a level with a
 * bundle size) adds and removes the people it covers, up to the size, counting themselves. A
 * covered person has a membership of their own with `bundle_id` = the contact's membership and no
 * renewal date: members' access follows the contact's membership (`hasMemberAccess`), and renewal
 * reminders skip it. History (`bundle_added`, `bundle_removed`) goes on the contact's membership.
 */

export const bundlePersonInput = z.object({ name: nameText('their name'), email: email() });
export type BundlePersonInput = z.output<typeof bundlePersonInput>;

/** The same, on an admin's page of the contact (where `name` and `email` are the contact's own details). */
export const adminBundlePersonInput = z.object({ person_name: text('their name', 120), person_email: email() });
export type AdminBundlePersonInput = z.output<typeof adminBundlePersonInput>;

/** Who acts on a bundle: its contact (on /account) or an admin (on the contact's or the person's admin page); the rules are the same, the words differ. */
type Who = 'contact' | 'admin';
const WORDS = {
  contact: {
    noBundle: 'You do not manage an agency membership.',
    notActive: 'You can add people once your agency membership is active.',
    full: (size: number) => `Your membership covers ${size} people, you included, and all places are taken. Remove someone to add another person.`,
    already: (address: string) => `${address} is already covered by your membership.`,
    // One answer for every account the contact may not take over (its own membership, another agency's, suspended, an administrator): the contact learns no more about it than that.
    cannot: (address: string) => `${address} cannot be added to your membership. If they should be covered, ask the association's office.`,
    suspended: (address: string) => `${address} cannot be added to your membership. If they should be covered, ask the association's office.`,
    notCovered: 'That person is not covered by your membership.',
    removed: 'Removed from the agency membership by its contact.',
    ownMembership: (address: string) => `${address} cannot be added to your membership. If they should be covered, ask the association's office.`,
    otherAgency: (address: string) => `${address} cannot be added to your membership. If they should be covered, ask the association's office.`,
  },
  admin: {
    noBundle: 'This member does not manage an agency membership.',
    notActive: 'People can be added once this agency membership is active.',
    full: (size: number) => `This agency membership covers ${size} people, its contact included, and all places are taken. Remove someone to add another person.`,
    already: (address: string) => `${address} is already covered by this agency membership.`,
    cannot: (address: string) => `${address} is an administrator's account: administrators are not covered by agency memberships.`,
    suspended: (address: string) => `${address} cannot be added while their membership is suspended.`,
    notCovered: 'That person is not covered by this agency membership.',
    removed: 'Removed from the agency membership by an admin.',
    ownMembership: (address: string) => `${address} already has a membership of their own, so they cannot be added to this one.`,
    otherAgency: (address: string) => `${address} is already covered by another agency's membership.`,
  },
} satisfies Record<Who, unknown>;

/** What an admin's page of a member shows about bundles: the one they manage, or the one that covers (or covered) them. */
export type AdminBundle =
  | { kind: 'contact'; membershipId: number; state: NonNullable<Awaited<ReturnType<BundleService['forContact']>>> }
  | { kind: 'covered'; membershipId: number; status: MembershipStatus; contact: { membershipId: number; name: string; email: string; organization: string } };

interface Options {
  baseUrl: string;
}

/** What adding a person did: made them an account, and e-mailed them (not when a quota was spent). */
export type BundleAdded = { created: boolean; emailed: boolean };

/** E-mails a day an agency's contact may make the site send by adding people (decision 0025). */
export const ADDITIONS_EMAILED_PER_CONTACT = 25;
const contactQuota = (userId: number): Quota => ({ key: `account:${userId}`, max: ADDITIONS_EMAILED_PER_CONTACT, windowMs: DAY });

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
    return bundle ? this.stateOf(bundle) : null;
  }

  private async stateOf(bundle: BundleOwned) {
    const covered = await bq.listCovered(this.db, bundle.id);
    const size = bundle.bundle_size!;
    // The contact is one of the people the bundle covers.
    return { bundle, covered, size, places: Math.max(0, size - 1 - covered.length), canAdd: bundle.status === 'active' };
  }

  /** The contact whose bundle covers a user now, or undefined. */
  coveredBy = (userId: number) => bq.findCoveringContact(this.db, userId);

  /** For an admin's page of a member (by membership id): the bundle they manage, or the one that covers or covered them; null for neither. */
  async forAdmin(membershipId: number): Promise<AdminBundle | null> {
    const bundle = await bq.findBundleById(this.db, membershipId);
    if (bundle) return { kind: 'contact', membershipId, state: await this.stateOf(bundle) };
    const of = await bq.findBundleOfMembership(this.db, membershipId);
    if (!of) return null;
    return { kind: 'covered', membershipId, status: of.status, contact: { membershipId: of.membership_id, name: of.name, email: of.email, organization: of.organization } };
  }

  /** The contact adds a person to their bundle. */
  add(contactUserId: number, input: BundlePersonInput): Promise<Outcome<BundleAdded>> {
    return this.addTo({ contactUserId }, input, contactUserId, 'contact');
  }

  /** An admin adds a person to the bundle of the membership `bundleId` (the contact's), by the same rules; errors come back keyed by the admin form's fields. */
  async adminAdd(bundleId: number, input: AdminBundlePersonInput, actorUserId: number, by?: Actor): Promise<Outcome<BundleAdded & { email: string }>> {
    const result = await this.addTo({ bundleId }, { name: input.person_name, email: input.person_email }, actorUserId, 'admin', by);
    if (result.ok) return ok({ ...result.value, email: input.person_email });
    const { name, email, ...rest } = result.errors;
    return refused({ ...rest, ...(name ? { person_name: name } : {}), ...(email ? { person_email: email } : {}) });
  }

  private async addTo(which: { contactUserId: number } | { bundleId: number }, input: BundlePersonInput, actorUserId: number, who: Who, by?: Actor): Promise<Outcome<BundleAdded>> {
    const say = WORDS[who];
    const found = 'bundleId' in which ? await bq.findBundleById(this.db, which.bundleId) : await bq.findBundleOwned(this.db, which.contactUserId);
    if (!found) return refused({ form: say.noBundle });
    if (found.status !== 'active') return refused({ email: say.notActive });
    const existing = await this.accounts.findUserByEmail(input.email);
    // The e-mail names who added them: the agency's contact, or the admin who did it for the agency.
    const addedBy = await this.accounts.getUser(who === 'admin' ? actorUserId : found.user_id);
    const site = (await this.state.getSettings()).shortName;
    const now = iso(this.clock.now());
    const taken = refused<BundleAdded>({ email: say.ownMembership(input.email) });
    try {
      const result = await this.db.transaction().execute(async (trx): Promise<Outcome<BundleAdded>> => {
        await q.lockBundle(trx, found.id, now);
        // Read again once locked: an admin may have changed its level or status meanwhile.
        const bundle = await bq.findBundleById(trx, found.id);
        if (!bundle) return refused({ form: say.noBundle });
        if (bundle.status !== 'active') return refused({ email: say.notActive });
        if ((await bq.countCovered(trx, bundle.id)) + 1 >= bundle.bundle_size!) return refused({ email: say.full(bundle.bundle_size!) });
        let userId: number;
        let setup: { link: string; days: number } | null = null;
        if (existing) {
          // An administrator (an invited one too) is nobody's to cover: their account, links and password are theirs.
          if (existing.role === 'admin') return refused({ email: say.cannot(input.email) });
          const membership = await bq.findMembershipOf(trx, existing.id);
          if (membership) {
            if (membership.bundle_id === bundle.id && membership.status === 'active') return refused({ email: say.already(input.email) });
            if (membership.bundle_id !== null && membership.status === 'active') return refused({ email: say.otherAgency(input.email) });
            if (membership.bundle_id === null) return taken;
            // Only a coverage that ended can start again; a suspension stays until an admin reinstates.
            if (membership.status === 'suspended') return refused({ email: say.suspended(input.email) });
            if (!(await q.reviveCoveredMembership(trx, membership.id, { level_id: bundle.level_id, bundle_id: bundle.id, now }))) return taken;
          } else {
            await q.insertCoveredMembership(trx, { user_id: existing.id, level_id: bundle.level_id, bundle_id: bundle.id, organization: bundle.organization, now });
          }
          // No set-up link for an account that exists: making one would end the links it already has. The e-mail points to "Forgot your password?".
          userId = existing.id;
        } else {
          userId = await this.accounts.createMemberAccount(trx, { email: input.email, name: input.name, passwordHash: null });
          await q.insertCoveredMembership(trx, { user_id: userId, level_id: bundle.level_id, bundle_id: bundle.id, organization: bundle.organization, now });
          setup = await this.accounts.createSetupLink(trx, userId);
        }
        const name = existing?.name ?? input.name;
        await q.insertEvent(trx, {
          membership_id: bundle.id,
          kind: 'bundle_added',
          detail: `Added ${name} (${input.email}) to the agency membership.`,
          actor_user_id: actorUserId,
          created_at: now,
        });
        await this.auditBundle(trx, by, now, bundle, { userId, name, email: input.email }, 'added');
        // A contact's additions e-mail other people: they count against the address's and the contact's quotas; an admin's do not.
        const quotas = who === 'contact' ? [recipientQuota(input.email), contactQuota(actorUserId)] : [];
        const emailed = await takeQuotas(trx, quotas, this.clock.now());
        if (emailed) {
          await this.mailer.queue(
            trx,
            await addedToBundleMail(trx, {
              to: input.email,
              name,
              site,
              contact: addedBy?.name ?? 'Your agency',
              organization: bundle.organization,
              link: setup ? setup.link : `${this.options.baseUrl}/login`,
              resetLink: `${this.options.baseUrl}/forgot-password`,
              setup: setup ? { days: setup.days } : null,
            }),
          );
        }
        return ok({ created: !existing, emailed });
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
    if (!bundle) return refused({ form: WORDS.contact.noBundle });
    return this.removeFrom(bundle.id, membershipId, contactUserId, 'contact');
  }

  /** An admin removes a covered person, from the contact's page or the person's own (`pageId`: the membership whose page it is). */
  async adminRemove(pageId: number, membershipId: number, actorUserId: number, by?: Actor): Promise<Outcome<{ name: string }>> {
    const of = await bq.findBundleOfMembership(this.db, membershipId);
    if (!of || (pageId !== membershipId && pageId !== of.membership_id)) return refused({ form: WORDS.admin.notCovered });
    return this.removeFrom(of.membership_id, membershipId, actorUserId, 'admin', by);
  }

  /** An audit log entry (core/audit) for an admin's change to an agency's bundle, about the person added or removed. */
  private async auditBundle(
    trx: Executor,
    by: Actor | undefined,
    now: string,
    bundle: { id: number; user_id: number; organization: string },
    person: { userId: number; name: string; email: string },
    what: 'added' | 'removed',
  ) {
    if (!by) return;
    const contact = await this.accounts.person(trx, bundle.user_id);
    const agency = bundle.organization || contact?.name || `membership ${bundle.id}`;
    await recordAudit(trx, by, now, {
      action: what === 'added' ? 'bundle.person_added' : 'bundle.person_removed',
      summary: what === 'added' ? `Added ${person.name} to the agency membership of ${agency}` : `Removed ${person.name} from the agency membership of ${agency}`,
      subject: { type: 'membership', id: bundle.id, label: agency },
      person: { userId: person.userId, name: person.name },
      changes: [{ field: 'Covered by', before: what === 'added' ? '' : agency, after: what === 'added' ? agency : '' }],
    });
  }

  private removeFrom(bundleId: number, membershipId: number, actorUserId: number, who: Who, by?: Actor): Promise<Outcome<{ name: string }>> {
    const now = iso(this.clock.now());
    return this.db.transaction().execute(async (trx): Promise<Outcome<{ name: string }>> => {
      const person = await bq.findCovered(trx, bundleId, membershipId);
      if (!person) return refused({ form: WORDS[who].notCovered });
      await q.endCoveredMembership(trx, person.id, now);
      await q.insertEvent(trx, {
        membership_id: bundleId,
        kind: 'bundle_removed',
        detail: `Removed ${person.name} (${person.email}) from the agency membership.`,
        actor_user_id: actorUserId,
        created_at: now,
      });
      await q.insertEvent(trx, { membership_id: person.id, kind: 'cancelled', detail: WORDS[who].removed, actor_user_id: actorUserId, created_at: now });
      if (by) {
        const bundle = (await bq.findBundleById(trx, bundleId)) ?? { id: bundleId, user_id: 0, organization: '' };
        await this.auditBundle(trx, by, now, bundle, { userId: person.user_id, name: person.name, email: person.email }, 'removed');
      }
      return ok({ name: person.name });
    });
  }
}

// What other admin actions must respect (admin-members.ts calls these inside its transactions).

type MembershipRef = { id: number; bundle_id: number | null; status: MembershipStatus };

/** The bundle that covers a membership now (coverage active or suspended), or undefined: such a membership's level and renewal date are the agency's. */
const coveringBundle = async (db: Executor, m: MembershipRef) =>
  m.bundle_id !== null && (m.status === 'active' || m.status === 'suspended') ? bq.findBundleOfMembership(db, m.id) : undefined;

/**
 * Before an admin changes a membership's level: refused for a covered person (their level is the
 * agency's), and for a contact whose people would not fit the new level's bundle. Locks the
 * contact's membership first, so no one is added meanwhile.
 */
export async function checkLevelChange(trx: Executor, m: MembershipRef, to: { name: string; bundle_size: number | null }, now: string): Promise<Outcome<null>> {
  const covering = await coveringBundle(trx, m);
  if (covering) {
    return refused({
      level_id: `This membership is part of the agency membership of ${covering.name} and has its level. To change it, first remove the person from that agency membership (on this page).`,
    });
  }
  await q.lockBundle(trx, m.id, now);
  const used = (await bq.countCovered(trx, m.id)) + 1;
  if (used > 1 && to.bundle_size !== null && used > to.bundle_size) {
    const extra = used - to.bundle_size;
    return refused({
      level_id: `This agency membership covers ${used} people, its contact included, but the ${to.name} level covers ${to.bundle_size}. Remove ${extra} ${extra === 1 ? 'person' : 'people'} from it first, or choose a level that covers more.`,
    });
  }
  return ok(null);
}

/**
 * After an admin changed a contact's level: the people the bundle covers move to the new agency
 * level with it, or, when the new level covers one person, their coverage ends (cancelled, with
 * history on both memberships) and with it their access.
 */
export async function followLevelChange(trx: Executor, m: { id: number }, to: { id: number; name: string; bundle_size: number | null }, actorUserId: number, now: string) {
  if (to.bundle_size !== null) {
    await q.moveCoveredToLevel(trx, m.id, to.id, now);
    return;
  }
  const covered = await bq.listCovered(trx, m.id);
  if (covered.length === 0) return;
  const contact = await bq.findBundleOfMembership(trx, covered[0]!.id);
  for (const person of covered) {
    await q.endCoveredMembership(trx, person.id, now);
    await q.insertEvent(trx, {
      membership_id: person.id,
      kind: 'cancelled',
      detail: `Coverage ended: the agency membership of ${contact?.name ?? 'their agency'} moved to the ${to.name} level, which covers one person.`,
      actor_user_id: actorUserId,
      created_at: now,
    });
  }
  const names = covered.map((p) => `${p.name} (${p.email})`).join(', ');
  await q.insertEvent(trx, {
    membership_id: m.id,
    kind: 'bundle_removed',
    detail: `Coverage ended for ${names}: the ${to.name} level covers one person.`,
    actor_user_id: actorUserId,
    created_at: now,
  });
}

/** Before an admin moves the renewal date (`field`: the form's field): refused for a covered person, whose membership lasts as long as the agency's. */
export async function checkRenewalChange(db: Executor, m: MembershipRef, field: string): Promise<Outcome<null>> {
  const covering = await coveringBundle(db, m);
  if (!covering) return ok(null);
  return refused({ [field]: `This membership is part of the agency membership of ${covering.name} and lasts as long as it: change the renewal date on their page instead.` });
}

/** Before an admin reinstates a suspended membership: a covered person is covered again only while their agency has a bundle with a free place. */
export async function checkReinstate(trx: Executor, m: MembershipRef, now: string): Promise<Outcome<null>> {
  if (m.bundle_id === null) return ok(null);
  await q.lockBundle(trx, m.bundle_id, now);
  const bundle = await bq.findBundleById(trx, m.bundle_id);
  const of = await bq.findBundleOfMembership(trx, m.id);
  const agency = `the agency membership of ${of?.name ?? 'their agency'}`;
  if (!bundle) return refused({ form: `This person was covered by ${agency}, which no longer covers other people, so there is nothing to reinstate them into.` });
  if ((await bq.countCovered(trx, bundle.id)) + 1 >= bundle.bundle_size!) {
    return refused({ form: `This person was covered by ${agency}, and all its places are taken now. Remove someone from it first, then reinstate.` });
  }
  return ok(null);
}
