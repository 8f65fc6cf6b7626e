/** CSV imports of members (see CONTEXT.md); its routes are the back office's. */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export { membersCsv } from './csv.js';
export { ImportPage, ImportProgress, ImportUploadPage } from './views.js';
export { MemberImports } from './service.js';
