/**
 * The element picker's messages between the preview page and the workbench (see element-picker.ts
 * for the protocol): shared by the in-page script (picker-source.ts) and the workbench's checks,
 * apart from the script so that the workbench does not load it.
 */

/** Parent → page: `{ type, on: boolean }` turns the picker on or off. */
export const PICKER_TOGGLE = 'appforge-picker';
/** Page → parent: `{ type, pick }`, one picked element. */
export const PREVIEW_PICK = 'appforge-preview-pick';
/** Page → parent: `{ type, on: false }`, the page turned the picker off (Escape, or its budget spent). */
export const PREVIEW_PICKER_STATE = 'appforge-preview-picker';
/** Picks one load of a page may post. */
export const PICKS_PER_LOAD = 200;
