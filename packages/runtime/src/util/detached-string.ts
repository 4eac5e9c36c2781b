/**
 * A copy of `s` that shares no memory with the text it was cut from.
 *
 * V8 represents `text.slice(…)` and `a + b` as views on their source strings, so a short id cut from a SIP message
 * and kept in a long-lived Set or Map keeps the whole message alive. Keys kept beyond the message's life go through
 * this. A JSON round trip copies any string exactly, lone surrogates included.
 */
export function detachedString(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
