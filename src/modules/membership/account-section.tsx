import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleContext } from '#core/module.js';
import { AutoRenewalSection } from './renewals/auto-renewal-views.js';
import { BundleSection, CoveredNote } from './bundles/views.js';
import { DirectoryAccountSection } from './directory/views.js';
import { MembershipSection, NotAMember } from './lifecycle/views.js';

/** Membership's part of the account page: the membership and its invoices, an agency's bundle, the directory, automatic renewal. */
export async function membershipAccountSection({ api, core, needs }: ModuleContext<'membership', 'billing'>, request: FastifyRequest, reply: FastifyReply) {
  const payOnline = !!needs.billing.stripe;
  const state = core.state;
  const user = request.user!;
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
