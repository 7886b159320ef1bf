import { defineConfig, presetWind3 } from 'unocss';

export default defineConfig({
  presets: [presetWind3({ dark: 'media' })],
  shortcuts: {
    btn: 'inline-flex items-center gap-1 rounded-md px-3 py-1.5 text-sm font-medium border border-transparent disabled:opacity-50 disabled:cursor-not-allowed focus-visible:outline-2 focus-visible:outline-blue-500',
    'btn-primary': 'btn bg-blue-600 text-white hover:bg-blue-700',
    'btn-ghost': 'btn border-gray-300 dark:border-gray-600 hover:bg-gray-100 dark:hover:bg-gray-800',
    panel: 'bg-white dark:bg-gray-900 text-gray-900 dark:text-gray-100',
    muted: 'text-gray-500 dark:text-gray-400',
    input: 'rounded-md border border-gray-300 bg-transparent px-2 py-1 text-sm dark:border-gray-600 focus-visible:outline-2 focus-visible:outline-blue-500',
  },
});
