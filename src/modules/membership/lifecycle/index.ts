/** Levels, applications, approval, status changes and history (see CONTEXT.md). */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export { auditMember } from './audit.js';
export { addedToBundleMail } from './emails.js';
export { duesInvoiceContent, duesPeriod } from './levels.js';
export type { Level } from './levels.js';
export { nameText } from './names.js';
export { changeStatus } from './status.js';
export { updateMembership } from './queries.js';
export * as lifecycleQueries from './queries.js';
export { MembershipSection, NotAMember } from './views.js';
export { MemberDetailsFields } from './views.js';
export type { InvoiceSummary } from './views.js';
export { MembershipService } from './service.js';
export { STATUS_LABELS, memberContactInput, publicContactInput, rejectInput } from './service.js';
export { membershipRoutes } from './routes.js';
