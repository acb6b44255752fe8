import { pathOf, routeOf } from '../../lib/http/route.util';

describe('routeOf', () => {
  it('reads the Express route pattern', () => {
    expect(routeOf({ route: { path: '/orders/:id' } })).toBe('/orders/:id');
  });

  it('prefixes the Express baseUrl', () => {
    expect(routeOf({ baseUrl: '/api', route: { path: '/orders/:id' } })).toBe('/api/orders/:id');
  });

  it('reads the Fastify route url', () => {
    expect(routeOf({ routeOptions: { url: '/x/:id' } })).toBe('/x/:id');
  });

  it('is undefined for an unmatched request rather than the raw path', () => {
    expect(routeOf({ url: '/orders/42' })).toBeUndefined();
    expect(routeOf({ route: { path: /^\/orders/ } })).toBeUndefined();
    expect(routeOf({ routeOptions: {} })).toBeUndefined();
  });
});

describe('pathOf', () => {
  it('strips the query string and the fragment', () => {
    expect(pathOf('/orders/42?expand=items')).toBe('/orders/42');
    expect(pathOf('/orders#top')).toBe('/orders');
    expect(pathOf('/orders/42')).toBe('/orders/42');
  });

  it.each([undefined, ''])('returns / for %p', (url) => {
    expect(pathOf(url)).toBe('/');
  });
});
