/** Member fields the board defines, and their admin screens (see CONTEXT.md). */
// Leaf files first: sibling sub-folders import from here, and their services use some of these as they load.
export { saveFieldValues, valuesFor } from './queries.js';
export * as fieldQueries from './queries.js';
export { customFieldInputs } from './views.js';
export { MemberFieldsService } from './service.js';
export { DIRECTORY_VISIBILITIES, MAX_TEXT, checkFieldValue, choicesOf, deriveKey, displayValue, fieldFormValues, inputName, isCalendarDate, parseCustomFields } from './service.js';
export type { FieldValue, FieldValueProblem, MemberField } from './service.js';
export { fieldRoutes } from './routes.js';
