/**
 * The route pattern the adapter matched for this request, e.g. `/api/v1/orders/:id`, including the
 * global prefix, the URI version and `RouterModule` paths (Nest registers the full path with the
 * adapter). Express exposes it as `req.route.path`, Fastify as `req.routeOptions.url`. `undefined`
 * when nothing matched (a 404): the raw path is never used, it would explode span-name cardinality.
 */
export function routeOf(request: unknown): string | undefined {
  const req = request as {
    baseUrl?: string;
    route?: { path?: unknown };
    routeOptions?: { url?: unknown };
  };
  const expressPath = req.route?.path;
  if (typeof expressPath === 'string') return (req.baseUrl ?? '') + expressPath;
  const fastifyUrl = req.routeOptions?.url;
  return typeof fastifyUrl === 'string' ? fastifyUrl : undefined;
}

/** The path part of a request URL, without the query string or fragment. */
export function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const end = url.search(/[?#]/);
  return (end === -1 ? url : url.slice(0, end)) || '/';
}
