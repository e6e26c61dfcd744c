import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { jsonMember, jsonObjectChunks } from '../../persistence/json-object-chunks';
import { type Snapshot, StoreFile } from '../../persistence/store-file';
import { isFinished, type JobRecord } from '../job';
import { JobStore } from '../job-store.port';
import { isJobRecord } from './job-record.guard';

const FORMAT_VERSION = 1;

interface JobFile {
  version: typeof FORMAT_VERSION;
  jobs: Record<string, JobRecord>;
}

/**
 * Jobs in one JSON file (JOB_STORE_PATH), with the same machinery as the other
 * JSON stores: rewritten whole and atomically, concurrent changes coalesced
 * into one write, a corrupt file moved aside, a vanished one written again.
 * Finished jobs leave it after the retention period, so it stays small.
 */
export class JsonFileJobStore extends JobStore implements OnModuleInit, OnApplicationShutdown {
  private readonly file: StoreFile;
  private readonly records = new Map<string, JobRecord>();
  /** Each job's `"id":{...}` member, encoded once and kept until the record changes. */
  private readonly members = new Map<string, Buffer>();
  /** What the file holds: the state of the last successful write. */
  private readonly durable = new Map<string, JobRecord>();
  /** Changes not yet in a write that began (undefined: removed). */
  private changed = new Map<string, JobRecord | undefined>();

  constructor(path: string, variable = 'JOB_STORE_PATH') {
    super();
    this.file = new StoreFile(path, variable, () => this.snapshot());
  }

  async onModuleInit(): Promise<void> {
    const stored = await this.file.open(isJobFile);
    for (const record of Object.values(stored?.jobs ?? {})) {
      this.records.set(record.id, record);
      this.durable.set(record.id, record);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.file.close();
  }

  async put(record: JobRecord): Promise<void> {
    const written = structuredClone(record);
    this.change(record.id, written);
    try {
      await this.file.commit();
    } catch (error) {
      // Never durable: unless the job changed again since, put back what the file holds.
      if (this.records.get(record.id) === written) this.restore(record.id);
      throw new StorageError(StorageErrorCode.WRITE_FAILED, 'The job store could not be written', { cause: error });
    }
  }

  get(id: string): Promise<JobRecord | undefined> {
    const record = this.records.get(id);
    return Promise.resolve(record === undefined ? undefined : structuredClone(record));
  }

  unsettled(): Promise<JobRecord[]> {
    const open = [...this.records.values()].filter((record) => !isFinished(record.status) || record.delivery?.state === 'pending');
    return Promise.resolve(open.sort((a, b) => a.createdAt - b.createdAt).map((record) => structuredClone(record)));
  }

  async removeFinished(finishedBefore: number): Promise<number> {
    const expired = [...this.records.values()].filter(
      (record) => isFinished(record.status) && record.delivery?.state !== 'pending' && (record.finishedAt ?? 0) < finishedBefore,
    );
    if (expired.length === 0) return 0;
    for (const record of expired) this.change(record.id, undefined);
    try {
      await this.file.commit();
    } catch (error) {
      for (const record of expired) if (!this.records.has(record.id)) this.restore(record.id);
      throw new StorageError(StorageErrorCode.WRITE_FAILED, 'The job store could not be written', { cause: error });
    }
    return expired.length;
  }

  checkHealth(): Promise<void> {
    return this.file.checkHealth();
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  private change(id: string, record: JobRecord | undefined): void {
    if (record === undefined) this.records.delete(id);
    else this.records.set(id, record);
    this.members.delete(id);
    this.changed.set(id, record);
  }

  private restore(id: string): void {
    const durable = this.durable.get(id);
    if (durable === undefined) this.records.delete(id);
    else this.records.set(id, durable);
    this.members.delete(id);
  }

  /** The file's contents; the changes it holds count as durable once the write that took them succeeds. */
  private snapshot(): Snapshot {
    const batch = this.changed;
    this.changed = new Map();
    return {
      contents: jsonObjectChunks(this.encodedMembers(), `{"version":${FORMAT_VERSION},"jobs":`, '}'),
      written: () => {
        for (const [id, record] of batch) {
          if (record === undefined) this.durable.delete(id);
          else this.durable.set(id, record);
        }
      },
    };
  }

  private *encodedMembers(): Iterable<Buffer> {
    for (const [id, record] of this.records) {
      let member = this.members.get(id);
      if (member === undefined) {
        member = jsonMember(id, JSON.stringify(record));
        this.members.set(id, member);
      }
      yield member;
    }
  }
}

function isJobFile(value: unknown): value is JobFile {
  if (typeof value !== 'object' || value === null) return false;
  const { version, jobs } = value as Partial<JobFile>;
  if (version !== FORMAT_VERSION || typeof jobs !== 'object' || jobs === null || Array.isArray(jobs)) return false;
  return Object.entries(jobs).every(([id, record]) => isJobRecord(record) && record.id === id);
}
