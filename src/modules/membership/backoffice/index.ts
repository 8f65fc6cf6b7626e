/** The admins' member list, CSV export and member page (see CONTEXT.md). */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export { AdminMembersService } from './service.js';
export { adminMemberRoutes } from './routes.js';
