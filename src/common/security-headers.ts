import helmet from 'helmet';

/**
 * helmet's headers with a Content-Security-Policy that Swagger UI lives with:
 * its scripts and styles are served from /api/docs itself, plus inline styles
 * and data: images (the UI's icons). The API's own responses are JSON or SSE,
 * which a CSP does not affect.
 */
export function securityHeaders(): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // The service often runs on plain HTTP behind a TLS proxy, or locally; upgrading would break the UI there.
        upgradeInsecureRequests: null,
      },
    },
    // Cross-origin front ends call this API; CORS decides who may, not CORP.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
}
