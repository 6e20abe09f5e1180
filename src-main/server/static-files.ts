// Serves the built renderer (out/renderer) read-only. Only files inside the folder are served;
// paths are decoded and resolved first, so `..` and encoded separators cannot leave it.
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Content-Security-Policy of the page: scripts, styles and images from the server only (plus
 * data: images for the example strip drawn to canvas), sockets back to the same server.
 */
export const BROWSER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every response of the server. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': BROWSER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Returns the file under `root` for a URL path, or null when the path leaves `root`. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) {
    return null;
  }
  const base = resolve(root);
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = resolve(base, relative);
  return file.startsWith(base + sep) ? file : null;
}

/** Sends a file of the renderer, or 404 for anything else. */
export async function sendStatic(
  root: string,
  urlPath: string,
  response: ServerResponse,
  headOnly: boolean,
): Promise<void> {
  const file = resolveStaticPath(root, urlPath);
  const found =
    file !== null &&
    (await stat(file).then(
      (stats) => stats.isFile(),
      () => false,
    ));
  if (!found || file === null) {
    response.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`Not found: ${urlPath}\n`);
    return;
  }

  const body = await readFile(file);
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  response.end(headOnly ? undefined : body);
}

/** Returns the renderer's index.html path under `root`. */
export function indexFile(root: string): string {
  return join(root, 'index.html');
}
