import path from 'node:path';
import type { Router } from 'express';
import { staticPageRoutes } from './staticPage';

/**
 * GET /live: a small page that follows one room's reservations and dashboard row as they change,
 * over graphql-ws like any client (see livePage/live.js). Its files come from this router: the
 * page and graphql-ws's browser bundle, nothing from a CDN.
 */
export const LIVE_PAGE_PATH = '/live';

const ASSETS: Readonly<Record<string, string>> = {
  'graphql-ws.js': path.join(path.dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js'),
  'live.js': path.join(__dirname, 'livePage', 'live.js'),
};

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' ws: wss:",
].join('; ');

export function livePageRoutes(): Router {
  return staticPageRoutes({
    path: LIVE_PAGE_PATH,
    html: path.join(__dirname, 'livePage', 'live.html'),
    assets: ASSETS,
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  });
}
