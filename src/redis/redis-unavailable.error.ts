import { StorageError, StorageErrorCode } from '../persistence/errors/storage.error';

/**
 * What a client gets when Redis is down: 503 with Retry-After. The message
 * names the feature, never the server (its URL may carry a password).
 */
export function redisUnavailable(feature: string, cause: unknown): StorageError {
  return new StorageError(StorageErrorCode.UNAVAILABLE, `${feature} is unavailable: Redis cannot be reached`, { cause });
}
