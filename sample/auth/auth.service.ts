import { Injectable } from '@nestjs/common';

export interface AuthenticatedRequest {
  user?: { id: string };
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Demo authentication, standing in for a real one (JWT, session): `Authorization: Bearer <user-id>`
 * names the user. One service, used by the guard to authenticate and by the tracing hook to read
 * who is calling.
 */
@Injectable()
export class AuthService {
  authenticate(request: AuthenticatedRequest): void {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,128})$/i.exec(header) : null;
    if (match) request.user = { id: match[1] };
  }

  userOf(request: AuthenticatedRequest): string | undefined {
    return request.user?.id;
  }
}
