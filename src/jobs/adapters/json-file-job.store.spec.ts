import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, type CapturedLogs } from '../../../test/support/captured-logs';
import { jobRecord, jobStoreSuite } from '../../../test/support/job-store.suite';
import { tempFileStore } from '../../../test/support/temp-file-store';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { JsonFileJobStore } from './json-file-job.store';

async function openStore(path: string): Promise<JsonFileJobStore> {
  const store = new JsonFileJobStore(path);
  await store.onModuleInit();
  return store;
}

jobStoreSuite('JsonFileJobStore', () => tempFileStore('jobs.json', openStore));

describe('JsonFileJobStore on disk', () => {
  let dir: string;
  let path: string;
  let logs: CapturedLogs;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'job-store-'));
    path = join(dir, 'jobs.json');
  });

  afterEach(async () => {
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  const validFile = (jobs: object): string => JSON.stringify({ version: 1, jobs });

  it('writes a versioned map of id -> record', async () => {
    const store = await openStore(path);
    await store.put(jobRecord(1));
    expect(JSON.parse(await readFile(path, 'utf8'))).toStrictEqual({ version: 1, jobs: { [jobRecord(1).id]: jobRecord(1) } });
  });

  it('starts empty when the file does not exist, without creating it', async () => {
    const store = await openStore(path);
    expect(await store.unsettled()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['truncated JSON', '{"version": 1, "jobs": {"job_'],
    ['another format version', JSON.stringify({ version: 2, jobs: {} })],
    ['jobs as an array', JSON.stringify({ version: 1, jobs: [jobRecord(1)] })],
    ['a record under another id', validFile({ job_other: jobRecord(1) })],
    ['a record with an unknown status', validFile({ [jobRecord(1).id]: { ...jobRecord(1), status: 'paused' } })],
    ['a record with an unknown phase', validFile({ [jobRecord(1).id]: { ...jobRecord(1), phase: 'thinking' } })],
    ['a record without its user', validFile({ [jobRecord(1).id]: { ...jobRecord(1), user: undefined } })],
    ['an answer without its exchange', validFile({ [jobRecord(1).id]: { ...jobRecord(1), answer: { threadId: 'conv_1' } } })],
  ])('moves a file with %s aside and starts empty', async (_name, contents) => {
    await writeFile(path, contents);
    const store = await openStore(path);
    const names = await readdir(dir);
    expect(names).toEqual([expect.stringMatching(/^jobs\.json\.corrupt-\d{13}$/)]);
    expect(await readFile(join(dir, names[0]), 'utf8')).toBe(contents);
    expect(await store.unsettled()).toEqual([]);
    expect(logs.warnings).toEqual([expect.stringContaining(names[0])]);
  });

  it('rejects a put it cannot write with STORAGE_WRITE_FAILED and keeps what the file holds', async () => {
    const store = await openStore(path);
    await store.put(jobRecord(1));
    await rm(dir, { recursive: true });

    const failure = await store.put(jobRecord(1, { status: 'running' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await store.get(jobRecord(1).id)).toEqual(jobRecord(1));
    await expect(store.put(jobRecord(2))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
    expect(await store.get(jobRecord(2).id)).toBeUndefined();
    await expect(store.checkHealth()).rejects.toThrow();

    await mkdir(dir);
    await store.put(jobRecord(3));
    expect(Object.keys(JSON.parse(await readFile(path, 'utf8')).jobs)).toEqual([jobRecord(1).id, jobRecord(3).id]);
  });

  it('keeps finished jobs it could not remove', async () => {
    const store = await openStore(path);
    await store.put(jobRecord(1, { status: 'succeeded', finishedAt: 5 }));
    await rm(dir, { recursive: true });
    await expect(store.removeFinished(10)).rejects.toBeInstanceOf(StorageError);
    expect(await store.get(jobRecord(1).id)).toBeDefined();
  });
});
