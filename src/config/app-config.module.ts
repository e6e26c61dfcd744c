import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { appConfig, parseAppConfig } from './app.config';
import { authConfig, parseAuthConfig } from './auth.config';
import { EnvReader, type Environment } from './env-reader';
import { jobsConfig, parseJobsConfig } from './jobs.config';
import { loggingConfig, parseLoggingConfig } from './logging.config';
import { metricsConfig, parseMetricsConfig } from './metrics.config';
import { modelsConfig, parseModelsConfig } from './models.config';
import { openAiConfig, parseOpenAiConfig } from './openai.config';
import { parseRedisConfig, type RedisConfig, redisConfig } from './redis.config';
import { parseStoresConfig, type StoresConfig, storesConfig } from './stores.config';
import { parseThrottleConfig, throttleConfig } from './throttle.config';
import { parseWebhooksConfig, webhooksConfig } from './webhooks.config';

export interface AppConfigOptions {
  /** Read `.env` from the working directory (real runs); tests pass false to stay hermetic. */
  readEnvFile: boolean;
}

/** Runs every namespace's parser over one environment so that a boot failure lists all problems. */
export function validateEnvironment(env: Environment): Environment {
  const reader = new EnvReader(env);
  parseAppConfig(reader);
  parseOpenAiConfig(reader);
  parseThrottleConfig(reader);
  const stores = parseStoresConfig(reader);
  parseLoggingConfig(reader);
  parseMetricsConfig(reader);
  parseModelsConfig(reader);
  parseAuthConfig(reader);
  const redis = parseRedisConfig(reader);
  checkSharedStorage(reader, stores, redis);
  parseJobsConfig(reader);
  parseWebhooksConfig(reader);
  reader.assertValid();
  return env;
}

/**
 * Setting REDIS_URL says "several replicas share this service", but the JSON files and SQLite belong to one process:
 * replicas on them would each keep their own log and thread map and give one user several conversations.
 */
function checkSharedStorage(reader: EnvReader, stores: StoresConfig, redis: RedisConfig): void {
  if (redis.mode === 'redis' && stores.kind !== 'postgres') {
    const storage = stores.kind === 'json' ? 'the JSON files' : 'a SQLite file';
    reader.problem(
      'REDIS_URL',
      `is set for replicas, but the storage is ${storage}, which only one process can use; set DATABASE_URL to a postgres:// URL, or unset REDIS_URL`,
    );
  }
}

/** Only the stores namespace: what the store tools (db:migrate, log:export, log:import) need. */
export function validateStoresEnvironment(env: Environment): Environment {
  const reader = new EnvReader(env);
  parseStoresConfig(reader);
  reader.assertValid();
  return env;
}

@Module({})
export class AppConfigModule {
  static forRoot({ readEnvFile }: AppConfigOptions): Promise<DynamicModule> {
    return ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: !readEnvFile,
      validate: validateEnvironment,
      load: [appConfig, openAiConfig, throttleConfig, storesConfig, loggingConfig, metricsConfig, modelsConfig, authConfig, redisConfig, jobsConfig, webhooksConfig],
    });
  }

  /** The stores configuration alone, for the store tools: they run without an assistant or HTTP settings. */
  static forStores({ readEnvFile }: AppConfigOptions): Promise<DynamicModule> {
    return ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: !readEnvFile, validate: validateStoresEnvironment, load: [storesConfig] });
  }
}
