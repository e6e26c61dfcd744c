import type { IncomingMessage } from 'node:http';
import type { JsonBody } from './types';

/** The body was not JSON; the server answers the real API's 400 for it. */
export class BodyParseError extends Error {}

export async function readJson(req: IncomingMessage): Promise<JsonBody | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as JsonBody;
  } catch {
    throw new BodyParseError();
  }
}
