import { createHash } from 'node:crypto';
import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError } from '../../common/errors/service.error';
import { ApiKeyAuthenticator } from './api-key.authenticator';

const KEYS = { crm: 'a'.repeat(64), web: 'b'.repeat(64) };
const NEXT_CRM = 'c'.repeat(64);
const hash = (key: string) => createHash('sha256').update(key).digest();
const authenticator = new ApiKeyAuthenticator([...Object.entries(KEYS).map(([name, key]) => ({ name, sha256: hash(key) })), { name: 'crm', sha256: hash(NEXT_CRM) }]);

async function refusal(authorization: string | undefined, apiKey: string | undefined): Promise<ServiceError> {
  const error: unknown = await authenticator.authenticate({ authorization, apiKey }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ServiceError)) throw new Error('expected a refusal');
  expect(error.code).toBe(ErrorCode.UNAUTHENTICATED);
  for (const key of [authorization, apiKey]) if (key !== undefined) expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(key);
  return error;
}

describe('ApiKeyAuthenticator', () => {
  it('knows each key by the SHA-256 of what is presented', async () => {
    expect((await authenticator.authenticate({ authorization: `Bearer ${KEYS.crm}`, apiKey: undefined })).namespace).toBe('key:crm');
    expect((await authenticator.authenticate({ authorization: undefined, apiKey: KEYS.web })).namespace).toBe('key:web');
    // A second key of the same name (a rotation) acts for the same users.
    expect((await authenticator.authenticate({ authorization: undefined, apiKey: NEXT_CRM })).namespace).toBe('key:crm');
    // Another scheme in Authorization is not an API key; X-API-Key still is.
    expect((await authenticator.authenticate({ authorization: 'Basic dXNlcjpwYXNz', apiKey: KEYS.web })).namespace).toBe('key:web');
  });

  it('refuses a key whose hash is configured, presented as the hash', async () => {
    expect((await refusal(`Bearer ${hash(KEYS.crm).toString('hex')}`, undefined)).message).toBe('The API key is not valid');
  });

  it.each([
    ['a near miss', `Bearer ${KEYS.crm.slice(0, -1)}b`, undefined, 'The API key is not valid'],
    ['a prefix', `Bearer ${KEYS.crm.slice(0, 10)}`, undefined, 'The API key is not valid'],
    ['no key', undefined, undefined, 'An API key is required: send Authorization: Bearer KEY or X-API-Key: KEY'],
    ['two keys', `Bearer ${KEYS.crm}`, KEYS.web, 'Authorization and X-API-Key carry different keys'],
    ['a key with a space', undefined, `${KEYS.crm} x`, 'The X-API-Key header must hold one key'],
  ])('refuses %s', async (_name, authorization, apiKey, message) => {
    expect((await refusal(authorization, apiKey)).message).toBe(message);
  });
});
