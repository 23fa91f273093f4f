import path from 'node:path';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Router } from 'express';
import { staticPageRoutes } from './staticPage';

/**
 * The offline explorer: GraphiQL at GET /graphiql, for the same /graphql endpoint as Apollo Sandbox.
 * Sandbox loads its code from Apollo's CDN, so without internet GET /graphql shows only "Apollo
 * Sandbox cannot be loaded". Every file of this page comes from the router's own dependencies.
 *
 * GraphiQL 4.1 is the last release with a prebuilt browser bundle (5 is ESM with Monaco, which
 * would need a bundler); it runs on React 18, the last React with browser bundles.
 */
export const EXPLORER_PATH = '/graphiql';

const fileOf = (dependency: string, file: string) =>
  path.join(path.dirname(require.resolve(`${dependency}/package.json`)), file);

/**
 * Served under /graphiql/assets/<name>; nothing else is. These fixed paths are sent with dotfiles
 * allowed: express refuses by default any path with a dot folder in it, and the code may sit under
 * one (~/.cache/..., .data/...).
 */
const ASSETS: Readonly<Record<string, string>> = {
  'react.js': fileOf('react', 'umd/react.production.min.js'),
  'react-dom.js': fileOf('react-dom', 'umd/react-dom.production.min.js'),
  'graphql-ws.js': fileOf('graphql-ws', 'umd/graphql-ws.min.js'),
  'graphiql.js': fileOf('graphiql', 'graphiql.min.js'),
  'graphiql.css': fileOf('graphiql', 'graphiql.min.css'),
  'graphiql-page.js': path.join(__dirname, 'explorer', 'graphiql-page.js'),
  'sandbox-fallback.js': path.join(__dirname, 'explorer', 'sandbox-fallback.js'),
};

/**
 * The page may load only from this router, so a CDN reference that slips in fails here as it would
 * offline. GraphiQL's editors set inline styles; subscriptions connect to ws(s):// on this host.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
].join('; ');

/** GET /graphiql and its assets. Mounted outside production only, like Sandbox and introspection. */
export function explorerRoutes(): Router {
  return staticPageRoutes({
    path: EXPLORER_PATH,
    html: path.join(__dirname, 'explorer', 'graphiql.html'),
    assets: ASSETS,
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  });
}

/**
 * Apollo's Sandbox landing page (GET /graphql from a browser), plus a script from this router (its
 * CSP allows 'self') that links to /graphiql and goes there when Sandbox's code could not be loaded
 * from the CDN.
 */
export async function sandboxPage(): Promise<string> {
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false });
  // The plugin renders its page without the server it is usually given.
  const listener = await sandbox.serverWillStart?.({} as never);
  const { html } = await listener!.renderLandingPage!();
  return withOfflineExplorer(typeof html === 'string' ? html : await html());
}

const FALLBACK_SCRIPT = `<script src="${EXPLORER_PATH}/assets/sandbox-fallback.js" defer></script>`;

function withOfflineExplorer(page: string): string {
  return page.includes('</body>') ? page.replace('</body>', `${FALLBACK_SCRIPT}\n</body>`) : page + FALLBACK_SCRIPT;
}
