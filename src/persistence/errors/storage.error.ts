export enum StorageErrorCode {
  /** The store could not persist a change; nothing was acknowledged. */
  WRITE_FAILED = 'STORAGE_WRITE_FAILED',
}

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}
