import { resolve } from 'node:path';
import type { EnvReader } from './env-reader';

export type DatabaseUrl =
  | { kind: 'none' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; displayUrl: string };

const SQLITE_PREFIX = 'sqlite:';
const POSTGRES_PROTOCOLS = new Set(['postgres:', 'postgresql:']);
const USAGE = 'must be sqlite:PATH (e.g. sqlite:./data/chat.db) or postgres://USER:PASSWORD@HOST:PORT/DATABASE';

/**
 * DATABASE_URL: unset for the JSON files, `sqlite:PATH`, or a PostgreSQL URL.
 * Problems name the variable and the rule only: the URL holds a password.
 */
export function parseDatabaseUrl(env: EnvReader): DatabaseUrl {
  const raw = env.optionalString('DATABASE_URL');
  if (raw === undefined) return { kind: 'none' };
  if (raw.toLowerCase().startsWith(SQLITE_PREFIX)) return parseSqlite(env, raw.slice(SQLITE_PREFIX.length));
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    env.problem('DATABASE_URL', USAGE);
    return { kind: 'none' };
  }
  if (!POSTGRES_PROTOCOLS.has(url.protocol)) {
    env.problem('DATABASE_URL', USAGE);
    return { kind: 'none' };
  }
  if (url.hostname === '') {
    env.problem('DATABASE_URL', 'must name the PostgreSQL host: postgres://USER:PASSWORD@HOST:PORT/DATABASE');
    return { kind: 'none' };
  }
  return { kind: 'postgres', url: raw, displayUrl: displayUrlOf(url) };
}

function parseSqlite(env: EnvReader, path: string): DatabaseUrl {
  // sqlite://... means different things to different tools (two, three or four slashes): refuse rather than guess.
  if (path === '' || path.startsWith('//') || path === ':memory:') {
    env.problem('DATABASE_URL', 'must be sqlite:PATH with the path of a database file, e.g. sqlite:./data/chat.db or sqlite:/var/lib/chat/chat.db');
    return { kind: 'none' };
  }
  return { kind: 'sqlite', path: resolve(path) };
}

/** postgres://user@host:port/db: what start-up messages may show (no password, no query: it may carry one). */
function displayUrlOf(url: URL): string {
  const user = url.username === '' ? '' : `${url.username}@`;
  return `${url.protocol}//${user}${url.host}${url.pathname}`;
}
