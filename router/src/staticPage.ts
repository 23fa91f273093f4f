import express, { type Router } from 'express';

/** A page the router serves from its own files (no CDN), with the assets it loads. */
export interface StaticPage {
  /** Where the page is; its assets are under `<path>/assets/<name>`. */
  readonly path: string;
  readonly html: string;
  /** Asset name → file. Anything else under assets/ is not found. */
  readonly assets: Readonly<Record<string, string>>;
  readonly contentSecurityPolicy: string;
}

/**
 * GET the page and its assets. `dotfiles: 'allow'`: the files are fixed paths of our own, and a
 * checkout may sit under a dot-folder (such as .data/), which send would otherwise refuse.
 */
export function staticPageRoutes({ path, html, assets, contentSecurityPolicy }: StaticPage): Router {
  const routes = express.Router();
  routes.get(path, (_req, res) => {
    res.set('Content-Security-Policy', contentSecurityPolicy);
    res.sendFile(html, { dotfiles: 'allow' });
  });
  routes.get(`${path}/assets/:name`, (req, res, next) => {
    const file = assets[req.params.name];
    if (file === undefined) {
      next();
      return;
    }
    res.sendFile(file, { maxAge: '1h', dotfiles: 'allow' });
  });
  return routes;
}
