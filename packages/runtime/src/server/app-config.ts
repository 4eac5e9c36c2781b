/**
 * App configuration: merge the config file and --set values, coerce strings by the schema, validate with zod and
 * name the bad key in the message.
 */
import { z } from 'zod';
import { serverErrors } from './errors.js';

export type RawConfig = Record<string, unknown>;

/**
 * Config keys the runtime reads for every app, beside the app's own schema (an app that declares one of them gets the
 * value too): `outbound_proxy` is the outbound proxy of that app's legs ('sip:HOST:PORT;lr', see --outbound-proxy).
 */
export const RUNTIME_APP_KEYS = ['outbound_proxy'] as const;

/** The top-level keys an object schema declares, or undefined when the schema is not a plain object. */
export function configKeys(schema: z.ZodType): string[] | undefined {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : undefined;
}

/** 'key: description' for every key of an object schema (the documented defaults). */
export function describeConfig(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  return Object.entries(shape).map(([k, s]) => `${k}: ${s.description ?? '(no description)'}`);
}

/**
 * Turn a --set string into the value the schema wants: kept as a string when the key's schema accepts a string,
 * else parsed as JSON (numbers, booleans, arrays), else left as the string (zod then names the problem).
 */
export function coerceSetValue(schema: z.ZodType, key: string, raw: string): unknown {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  const field = shape?.[key];
  if (field && field.safeParse(raw).success) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Parse 'key=value' / 'app.key=value'. */
export function parseSet(option: string): { app?: string; key: string; value: string } {
  const eq = option.indexOf('=');
  if (eq <= 0) throw serverErrors.badOption('--set', `expected key=value, got '${option}'`);
  const left = option.slice(0, eq).trim();
  const value = option.slice(eq + 1);
  const dot = left.indexOf('.');
  return dot > 0 ? { app: left.slice(0, dot), key: left.slice(dot + 1), value } : { key: left, value };
}

/** Validate; on failure a ServerError 'CONFIG_INVALID' naming every bad key and listing the documented keys. */
export function validateConfig<T extends z.ZodType>(app: string, schema: T, raw: RawConfig): z.output<T> {
  const keys = configKeys(schema);
  const problems: string[] = [];
  if (keys) {
    for (const k of Object.keys(raw)) if (!keys.includes(k)) problems.push(`'${k}': unknown key (keys: ${keys.join(', ')})`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path.length ? issue.path.map(String).join('.') : '(config)';
      problems.push(`'${key}': ${issue.message}`);
    }
  }
  if (problems.length) {
    const docs = describeConfig(schema);
    throw serverErrors.configInvalid(app, docs.length ? [...problems, 'documented keys:', ...docs.map((d) => `  ${d}`)] : problems);
  }
  return (result as { data: z.output<T> }).data;
}
