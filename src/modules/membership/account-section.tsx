import type { FastifyReply, FastifyRequest } from 'fastify';
import { userOf } from '#core/auth/guards.js';
import type { ModuleContext } from '#core/module.js';
import { AutoRenewalSection } from './renewals/index.js';
import { BundleSection, CoveredNote } from './bundles/index.js';
import { DirectoryAccountSection } from './directory/index.js';
import { MembershipSection, NotAMember } from './lifecycle/index.js';

/** Membership's part of the account page: the membership and its invoices, an agency's bundle, the directory, automatic renewal. */
export async function membershipAccountSection({ api, core, needs }: ModuleContext<'membership', 'billing'>, request: FastifyRequest, reply: FastifyReply) {
  const payOnline = !!needs.billing.stripe;
  const state = core.state;
  const user = userOf(request);
  const [mine, settings] = await Promise.all([api.lifecycle.forUser(user.id), state.getSettings()]);
  if (!mine) return user.role === 'admin' ? null : <NotAMember />;
  const [canRenew, bundle, coveredBy, renewal] = await Promise.all([
    api.renewals.canRenew(mine.membership, mine.level),
    api.bundles.forContact(user.id),
    api.bundles.coveredBy(user.id),
    api.autoRenewal ? api.autoRenewal.forUser(user.id) : null,
  ]);
  const csrf = reply.csrfToken();
  return (
    <>
      <MembershipSection
        membership={mine.membership}
        level={mine.level}
        invoices={mine.invoices}
        timeZone={settings.timeZone}
        csrf={csrf}
        canRenew={canRenew}
        payOnline={payOnline}
      />
      {bundle ? <BundleSection state={bundle} csrf={csrf} /> : null}
      {coveredBy ? <CoveredNote contact={coveredBy} /> : null}
      <DirectoryAccountSection />
      {renewal ? <AutoRenewalSection state={renewal} timeZone={settings.timeZone} csrf={csrf} /> : null}
    </>
  );
}
