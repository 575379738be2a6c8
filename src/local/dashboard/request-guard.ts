/**
 * Who may use the dashboard server: the user's own browser tab on the page
 * and the user's own CLI. Checked on every request before any route:
 *
 * - Host must name the address the server listens on (`127.0.0.1:<port>`,
 *   `localhost:<port>`): a page whose DNS name was rebound to 127.0.0.1
 *   sends its own name and gets nothing, so it can read neither the page
 *   (with the token) nor `/api/*`.
 * - An Origin header, when present, must be the server's own: a page of
 *   another origin gets 403 on every route, GETs included.
 * - Every method but GET and HEAD needs the run's control token in
 *   CONTROL_TOKEN_HEADER: a "simple" cross-origin POST (no body, no custom
 *   header, sent without a preflight) cannot carry it, and a browser asked to
 *   add the header first sends a preflight, refused here like any request
 *   without the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_TOKEN_HEADER, type RefusedCheck } from '../../ops/target/control-client.ts';

/** 256 bits from the system's CSPRNG. */
const TOKEN_BYTES = 32;

/** Methods that change nothing; every other one needs the token. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** A new run's control token: base64url, so it fits a header, JSON and a shell without quoting. */
export function newControlToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A request the guard turned away: answered 403 with `reason`, and logged. */
export class RequestRefusedError extends Error {
  readonly check: RefusedCheck;
  readonly reason: string;
  override readonly name = 'RequestRefusedError';
  constructor(check: RefusedCheck, reason: string) {
    super(reason);
    this.check = check;
    this.reason = reason;
  }
}

/** What was refused and from where, for the log. */
export interface Refusal {
  readonly check: RefusedCheck;
  readonly reason: string;
  readonly method: string;
  /** As requested, query included. */
  readonly path: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly remoteAddress: string | undefined;
}

/** One line, header values quoted (they come from whoever sent the request). */
export function describeRefusal(refusal: Refusal): string {
  const quoted = (value: string | undefined) => (value === undefined ? 'none' : JSON.stringify(value));
  return (
    `dashboard: refused ${refusal.method} ${JSON.stringify(refusal.path)} from ${refusal.remoteAddress ?? 'unknown address'} ` +
    `(Host ${quoted(refusal.host)}, Origin ${quoted(refusal.origin)}): ${refusal.reason}`
  );
}

export interface RequestGuard {
  /** Throws RequestRefusedError unless the request passes every check. */
  check(request: IncomingMessage): void;
}

/**
 * `configuredHost` is the host the server was asked to listen on, `address`
 * where it does listen; both are accepted in Host, with `localhost`.
 */
export function requestGuard(options: {
  readonly configuredHost: string;
  readonly address: AddressInfo;
  readonly token: string;
}): RequestGuard {
  const { port } = options.address;
  const hosts = new Set(
    [options.configuredHost, options.address.address, 'localhost'].map((host) => `${bracketed(host)}:${port}`.toLowerCase()),
  );
  const origins = new Set([...hosts].map((host) => `http://${host}`));
  const expectedDigest = digest(options.token);
  return {
    check(request) {
      const host = request.headers.host?.toLowerCase();
      if (!host || !hosts.has(host)) {
        throw new RequestRefusedError(
          'host',
          `Host ${host ?? '(none)'} is not this server (${[...hosts].join(', ')}): a DNS name rebound to it gets nothing`,
        );
      }
      const origin = request.headers.origin;
      if (origin !== undefined && !origins.has(origin.toLowerCase())) {
        throw new RequestRefusedError('origin', `Origin ${origin} is not this dashboard: other sites' pages may not use it`);
      }
      if (SAFE_METHODS.has(request.method ?? '')) return;
      const sent = request.headers[CONTROL_TOKEN_HEADER];
      if (typeof sent !== 'string') {
        throw new RequestRefusedError(
          'token',
          `${request.method} needs this run's control token in ${CONTROL_TOKEN_HEADER} (the CLI reads it from the state file)`,
        );
      }
      // Digests are equal-length, so the comparison takes the same time wherever the token differs.
      if (!timingSafeEqual(digest(sent), expectedDigest)) {
        throw new RequestRefusedError(
          'token',
          `the control token in ${CONTROL_TOKEN_HEADER} is not this run's (a state file of another run?)`,
        );
      }
    },
  };
}

const digest = (token: string) => createHash('sha256').update(token).digest();

/** An IPv6 address as it appears in a Host header and a URL. */
export const bracketed = (host: string) => (host.includes(':') ? `[${host}]` : host);
