import { lookupErrors } from './errors.js';

export type DbTarget =
  | { kind: 'sqlite'; /** File path (relative to the cwd) or ':memory:'. */ path: string }
  | { kind: 'mysql'; host: string; port: number; user: string; password: string; database: string };

const FORMS = 'expected sqlite:PATH or mysql://user:pwd@host[:port]/db';

/**
 * Parses a db_url. Throws LOOKUP_BAD_URL (with the password masked) on anything else.
 * - `sqlite:PATH` — relative to the working directory; `sqlite:///abs/path` and `sqlite::memory:` also work.
 * - `mysql://user:pwd@host[:port]/db` (or `mariadb://`) — user and password percent-encoded; port default 3306.
 */
export function parseDbUrl(raw: string): DbTarget {
  const url = typeof raw === 'string' ? raw.trim() : '';
  const shown = redactDbUrl(url);
  if (!url) throw lookupErrors.badUrl(shown, `empty; ${FORMS}`);

  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) {
      // sqlite:///abs/path → /abs/path; sqlite://x is ambiguous (host or relative path?) so it is refused.
      if (!path.startsWith('///')) throw lookupErrors.badUrl(shown, 'use sqlite:relative/path or sqlite:///absolute/path');
      path = path.slice(2);
    }
    if (!path) throw lookupErrors.badUrl(shown, `no file path; ${FORMS}`);
    if (path.includes('\0')) throw lookupErrors.badUrl(shown, 'file path contains a NUL character');
    if (path.endsWith('/')) throw lookupErrors.badUrl(shown, 'file path names a folder');
    return { kind: 'sqlite', path };
  }

  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw lookupErrors.badUrl(shown, `not a valid URL; ${FORMS}`);
    }
    if (!u.hostname) throw lookupErrors.badUrl(shown, 'no host');
    if (!u.username) throw lookupErrors.badUrl(shown, 'no user');
    if (u.search || u.hash) throw lookupErrors.badUrl(shown, 'query parameters and fragments are not supported');
    const database = decode(u.pathname.replace(/^\//, ''), shown, 'database');
    if (!database || database.includes('/')) throw lookupErrors.badUrl(shown, 'expected exactly one database name after the host');
    const port = u.port ? Number(u.port) : 3306;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw lookupErrors.badUrl(shown, 'bad port');
    return {
      kind: 'mysql',
      host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      user: decode(u.username, shown, 'user'),
      password: decode(u.password, shown, 'password'),
      database,
    };
  }

  throw lookupErrors.badUrl(shown, `unknown scheme; ${FORMS}`);
}

function decode(part: string, shown: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw lookupErrors.badUrl(shown, `bad percent-encoding in the ${what}`);
  }
}

/** The URL with any password replaced by `***`, safe for logs and error messages (also for malformed URLs). */
export function redactDbUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[a-z][a-z0-9+.-]*:?\/*/i.exec(url)?.[0].length ?? 0;
  const colon = url.indexOf(':', scheme);
  if (colon < 0 || colon > at) return url;
  return `${url.slice(0, colon + 1)}***${url.slice(at)}`;
}
