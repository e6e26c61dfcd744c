import { randomBytes } from 'node:crypto';
import type { ModelSettings } from '../assistant/assistant.port';
import type { UserKey } from '../auth/user-key';
import type { Exchange } from '../conversation-log/conversation-log.port';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * How far a job's turn got, recorded before each step that must not be
 * repeated, so that a run after a crash knows what is safe:
 * - `pending`: the question has not gone upstream; the job may (re)run.
 * - `asking`: the question went upstream and no answer was recorded; the
 *   model may have it in the conversation, so the job is never asked again.
 * - `answered`: the answer is recorded (`answer`); a re-run only logs it.
 */
export const JOB_PHASES = ['pending', 'asking', 'answered'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** Why a job failed: the `code` and `message` of the error body a live request would have had. */
export interface JobError {
  code: string;
  message: string;
}

/** The answer as it arrived, with the exchange exactly as it is (or will be) logged. */
export interface RecordedAnswer {
  threadId: string;
  exchange: Exchange;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Where the result's webhook stands. */
export interface Delivery {
  state: DeliveryState;
  /** Deliveries tried so far. */
  attempts: number;
  /** The HTTP status of the last attempt, when it got one. */
  lastStatus?: number;
  /** Why the last attempt failed, when it did (safe to show: no secrets, no bodies). */
  lastError?: string;
  /** Unix ms of the 2xx. */
  deliveredAt?: number;
  /** Unix ms before which the next attempt is not made. */
  nextAttemptAt?: number;
}

/** What a client asked for: one chat turn, run in the background. */
export interface JobRequest {
  user: UserKey;
  message: string;
  settings: ModelSettings;
  /** Where the result is POSTed; already checked against WEBHOOK_ALLOWED_HOSTS. */
  callbackUrl?: string;
}

/** A job as a JobStore keeps it. */
export interface JobRecord extends JobRequest {
  id: string;
  status: JobStatus;
  phase: JobPhase;
  answer?: RecordedAnswer;
  error?: JobError;
  /** Present exactly when there is a callback_url, from the moment the job finishes. */
  delivery?: Delivery;
  /** Unix ms; unique within a process, so that it orders one user's jobs. */
  createdAt: number;
  /** Unix ms at which it succeeded or failed. */
  finishedAt?: number;
}

/** A job as the API shows it, whichever queue holds it. */
export interface JobView {
  id: string;
  user: UserKey;
  status: JobStatus;
  answer?: string;
  threadId?: string;
  error?: JobError;
  delivery?: Delivery;
}

/** `job_` and 22 characters of base64url: 128 random bits, so ids cannot be guessed or enumerated. */
export const JOB_ID_PATTERN = /^job_[A-Za-z0-9_-]{22}$/;

export function newJobId(): string {
  return `job_${randomBytes(16).toString('base64url')}`;
}

export function isFinished(status: JobStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

export function viewOfRecord(record: JobRecord): JobView {
  const view: JobView = { id: record.id, user: record.user, status: record.status };
  if (record.status === 'succeeded' && record.answer !== undefined) {
    view.answer = record.answer.exchange.bot;
    view.threadId = record.answer.threadId;
  }
  if (record.status === 'failed' && record.error !== undefined) view.error = record.error;
  if (record.delivery !== undefined) view.delivery = record.delivery;
  return view;
}
