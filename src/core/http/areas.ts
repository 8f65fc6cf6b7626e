import type { onRouteHookHandler, preHandlerHookHandler } from 'fastify';
import { requireRole, type Role } from '../auth/guards.js';

/**
 * Who may use each part of the site, decided here once by the address (decision 0027): every route
 * under `/admin` needs an administrator, every route under `/account` a signed-in user. A module
 * adds its routes under these prefixes and writes no guard of its own; a route cannot forget one.
 */
export const AREAS: readonly { prefix: string; role: Role }[] = [
  { prefix: '/admin', role: 'admin' },
  { prefix: '/account', role: 'member' },
];

/** The role a route's address needs (its registered pattern, e.g. `/admin/members/:id`), or null for a public route. */
export function areaOf(url: string): Role | null {
  for (const { prefix, role } of AREAS) {
    if (url === prefix || url.startsWith(`${prefix}/`) || url.startsWith(`${prefix}.`)) return role;
  }
  return null;
}

const guards: Record<Role, preHandlerHookHandler> = { admin: requireRole('admin'), member: requireRole('member') };

/** An onRoute hook: a route in an area gets the area's guard before any preHandler of its own. */
export const guardAreas: onRouteHookHandler = (route) => {
  const role = areaOf(route.url);
  if (!role) return;
  const own = route.preHandler === undefined ? [] : [route.preHandler].flat();
  if (own.includes(guards[role])) return;
  route.preHandler = [guards[role], ...own];
};
