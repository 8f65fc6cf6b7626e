/** Renewals, lapses and automatic renewal by card (see CONTEXT.md). */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export { AutoRenewalSection } from './auto-renewal-views.js';
export { AutoRenewal } from './auto-renewal.js';
export { RenewalService } from './service.js';
export { autoRenewalRoutes } from './auto-renewal-routes.js';
export { renewalRoutes } from './routes.js';
