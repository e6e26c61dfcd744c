import { join } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** `public/` at the repository root: two levels up from both src/demo (ts-node, tests) and dist/demo (built). */
export const DEMO_PAGE_DIR = join(__dirname, '..', '..', 'public');

/**
 * Serves the demo chat page and its files at `/`. No guard and no throttler sit
 * here (they are on the API's controllers), so the page is public and never rate
 * limited. Paths under /api never reach the disk: a file cannot shadow a route,
 * and unknown API paths still get the API's JSON 404.
 */
export function demoPage(root: string = DEMO_PAGE_DIR): RequestHandler {
  const files = express.static(root, { index: 'index.html', redirect: false, dotfiles: 'ignore' });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/api' || req.path.startsWith('/api/')) return next();
    return files(req, res, next);
  };
}
