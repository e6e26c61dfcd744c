import { DELIVERY_STATES, JOB_PHASES, JOB_STATUSES, type JobRecord } from '../job';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isOptional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const oneOf = (choices: readonly string[]) => (value: unknown) => isString(value) && choices.includes(value);

/** Whether a stored value is a job record this version can run: what a store checks before it trusts its file or rows. */
export function isJobRecord(value: unknown): value is JobRecord {
  if (!isObject(value)) return false;
  const { id, user, message, settings, callbackUrl, status, phase, answer, error, delivery, createdAt, finishedAt } = value;
  return (
    isString(id) &&
    isObject(user) &&
    isString(user.namespace) &&
    isString(user.userId) &&
    isString(message) &&
    isObject(settings) &&
    isOptional(callbackUrl, isString) &&
    oneOf(JOB_STATUSES)(status) &&
    oneOf(JOB_PHASES)(phase) &&
    isOptional(answer, isRecordedAnswer) &&
    isOptional(error, (e) => isObject(e) && isString(e.code) && isString(e.message)) &&
    isOptional(delivery, isDelivery) &&
    isNumber(createdAt) &&
    isOptional(finishedAt, isNumber)
  );
}

function isRecordedAnswer(value: unknown): boolean {
  if (!isObject(value) || !isString(value.threadId) || !isObject(value.exchange)) return false;
  const { user, bot, timestamp } = value.exchange;
  return isString(user) && isString(bot) && isNumber(timestamp);
}

function isDelivery(value: unknown): boolean {
  return isObject(value) && oneOf(DELIVERY_STATES)(value.state) && isNumber(value.attempts);
}
