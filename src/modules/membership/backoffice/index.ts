/** The admins' member list, CSV export and member page (see CONTEXT.md). */
export { AdminMembersService } from './service.js';
export { adminMemberRoutes } from './routes.js';
