/**
 * The renderer is served from `app://workbench/`, a privileged custom scheme, instead of file:// (which would
 * give every local file the page's origin). These helpers are pure so they can be tested without Electron.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'workbench';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The file an app:// URL names inside the renderer folder, or undefined (other host, escape attempts). */
export function resolveAppFile(url: string, rendererDir: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${pathname}`);
  return file.startsWith(root + path.sep) ? file : undefined;
}

/** Only the app's own pages may be navigated to; everything else (links, redirects, drops) is refused. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Requests the window may make: its own scheme, data: and blob: (downloads); devtools in development. */
export function isAllowedRequest(url: string, allowDevtools: boolean): boolean {
  if (isAppUrl(url)) return true;
  const protocol = url.slice(0, url.indexOf(':') + 1);
  if (protocol === 'data:' || protocol === 'blob:') return true;
  return allowDevtools && (protocol === 'devtools:' || protocol === 'chrome-extension:');
}

/** The only permission the renderer gets: writing to the clipboard (the Copy buttons). */
export function isAllowedPermission(permission: string): boolean {
  return permission === 'clipboard-sanitized-write';
}
