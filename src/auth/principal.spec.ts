import { ErrorCode } from '../common/errors/error-code';
import { ServiceError } from '../common/errors/service.error';
import { Principal } from './principal';

function failure(run: () => unknown): ServiceError {
  try {
    run();
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error('expected a ServiceError');
}

describe('Principal.resolveUser', () => {
  it('without authentication, is the user_id as sent, or a new anonymous one for a chat turn', () => {
    expect(Principal.OPEN.resolveUser('alice', 'required')).toEqual({ namespace: '', userId: 'alice' });
    const first = Principal.OPEN.resolveUser(undefined, 'anonymous');
    const second = Principal.OPEN.resolveUser(undefined, 'anonymous');
    expect(first.userId).toMatch(/^anon-[0-9a-f-]{36}$/);
    expect(second.userId).not.toBe(first.userId);
    expect(failure(() => Principal.OPEN.resolveUser(undefined, 'required')).code).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('with an API key, is the user_id inside the key namespace', () => {
    const crm = Principal.apiKey('crm');
    expect(crm.resolveUser('alice', 'required')).toEqual({ namespace: 'key:crm', userId: 'alice' });
    expect(crm.resolveUser(undefined, 'anonymous')).toEqual({ namespace: 'key:crm', userId: expect.stringMatching(/^anon-/) });
    expect(Principal.apiKey('web').resolveUser('alice', 'required')).not.toEqual(crm.resolveUser('alice', 'required'));
    expect(failure(() => crm.resolveUser(undefined, 'required')).code).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('with a token, is the token user, whether user_id is left out or repeats it', () => {
    const alice = Principal.tokenHolder('alice');
    for (const whenAbsent of ['anonymous', 'required'] as const) {
      expect(alice.resolveUser(undefined, whenAbsent)).toEqual({ namespace: 'jwt', userId: 'alice' });
      expect(alice.resolveUser('alice', whenAbsent)).toEqual({ namespace: 'jwt', userId: 'alice' });
    }
  });

  it.each(['bob', 'Alice', 'alice '])('with a token, refuses user_id %j with 403', (other) => {
    const error = failure(() => Principal.tokenHolder('alice').resolveUser(other, 'anonymous'));
    expect(error.code).toBe(other === 'alice ' ? ErrorCode.VALIDATION_FAILED : ErrorCode.FORBIDDEN);
  });
});
