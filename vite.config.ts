import { vitePlugin as remix } from '@remix-run/dev';
import { fileURLToPath } from 'node:url';
import UnoCSS from 'unocss/vite';
import { defineConfig } from 'vite';

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  plugins: [
    UnoCSS(),
    remix({
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  resolve: { alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) } },
  optimizeDeps: {
    // Everything the client imports, so the dev server does not discover a dependency mid-session and reload the page.
    include: [
      'react',
      'react-dom',
      'react-dom/client',
      'nanostores',
      '@nanostores/react',
      'ai',
      '@ai-sdk/react',
      'idb',
      'react-markdown',
      'react-resizable-panels',
      '@webcontainer/api',
      '@xterm/xterm',
      '@xterm/addon-fit',
      '@codemirror/state',
      '@codemirror/view',
      '@codemirror/commands',
      '@codemirror/language',
      '@codemirror/lang-javascript',
      '@codemirror/lang-html',
      '@codemirror/lang-css',
      '@codemirror/lang-json',
      '@codemirror/lang-markdown',
      '@codemirror/lang-python',
      '@codemirror/theme-one-dark',
      'zod/mini',
    ],
    exclude: ['@daytonaio/sdk'],
  },
  build: { target: 'es2022' },
  // Sandbox data lives outside the source tree (server.ts also denies and unwatches SANDBOX_DATA_DIR
  // wherever it is); an old in-tree .data is ignored too, so it can never reload the app.
  server: { watch: { ignored: ['**/.data/**', '**/test-results/**', '**/build/**'] } },
});
