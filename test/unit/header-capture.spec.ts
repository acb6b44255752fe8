import { captureHeaders } from '../../lib/http/header-capture';

describe('captureHeaders', () => {
  const headers: Record<string, string | string[] | number> = {
    'x-id': 'v',
    authorization: 'Bearer secret',
    'x-forwarded-for': ['10.0.0.1', '10.0.0.2'],
    'set-cookie': ['a=1', 'b=2'],
    'content-length': 42,
  };
  const read = (name: string) => headers[name];

  it('records listed headers as string arrays, redacts sanitized ones and skips missing ones', () => {
    expect(captureHeaders('request', ['x-id', 'authorization', 'missing'], new Set(['authorization']), read)).toEqual({
      'http.request.header.x-id': ['v'],
      'http.request.header.authorization': ['[REDACTED]'],
    });
  });

  it('keeps array values as arrays and redacts each element of a sanitized one', () => {
    expect(captureHeaders('response', ['x-forwarded-for', 'set-cookie'], new Set(['set-cookie']), read)).toEqual({
      'http.response.header.x-forwarded-for': ['10.0.0.1', '10.0.0.2'],
      'http.response.header.set-cookie': ['[REDACTED]', '[REDACTED]'],
    });
  });

  it('stringifies numeric values', () => {
    expect(captureHeaders('response', ['content-length'], new Set(), read)).toEqual({
      'http.response.header.content-length': ['42'],
    });
  });
});
