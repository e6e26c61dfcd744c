import { GroupCommit } from './group-commit';

/** A writer whose writes finish or fail only when the test says so. */
class FakeWriter {
  readonly writes: { finish: () => void; fail: (error: Error) => void }[] = [];

  readonly write = (): Promise<void> =>
    new Promise<void>((finish, fail) => {
      this.writes.push({ finish, fail });
    });

  get count(): number {
    return this.writes.length;
  }
}

/** Follows a promise without awaiting it, so a test can look at it while it is pending. */
function watch(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const watched: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (watched.state = 'resolved'),
    (error: unknown) => Object.assign(watched, { state: 'rejected', error }),
  );
  return watched;
}

/** Lets every queued promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  let writer: FakeWriter;
  let commits: GroupCommit;

  beforeEach(() => {
    writer = new FakeWriter();
    commits = new GroupCommit(writer.write);
  });

  it('starts a write at once for the first request', () => {
    void commits.request();
    expect(writer.count).toBe(1);
  });

  it('starts no write without a request', async () => {
    await settle();
    expect(writer.count).toBe(0);
  });

  it('coalesces requests made during a write into exactly one next write', async () => {
    const first = watch(commits.request());
    const during = [watch(commits.request()), watch(commits.request()), watch(commits.request())];
    expect(writer.count).toBe(1);

    writer.writes[0].finish();
    await settle();
    expect(first.state).toBe('resolved');
    expect(writer.count).toBe(2);
    expect(during.map((request) => request.state)).toEqual(['pending', 'pending', 'pending']);

    writer.writes[1].finish();
    await settle();
    expect(during.map((request) => request.state)).toEqual(['resolved', 'resolved', 'resolved']);
    expect(writer.count).toBe(2);
  });

  it('turns 100 requests made at once into two writes', async () => {
    const requests = Array.from({ length: 100 }, () => watch(commits.request()));
    writer.writes[0].finish();
    await settle();
    writer.writes[1]?.finish();
    await settle();
    expect(writer.count).toBe(2);
    expect(requests.every((request) => request.state === 'resolved')).toBe(true);
  });

  it('settles a request only with a write that began after it', async () => {
    void commits.request();
    writer.writes[0].finish();
    // The first write has finished but its promise callbacks have not run yet: a request
    // now must not ride on it.
    const late = watch(commits.request());
    await settle();
    expect(late.state).toBe('pending');
    expect(writer.count).toBe(2);

    writer.writes[1].finish();
    await settle();
    expect(late.state).toBe('resolved');
  });

  it('starts the next write as soon as the running one ends, not before', async () => {
    void commits.request();
    void commits.request();
    await settle();
    expect(writer.count).toBe(1);
    writer.writes[0].finish();
    await settle();
    expect(writer.count).toBe(2);
  });

  it('rejects exactly the requests of a failed write, with its error', async () => {
    const first = watch(commits.request());
    const second = watch(commits.request());
    const third = watch(commits.request());

    const diskFull = new Error('ENOSPC');
    writer.writes[0].fail(diskFull);
    await settle();
    expect(first).toEqual({ state: 'rejected', error: diskFull });
    expect([second.state, third.state]).toEqual(['pending', 'pending']);

    const quotaExceeded = new Error('EDQUOT');
    writer.writes[1].fail(quotaExceeded);
    await settle();
    expect(second).toEqual({ state: 'rejected', error: quotaExceeded });
    expect(third).toEqual({ state: 'rejected', error: quotaExceeded });
  });

  it('keeps working after a failed write', async () => {
    const failed = watch(commits.request());
    writer.writes[0].fail(new Error('EIO'));
    await settle();
    expect(failed.state).toBe('rejected');

    const later = watch(commits.request());
    expect(writer.count).toBe(2);
    writer.writes[1].finish();
    await settle();
    expect(later.state).toBe('resolved');
  });

  it('drain waits for the running write and the queued one', async () => {
    void commits.request();
    void commits.request();
    const drained = watch(commits.drain());

    writer.writes[0].finish();
    await settle();
    expect(drained.state).toBe('pending');

    writer.writes[1].finish();
    await settle();
    expect(drained.state).toBe('resolved');
  });

  it('drain resolves at once when nothing is running', async () => {
    const drained = watch(commits.drain());
    await settle();
    expect(drained.state).toBe('resolved');
  });

  it('drain resolves, not rejects, when a write fails: the requester gets the error', async () => {
    commits.request().catch(() => undefined);
    const drained = watch(commits.drain());
    writer.writes[0].fail(new Error('EIO'));
    await settle();
    expect(drained.state).toBe('resolved');
  });
});
