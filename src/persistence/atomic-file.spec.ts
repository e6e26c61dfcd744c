import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs, type CapturedLogs } from '../../test/support/captured-logs';
import { AtomicFile } from './atomic-file';

interface Counter {
  count: number;
}

const isCounter = (value: unknown): value is Counter =>
  typeof value === 'object' && value !== null && typeof (value as Partial<Counter>).count === 'number';

describe('AtomicFile', () => {
  let dir: string;
  let path: string;
  let file: AtomicFile;
  let logs: CapturedLogs;

  beforeEach(async () => {
    logs = captureLogs();
    dir = await mkdtemp(join(tmpdir(), 'atomic-file-'));
    path = join(dir, 'store.json');
    file = new AtomicFile(path);
  });

  afterEach(async () => {
    logs.restore();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back what it wrote', async () => {
    await file.write('{"count": 3}');
    expect(await file.readJson(isCounter)).toEqual({ count: 3 });
    expect(await readdir(dir)).toEqual(['store.json']);
  });

  it('replaces the whole content on each write', async () => {
    await file.write(JSON.stringify({ count: 1, padding: 'x'.repeat(1000) }));
    await file.write('{"count":2}');
    expect(await readFile(path, 'utf8')).toBe('{"count":2}');
  });

  it('returns undefined for a missing file and creates nothing', async () => {
    expect(await file.readJson(isCounter)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('returns undefined when even the directory is missing', async () => {
    const nowhere = new AtomicFile(join(dir, 'missing', 'store.json'));
    expect(await nowhere.readJson(isCounter)).toBeUndefined();
  });

  it.each([
    ['is not JSON', '{"count": 1,'],
    ['fails the validator', '{"count": "one"}'],
  ])('moves a file that %s aside byte for byte, warns, and returns undefined', async (_name, contents) => {
    await writeFile(path, contents);
    const before = Date.now();

    expect(await file.readJson(isCounter)).toBeUndefined();

    const names = await readdir(dir);
    expect(names).toEqual([expect.stringMatching(/^store\.json\.corrupt-\d{13}$/)]);
    const stamp = Number(names[0].slice('store.json.corrupt-'.length));
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Date.now());
    expect(await readFile(join(dir, names[0]), 'utf8')).toBe(contents);
    expect(logs.warnings).toEqual([expect.stringContaining(join(dir, names[0]))]);
  });

  it('removes its own stale temp files when reading, and no other file', async () => {
    await writeFile(path, '{"count": 1}');
    const stale = ['store.json.tmp-123-1', 'store.json.tmp-99999-42'];
    const kept = ['store.json.tmpx', 'other.json.tmp-123-1', 'store.json.bak'];
    for (const name of [...stale, ...kept]) await writeFile(join(dir, name), '{"count":');

    expect(await file.readJson(isCounter)).toEqual({ count: 1 });

    expect((await readdir(dir)).sort()).toEqual(['store.json', ...kept].sort());
  });

  it('removes stale temp files even when the file itself is missing', async () => {
    await writeFile(join(dir, 'store.json.tmp-123-1'), '{"count":');
    expect(await file.readJson(isCounter)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('assertWritable resolves for an existing directory and rejects for a missing one', async () => {
    await expect(file.assertWritable()).resolves.toBeUndefined();
    await expect(new AtomicFile(join(dir, 'missing', 'store.json')).assertWritable()).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('rejects a write into a missing directory and leaves nothing behind', async () => {
    const nowhere = new AtomicFile(join(dir, 'missing', 'store.json'));
    await expect(nowhere.write('{"count": 1}')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temp file when the final rename fails', async () => {
    // A non-empty directory where the file should be: the temp file can be written,
    // but it cannot be renamed over the directory.
    await mkdir(join(path, 'blocker'), { recursive: true });

    await expect(file.write('{"count": 1}')).rejects.toThrow();

    expect(await readdir(dir)).toEqual(['store.json']);
    expect(await readdir(path)).toEqual(['blocker']);
  });

  it('leaves one whole file and no temp files after concurrent writes', async () => {
    await Promise.all([1, 2, 3].map((count) => file.write(JSON.stringify({ count }))));
    expect(await readdir(dir)).toEqual(['store.json']);
    expect([1, 2, 3].map((count) => JSON.stringify({ count }))).toContain(await readFile(path, 'utf8'));
  });
});
