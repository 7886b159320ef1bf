import type { LinksFunction, MetaFunction } from '@remix-run/node';
import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError } from '@remix-run/react';
import '@unocss/reset/tailwind.css';
import 'virtual:uno.css';
import './styles/app.css';

export const meta: MetaFunction = () => [
  { title: 'AppForge: describe an app, watch it being built' },
  { name: 'description', content: 'Type what you want to build; the app is written, run and previewed as you watch.' },
];

export const links: LinksFunction = () => [{ rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }];

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        <Links />
      </head>
      <body className="panel h-screen overflow-hidden font-sans antialiased">
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : error instanceof Error ? error.message : 'Unknown error';
  return (
    <main className="p-8">
      <h1 className="text-xl font-semibold">Something went wrong</h1>
      <p className="muted mt-2">{message}</p>
      <a className="btn-ghost mt-4" href="/">
        Back to the start
      </a>
    </main>
  );
}
