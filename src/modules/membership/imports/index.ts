/** CSV imports of members (see CONTEXT.md); its routes are the back office's. */
export { MemberImports } from './service.js';
