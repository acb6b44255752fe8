import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { redactUrl } from '../sdk/url-redaction';

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/** The conventions name a span `HTTP` for a method outside the known set (e.g. `PROPFIND`). */
export function spanMethodOf(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : 'HTTP';
}

/**
 * The stable HTTP server attributes known when the request arrives. Computed with plain string
 * work (no `URL` object for the usual origin-form target): this runs once per request, on the
 * request path, before the app sees it.
 */
export function requestAttributes(request: IncomingMessage, scheme: 'http' | 'https', sensitive: ReadonlySet<string>): Attributes {
  const { method, headers, socket } = request;
  const known = method !== undefined && KNOWN_METHODS.has(method);
  const attributes: Attributes = {
    'http.request.method': known ? method : '_OTHER',
    'url.scheme': scheme,
  };
  if (!known && method !== undefined) attributes['http.request.method_original'] = method;
  const target = targetOf(request.url);
  attributes['url.path'] = target.path;
  if (target.query) {
    const redacted = redactUrl(`?${target.query}`, sensitive);
    attributes['url.query'] = redacted === undefined ? target.query : redacted.slice(1);
  }
  const host = headers.host;
  if (host) {
    // `[::1]:3000`, `example.com:8080`, `example.com`: the port is after the last colon past any `]`.
    const colon = host.lastIndexOf(':');
    const hasPort = colon > host.lastIndexOf(']');
    attributes['server.address'] = hasPort ? host.slice(0, colon) : host;
    const port = hasPort ? Number(host.slice(colon + 1)) : NaN;
    if (Number.isInteger(port)) attributes['server.port'] = port;
  }
  const forwarded = headers['x-forwarded-for'];
  const client = typeof forwarded === 'string' ? forwarded.split(',', 1)[0].trim() : socket?.remoteAddress;
  if (client) attributes['client.address'] = client;
  if (socket?.remoteAddress) {
    attributes['network.peer.address'] = socket.remoteAddress;
    attributes['network.peer.port'] = socket.remotePort;
  }
  attributes['network.protocol.version'] = request.httpVersion;
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
  return attributes;
}

function targetOf(url: string | undefined): { path: string; query?: string } {
  if (!url) return { path: '/' };
  if (url.charCodeAt(0) !== 47 /* '/' */) {
    // Absolute-form (`GET http://host/path`) or asterisk-form (`OPTIONS *`): let URL sort it out.
    try {
      const parsed = new URL(url, 'http://localhost');
      return { path: parsed.pathname, query: parsed.search.slice(1) || undefined };
    } catch {
      return { path: url };
    }
  }
  const mark = url.indexOf('?');
  if (mark < 0) return { path: url };
  return { path: url.slice(0, mark), query: url.slice(mark + 1) || undefined };
}
