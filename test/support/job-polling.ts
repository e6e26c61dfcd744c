import request from 'supertest';

export interface JobBody {
  job_id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  user_id: string;
  answer?: string;
  thread_id?: string;
  error?: { code: string; message: string };
  webhook?: { state: string; attempts: number; last_status?: number; last_error?: string; delivered_at?: number };
}

/** Polls GET /api/chat/jobs/ID every 20 ms until `until` holds (default: finished), failing after `timeoutMs`. */
export async function pollJob(
  baseUrl: string,
  id: string,
  { headers = {}, timeoutMs = 10000, until = (job: JobBody) => job.status === 'succeeded' || job.status === 'failed' }: {
    headers?: Record<string, string>;
    timeoutMs?: number;
    until?: (job: JobBody) => boolean;
  } = {},
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  let last: JobBody | undefined;
  for (;;) {
    const response = await request(baseUrl).get(`/api/chat/jobs/${id}`).set(headers);
    if (response.status === 200) {
      last = response.body as JobBody;
      if (until(last)) return last;
    }
    if (Date.now() > deadline) throw new Error(`job ${id} not done in ${timeoutMs} ms; last seen ${response.status} ${JSON.stringify(last ?? response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
