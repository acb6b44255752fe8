import { Injectable } from '@nestjs/common';
import type { Span } from '@opentelemetry/api';
import { ATTR_ENDUSER_ID, type TracingRequestHook } from 'nestjs-tracing';
import { AuthService, type AuthenticatedRequest } from './auth.service';

/**
 * The guide's `request_hook`, as a Nest provider built by DI: it runs after the guards, so the
 * caller is known, and it asks the same AuthService the guard used.
 */
@Injectable()
export class EndUserHook implements TracingRequestHook<AuthenticatedRequest> {
  constructor(private readonly auth: AuthService) {}

  onRequest(span: Span, request: AuthenticatedRequest): void {
    const user = this.auth.userOf(request);
    if (user) span.setAttribute(ATTR_ENDUSER_ID, user);
  }
}
