import type { TokenUsage } from '../../assistant/assistant.port';
import type { Exchange } from '../conversation-log.port';

/** `{"user_id": [exchange, ...]}`: the seed's conversations.json, plus the optional `model` and `usage` of each exchange. */
export type LogFile = Record<string, Exchange[]>;

export function isLogFile(value: unknown): value is LogFile {
  if (!isPlainObject(value)) return false;
  return Object.values(value).every((list) => Array.isArray(list) && list.every(isExchange));
}

export function isExchange(value: unknown): value is Exchange {
  return (
    isPlainObject(value) &&
    typeof value.user === 'string' &&
    typeof value.bot === 'string' &&
    typeof value.timestamp === 'number' &&
    Number.isFinite(value.timestamp) &&
    (value.model === undefined || typeof value.model === 'string') &&
    (value.usage === undefined || isUsage(value.usage))
  );
}

/** A copy that shares nothing with the original, with only the fields an exchange has. */
export function copyExchange({ user, bot, timestamp, model, usage }: Exchange): Exchange {
  const copy: Exchange = { user, bot, timestamp };
  if (model !== undefined) copy.model = model;
  if (usage !== undefined) copy.usage = { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.total_tokens };
  return copy;
}

/** What makes two exchanges of one user the same for an import: their texts and their timestamp. */
export function exchangeIdentity({ user, bot, timestamp }: Exchange): string {
  return JSON.stringify([timestamp, user, bot]);
}

function isUsage(value: unknown): value is TokenUsage {
  return (
    isPlainObject(value) &&
    [value.input_tokens, value.output_tokens, value.total_tokens].every((count) => Number.isSafeInteger(count) && (count as number) >= 0)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
