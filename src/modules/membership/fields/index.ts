/** Member fields the board defines, and their admin screens (see CONTEXT.md). */
export { MemberFieldsService } from './service.js';
export { fieldRoutes } from './routes.js';
