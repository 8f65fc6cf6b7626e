/** Agency bundles: one membership covering several people (see CONTEXT.md). */
export { BundleService } from './service.js';
export { bundleRoutes } from './routes.js';
export { BundleSection, CoveredNote } from './views.js';
