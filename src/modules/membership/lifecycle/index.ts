/** Levels, applications, approval, status changes and history (see CONTEXT.md). */
export { MembershipService } from './service.js';
export { membershipRoutes } from './routes.js';
export { MembershipSection, NotAMember } from './views.js';
