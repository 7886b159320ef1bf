import { vitePlugin as remix } from '@remix-run/dev';
import { fileURLToPath } from 'node:url';
import UnoCSS from 'unocss/vite';
import { defineConfig, type Plugin } from 'vite';

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true;
  }
}

// `--mode cloudflare` (npm run build:cf): the same app built for Cloudflare Pages (workerd), into
// build/cloudflare, with every server dependency bundled and Node's built-ins left to nodejs_compat.
export default defineConfig(({ mode }) => {
  const cloudflare = mode === 'cloudflare';
  return {
    plugins: [
      ...(cloudflare ? [browserOnlyOnServer(['@xterm/xterm', '@xterm/addon-fit'])] : []),
      UnoCSS(),
      remix({
        buildDirectory: cloudflare ? 'build/cloudflare' : 'build',
        future: {
          v3_fetcherPersist: true,
          v3_relativeSplatPath: true,
          v3_throwAbortReason: true,
          v3_singleFetch: true,
          v3_lazyRouteDiscovery: true,
        },
      }),
    ],
    resolve: {
      alias: { '~': fileURLToPath(new URL('./app', import.meta.url)) },
    },
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
        '@webcontainer/api',
        '@xterm/xterm',
        '@xterm/addon-fit',
        '@codemirror/state',
        '@codemirror/view',
        '@codemirror/commands',
        '@codemirror/language',
        '@codemirror/lang-javascript',
        '@codemirror/lang-html',
        '@lezer/html',
        '@codemirror/lang-css',
        '@codemirror/lang-json',
        '@codemirror/lang-markdown',
        '@codemirror/lang-python',
        '@codemirror/theme-one-dark',
        '@codemirror/merge',
        'zod/mini',
        'fflate',
        're2js',
      ],
      exclude: ['@daytonaio/sdk'],
    },
    build: {
      target: 'es2022',
      ...(cloudflare ? { rollupOptions: { external: [/^node:/] } } : {}),
    },
    ...(cloudflare
      ? {
          ssr: {
            target: 'webworker' as const,
            noExternal: true,
            resolve: {
              conditions: ['workerd', 'worker', 'browser'],
              externalConditions: ['workerd', 'worker'],
            },
          },
        }
      : {}),
    // Sandbox data lives outside the source tree (server.ts also denies and unwatches SANDBOX_DATA_DIR
    // wherever it is); an old in-tree .data is ignored too, so it can never reload the app.
    server: {
      watch: { ignored: ['**/.data/**', '**/test-results/**', '**/build/**'] },
    },
  };
});

/**
 * Modules that only ever run in the browser (the terminal, loaded lazily by the workbench, which
 * never renders on the server) but touch `document` as they load: in the one-file server bundle
 * for workerd they would run at startup, so on the server they are an empty module.
 */
function browserOnlyOnServer(ids: string[]): Plugin {
  const stub = '\0browser-only';
  return {
    name: 'appforge:browser-only-on-server',
    enforce: 'pre',
    resolveId(id, _importer, options) {
      return options?.ssr && ids.includes(id) ? stub : null;
    },
    load(id) {
      return id === stub ? { code: 'export default {};', syntheticNamedExports: true } : null;
    },
  };
}
