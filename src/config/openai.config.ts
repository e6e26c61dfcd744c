import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

export const ASSISTANT_MODES = ['responses', 'assistants', 'local'] as const;
export type AssistantMode = (typeof ASSISTANT_MODES)[number];

export const DEFAULT_MODEL = 'gpt-5-mini';

/** How to reach an OpenAI-compatible endpoint. */
export interface OpenAiConnection {
  apiKey: string;
  baseURL: string | undefined;
  timeoutMs: number;
  maxRetries: number;
}

export interface ResponsesSettings {
  model: string;
  instructions: string | undefined;
  temperature: number | undefined;
  maxOutputTokens: number | undefined;
}

export type OpenAiConfig =
  | { mode: 'local' }
  | { mode: 'responses'; connection: OpenAiConnection; responses: ResponsesSettings }
  | { mode: 'assistants'; connection: OpenAiConnection; assistantId: string };

export function parseOpenAiConfig(env: EnvReader): OpenAiConfig {
  const apiKey = env.optionalString('OPENAI_API_KEY');
  const mode = parseMode(env, apiKey !== undefined);
  // Parsed in every mode so that a typo is reported even while it is unused.
  const connection = parseConnection(env, apiKey ?? '');
  const responses = parseResponsesSettings(env);
  const assistantId = env.optionalString('OPENAI_ASSISTANT_ID');

  if (mode === undefined || mode === 'local') return { mode: 'local' };
  if (apiKey === undefined) env.problem('OPENAI_API_KEY', `is required when ASSISTANT_API=${mode}`);
  if (mode === 'responses') return { mode, connection, responses };
  if (assistantId === undefined) env.problem('OPENAI_ASSISTANT_ID', 'is required when ASSISTANT_API=assistants');
  return { mode, connection, assistantId: assistantId ?? '' };
}

function parseMode(env: EnvReader, hasKey: boolean): AssistantMode | undefined {
  const chosen = env.optionalString('ASSISTANT_API');
  if (chosen !== undefined) return env.optionalChoice('ASSISTANT_API', ASSISTANT_MODES);
  if (hasKey) return 'responses';
  if (env.optionalString('NODE_ENV')?.toLowerCase() === 'production') {
    // A deployment must never serve offline answers by accident.
    env.problem('OPENAI_API_KEY', 'is required with NODE_ENV=production unless ASSISTANT_API=local is set explicitly');
    return undefined;
  }
  return 'local';
}

function parseConnection(env: EnvReader, apiKey: string): OpenAiConnection {
  const baseURL = env.optionalString('OPENAI_BASE_URL');
  if (baseURL !== undefined && !isHttpUrl(baseURL)) env.problem('OPENAI_BASE_URL', 'must be an http or https URL');
  return {
    apiKey,
    baseURL,
    timeoutMs: env.integer('OPENAI_TIMEOUT_MS', 60000, { min: 1, max: 3_600_000 }),
    maxRetries: env.integer('OPENAI_MAX_RETRIES', 2, { min: 0, max: 10 }),
  };
}

function parseResponsesSettings(env: EnvReader): ResponsesSettings {
  return {
    model: env.string('OPENAI_MODEL', DEFAULT_MODEL),
    instructions: env.optionalString('OPENAI_INSTRUCTIONS'),
    temperature: env.optionalNumber('OPENAI_TEMPERATURE', 0, 2),
    maxOutputTokens: env.optionalInteger('OPENAI_MAX_OUTPUT_TOKENS', { min: 16 }),
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export const openAiConfig = registerAs('openai', () => parseNamespace(process.env, parseOpenAiConfig));
