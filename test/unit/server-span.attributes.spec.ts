import type { IncomingMessage } from 'node:http';
import { requestAttributes, spanMethodOf } from '../../lib/http/server-span.attributes';

/** Just the fields of an IncomingMessage the attributes are read from. */
function request(fields: { method?: string; url?: string; headers?: Record<string, string>; remoteAddress?: string; remotePort?: number; httpVersion?: string }): IncomingMessage {
  return {
    method: fields.method ?? 'GET',
    url: fields.url ?? '/',
    headers: fields.headers ?? {},
    httpVersion: fields.httpVersion ?? '1.1',
    socket: { remoteAddress: fields.remoteAddress ?? '10.0.0.7', remotePort: fields.remotePort ?? 51234 },
  } as unknown as IncomingMessage;
}

const sensitive = new Set(['sig', 'token']);

describe('SERVER span attributes at request start', () => {
  it('records the stable HTTP server attributes of an ordinary request', () => {
    const attributes = requestAttributes(
      request({ url: '/orders/2?verbose=1', headers: { host: 'api.example.com:8443', 'user-agent': 'curl/8' } }),
      'https',
      sensitive,
    );
    expect(attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'https',
      'url.path': '/orders/2',
      'url.query': 'verbose=1',
      'server.address': 'api.example.com',
      'server.port': 8443,
      'client.address': '10.0.0.7',
      'network.peer.address': '10.0.0.7',
      'network.peer.port': 51234,
      'network.protocol.version': '1.1',
      'user_agent.original': 'curl/8',
    });
  });

  it('redacts sensitive query values and leaves the others', () => {
    const attributes = requestAttributes(request({ url: '/files?sig=abc&page=2&token=t0k' }), 'http', sensitive);
    expect(attributes['url.query']).toBe('sig=REDACTED&page=2&token=REDACTED');
    expect(JSON.stringify(attributes)).not.toMatch(/abc|t0k/);
  });

  it.each([
    ['[::1]:3000', '[::1]', 3000],
    ['[::1]', '[::1]', undefined],
    ['example.com', 'example.com', undefined],
    ['example.com:notaport', 'example.com', undefined],
  ])('reads server.address and server.port from Host %s', (host, address, port) => {
    const attributes = requestAttributes(request({ headers: { host } }), 'http', sensitive);
    expect(attributes['server.address']).toBe(address);
    expect(attributes['server.port']).toBe(port);
  });

  it('takes client.address from the first X-Forwarded-For hop', () => {
    const attributes = requestAttributes(request({ headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } }), 'http', sensitive);
    expect(attributes['client.address']).toBe('203.0.113.9');
    expect(attributes['network.peer.address']).toBe('10.0.0.7');
  });

  it('reads the path of an absolute-form target, never the raw URL', () => {
    const attributes = requestAttributes(request({ url: 'http://evil.example/orders/1?token=x' }), 'http', sensitive);
    expect(attributes['url.path']).toBe('/orders/1');
    expect(attributes['url.query']).toBe('token=REDACTED');
  });

  it('records a method outside the standard set as _OTHER, with the original, and names the span HTTP', () => {
    const attributes = requestAttributes(request({ method: 'PROPFIND' }), 'http', sensitive);
    expect(attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'PROPFIND' });
    expect(spanMethodOf('PROPFIND')).toBe('HTTP');
    expect(spanMethodOf('DELETE')).toBe('DELETE');
  });
});
