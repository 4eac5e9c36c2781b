/** Shared inputs for the flow unit tests: config as the schema fills it, and fake lookups. */
import type { CalleeRow } from '@sipflow/lookup';
import { LookupError } from '@sipflow/lookup';
import { configSchema, type QuizConfig } from '../src/config.js';
import type { QuizResources } from '../src/resources.js';

export function quizConfig(overrides: Partial<QuizConfig> = {}): QuizConfig {
  return { ...configSchema.parse({}), ...overrides };
}

export const demoRows: CalleeRow[] = [
  { id: 1, callee: 'john', pin: '12345' },
  { id: 2, callee: 'anna', pin: '54321' },
];

/** Resources whose lookup answers `found` (or rejects with it), recording the users asked for. */
export function fakeResources(found: CalleeRow[] | LookupError | Error): QuizResources & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: undefined as never,
    async calleesFor(user: string) {
      asked.push(user);
      if (found instanceof Error) throw found;
      return found;
    },
    async close() {},
  };
}

export const dbDown = () => new LookupError('LOOKUP_CONNECT', 'cannot connect to mysql://u:***@127.0.0.1:1/q: ECONNREFUSED');
export const queryFailed = () => new LookupError('LOOKUP_QUERY', 'query failed on sqlite:x: no such table: callees');
