import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity, type DocumentBuilder, type OpenAPIObject } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import type { AuthConfig } from '../config/auth.config';

const BEARER_SCHEME = 'bearer';
const API_KEY_SCHEME = 'api-key';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * A controller or route that needs credentials. It names both schemes; the
 * document keeps only those of the configured AUTH_MODE (none with `none`),
 * so Swagger UI's "Authorize" offers exactly what the service accepts.
 */
export function ApiAuthenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiBearerAuth(BEARER_SCHEME),
    ApiSecurity(API_KEY_SCHEME),
    ApiErrors(
      [
        HttpStatus.UNAUTHORIZED,
        'Missing, invalid or expired credentials (`UNAUTHENTICATED`; only when AUTH_MODE is api-key or jwt)',
        { 'WWW-Authenticate': { description: 'The Bearer challenge (RFC 6750), with `error=` when a credential was sent but refused.', schema: { type: 'string' } } },
      ],
      [HttpStatus.FORBIDDEN, "user_id names another user than the token's (`FORBIDDEN`; only when AUTH_MODE=jwt)"],
    ),
  ) as MethodDecorator & ClassDecorator;
}

/** The security schemes of the configured mode. */
export function addAuthSchemes(builder: DocumentBuilder, auth: AuthConfig): DocumentBuilder {
  switch (auth.mode) {
    case 'none':
      return builder;
    case 'api-key':
      return builder
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key as a bearer token (Authorization: Bearer KEY).' }, BEARER_SCHEME)
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key in the X-API-Key header.' }, API_KEY_SCHEME);
    case 'jwt':
      return builder.addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "A token from the identity provider; its user is the caller's user." },
        BEARER_SCHEME,
      );
  }
}

/** Drops every security requirement that names a scheme the document does not have (all of them with AUTH_MODE=none). */
export function keepConfiguredSchemes(document: OpenAPIObject): void {
  const schemes = new Set(Object.keys(document.components?.securitySchemes ?? {}));
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation?.security === undefined) continue;
      operation.security = operation.security.filter((requirement) => Object.keys(requirement).every((name) => schemes.has(name)));
      if (operation.security.length === 0) delete operation.security;
    }
  }
}

/** How the rate limit counts, in the document's words. */
export function rateLimitBasis(auth: AuthConfig): string {
  switch (auth.mode) {
    case 'none':
      return 'Chat routes are rate limited per client IP.';
    case 'api-key':
      return 'Chat routes are rate limited per API key and user_id; requests refused with 401 are limited per client IP.';
    case 'jwt':
      return "Chat routes are rate limited per token user; requests refused with 401 are limited per client IP.";
  }
}
