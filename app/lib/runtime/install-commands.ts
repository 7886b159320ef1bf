/** Commands that install dependencies (shown as the "installing" step, replayed when a project moves). */
export const INSTALL_COMMAND = /\b(npm|pnpm|yarn|bun)\s+(install|i|ci|add)\b|^\s*(yarn|pnpm install|bun install)\s*$|\bpip3?\s+install\b/;

/** A plain `npm install` (no packages named): the same work as an early install of the same package.json. */
export const PLAIN_NPM_INSTALL = /^\s*npm\s+(install|i)(\s+--?[\w-]+(=\S+)?)*\s*$/;
