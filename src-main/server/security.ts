// Access checks of the browser-mode server: the token, the Host header and the WebSocket
// Origin. The token stops other local users and web pages from driving the lab. The Host
// and Origin checks stop a page on another site from using the user's browser to reach
// the server, including a site that rebinds its DNS name to 127.0.0.1.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PARAM } from '../../src-shared/lab-api';

/** Returns a new access token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Returns the token of a request: `Authorization: Bearer …` or the `token` query parameter. */
export function tokenOf(request: IncomingMessage): string | null {
  const header = request.headers.authorization;
  if (header !== undefined && header.startsWith('Bearer ')) {
    return header.slice('Bearer '.length).trim();
  }
  const url = new URL(request.url ?? '/', 'http://placeholder');
  return url.searchParams.get(TOKEN_PARAM);
}

/** Compares tokens in constant time, so response timing does not leak a prefix. */
export function tokenMatches(received: string | null, expected: string): boolean {
  if (received === null) {
    return false;
  }
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARD_HOSTS = ['0.0.0.0', '::', ''];

/** Returns true when the server listens on every interface. */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.includes(host);
}

/**
 * Returns the Host header values the server accepts. On a loopback address these are the
 * loopback names with the port. On a wildcard address any Host is taken (the user chose to
 * expose the server), and the Origin check still applies.
 */
export function allowedHosts(host: string, port: number): Set<string> | null {
  if (isWildcardHost(host)) {
    return null;
  }
  const names = LOOPBACK_NAMES.includes(formatHost(host)) ? LOOPBACK_NAMES : [formatHost(host)];
  return new Set(names.map((name) => `${name}:${port}`));
}

/** Returns true when the request's Host header names this server. */
export function hostAllowed(request: IncomingMessage, allowed: Set<string> | null): boolean {
  const host = request.headers.host;
  return host !== undefined && (allowed === null || allowed.has(host.toLowerCase()));
}

/** Returns true when the WebSocket's Origin is the origin of the page this server served. */
export function originAllowed(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  const host = request.headers.host;
  return (
    origin !== undefined &&
    host !== undefined &&
    origin.toLowerCase() === `http://${host.toLowerCase()}`
  );
}

/** Writes an IPv6 address in brackets, as URLs and Host headers do. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
