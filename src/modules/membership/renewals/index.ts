/** Renewals, lapses and automatic renewal by card (see CONTEXT.md). */
export { RenewalService } from './service.js';
export { renewalRoutes } from './routes.js';
export { AutoRenewal } from './auto-renewal.js';
export { autoRenewalRoutes } from './auto-renewal-routes.js';
export { AutoRenewalSection } from './auto-renewal-views.js';
