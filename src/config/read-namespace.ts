import { EnvReader, type Environment } from './env-reader';

/** Parses one config namespace and throws, naming every bad variable, if it does not parse. */
export function parseNamespace<T>(env: Environment, parse: (reader: EnvReader) => T): T {
  const reader = new EnvReader(env);
  const config = parse(reader);
  reader.assertValid();
  return config;
}
