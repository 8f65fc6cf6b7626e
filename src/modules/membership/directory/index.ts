/** Profiles, privacy and the members-only directory (see CONTEXT.md). */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export { DirectoryAccountSection } from './views.js';
export { DirectoryService } from './service.js';
export { directoryRoutes } from './routes.js';
