/** Agency bundles: one membership covering several people (see CONTEXT.md). */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export * as bundleQueries from './queries.js';
export { BundleSection, CoveredNote } from './views.js';
export { AdminBundleSection } from './views.js';
export { BundleService } from './service.js';
export { adminBundlePersonInput, checkLevelChange, checkReinstate, checkRenewalChange, followLevelChange } from './service.js';
export type { AdminBundle } from './service.js';
export { bundleRoutes } from './routes.js';
export { addedMessage } from './routes.js';
