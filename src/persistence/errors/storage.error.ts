import { ErrorCode } from '../../common/errors/error-code';
import { ServiceError, type ServiceErrorDetails } from '../../common/errors/service.error';

export const StorageErrorCode = {
  /** The store could not persist a change; nothing was acknowledged. */
  WRITE_FAILED: ErrorCode.STORAGE_WRITE_FAILED,
  /** The store cannot be reached at all (a database that is down). */
  UNAVAILABLE: ErrorCode.STORE_UNAVAILABLE,
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/** Seconds a client should wait before retrying when a store fails: long enough for a restart or a failover. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

export class StorageError extends ServiceError<StorageErrorCode> {
  constructor(code: StorageErrorCode, message: string, details: ServiceErrorDetails = {}) {
    super(code, message, { retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS, ...details });
  }
}
