import { registerAs } from '@nestjs/config';
import type { EnvReader } from './env-reader';
import { DEFAULT_MODEL } from './openai.config';
import { parseNamespace } from './read-namespace';

const MODEL_NAME = /^[A-Za-z0-9._:/-]{1,128}$/;

/** What a client may choose per request. */
export interface ModelsConfig {
  /** Models a request may name; the configured model is the default choice. */
  allowed: readonly string[];
}

export function parseModelsConfig(env: EnvReader): ModelsConfig {
  const configured = env.string('OPENAI_MODEL', DEFAULT_MODEL);
  const raw = env.optionalString('OPENAI_ALLOWED_MODELS');
  if (raw === undefined) return { allowed: [configured] };
  const allowed = [...new Set(raw.split(',').map((name) => name.trim()).filter((name) => name.length > 0))];
  if (allowed.length === 0 || !allowed.every((name) => MODEL_NAME.test(name))) {
    env.problem('OPENAI_ALLOWED_MODELS', 'must be a comma-separated list of model names');
  }
  return { allowed };
}

export const modelsConfig = registerAs('models', () => parseNamespace(process.env, parseModelsConfig));
