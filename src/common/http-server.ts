import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode } from './errors/error-code';
import { renderError } from './errors/error-renderer';
import { ServiceError } from './errors/service.error';

/**
 * Longer than the idle timeout of common load balancers (60 s), so the service
 * never closes a kept-alive connection that a balancer is about to reuse.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Node answers malformed requests itself, in plain text; these are the same answers in the API's error shape. */
const CLIENT_ERRORS: Readonly<Record<string, ServiceError>> = {
  ERR_HTTP_REQUEST_TIMEOUT: new ServiceError(ErrorCode.REQUEST_TIMEOUT, 'The request did not arrive in time'),
  HPE_HEADER_OVERFLOW: new ServiceError(ErrorCode.HEADERS_TOO_LARGE, 'The request headers are too large'),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: new ServiceError(ErrorCode.PAYLOAD_TOO_LARGE, 'The request chunk extensions are too large'),
};
const NOT_HTTP = new ServiceError(ErrorCode.BAD_REQUEST, 'The request is not valid HTTP');

/**
 * Bounds how long a client may take to send a request: headers and body must
 * be in within `requestTimeoutMs`, else 408 and the socket is closed. Node only
 * looks for such requests every `connectionsCheckingInterval` (30 s by
 * default), so a short timeout needs a short interval; it is read when the
 * server starts listening, so this runs before `listen`.
 */
export function applyRequestTimeouts(server: Server, requestTimeoutMs: number): void {
  server.requestTimeout = requestTimeoutMs;
  // The same bound for the headers alone: the contract is about the whole request.
  server.headersTimeout = requestTimeoutMs;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1000, Math.max(50, Math.floor(requestTimeoutMs / 4)));
  server.on('clientError', answerClientError);
}

/** What Node would do on a client error (answer if nothing was sent yet, then close), with a JSON body. */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && inFlight?.headersSent !== true) {
    socket.write(rawResponse(CLIENT_ERRORS[error.code ?? ''] ?? NOT_HTTP));
  }
  socket.destroy();
}

function rawResponse(error: ServiceError): string {
  const { status, body } = renderError(error, randomUUID());
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    `X-Request-Id: ${body.requestId}`,
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}
