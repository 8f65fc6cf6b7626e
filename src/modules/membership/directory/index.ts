/** Profiles, privacy and the members-only directory (see CONTEXT.md). */
export { DirectoryService } from './service.js';
export { directoryRoutes } from './routes.js';
export { DirectoryAccountSection } from './views.js';
