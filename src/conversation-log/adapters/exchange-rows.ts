import type { Insertable, Selectable } from 'kysely';
import type { UserKey } from '../../auth/user-key';
import type { ExchangesTable } from '../../database/database.schema';
import type { Exchange } from '../conversation-log.port';

/** The columns that make up an exchange (without its owner and id). */
export const EXCHANGE_COLUMNS = ['user_text', 'bot_text', 'created_at', 'model', 'input_tokens', 'output_tokens', 'total_tokens'] as const;

export type ExchangeColumns = Pick<Selectable<ExchangesTable>, (typeof EXCHANGE_COLUMNS)[number]>;

export function exchangeRow({ namespace, userId }: UserKey, { user, bot, timestamp, model, usage }: Exchange): Insertable<ExchangesTable> {
  return {
    namespace,
    user_id: userId,
    user_text: user,
    bot_text: bot,
    created_at: timestamp,
    model: model ?? null,
    input_tokens: usage?.input_tokens ?? null,
    output_tokens: usage?.output_tokens ?? null,
    total_tokens: usage?.total_tokens ?? null,
  };
}

/** The exchange a row holds; model and usage only when stored (absent, never null). */
export function exchangeOf(row: ExchangeColumns): Exchange {
  const exchange: Exchange = { user: row.user_text, bot: row.bot_text, timestamp: Number(row.created_at) };
  if (row.model !== null) exchange.model = row.model;
  if (row.input_tokens !== null && row.output_tokens !== null && row.total_tokens !== null) {
    exchange.usage = { input_tokens: row.input_tokens, output_tokens: row.output_tokens, total_tokens: row.total_tokens };
  }
  return exchange;
}
