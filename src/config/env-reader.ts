import { ConfigValidationError } from './config-validation.error';

export type Environment = Record<string, string | undefined>;

interface IntegerRule {
  min?: number;
  max?: number;
}

/**
 * Reads typed values out of an environment and collects every problem instead of
 * stopping at the first, so one failed boot reports all bad variables at once.
 * Messages name the variable and the rule, never the value: values can be secrets.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Environment) {}

  /** The trimmed value, or undefined when unset or blank. */
  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  integer(name: string, fallback: number, rule: IntegerRule = {}): number {
    return this.optionalInteger(name, rule) ?? fallback;
  }

  optionalInteger(name: string, { min = 1, max = Number.MAX_SAFE_INTEGER }: IntegerRule = {}): number | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const value = /^[+-]?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(name, describeRange(min, max));
      return undefined;
    }
    return value;
  }

  optionalNumber(name: string, min: number, max: number): number | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problem(name, `must be a number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  /** One of `choices`, matched case-insensitively, after `aliases` are applied. */
  optionalChoice<T extends string>(
    name: string,
    choices: readonly T[],
    aliases: Readonly<Record<string, T>> = {},
  ): T | undefined {
    const raw = this.optionalString(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    const value = aliases[raw] ?? raw;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.problem(name, `must be one of ${choices.join(', ')}`);
    return undefined;
  }

  problem(name: string, rule: string): void {
    this.problems.push(`${name} ${rule}`);
  }

  assertValid(): void {
    if (this.problems.length > 0) throw new ConfigValidationError(this.problems);
  }
}

function describeRange(min: number, max: number): string {
  if (max !== Number.MAX_SAFE_INTEGER) return `must be an integer from ${min} to ${max}`;
  return min === 1 ? 'must be a positive integer' : `must be an integer of at least ${min}`;
}
