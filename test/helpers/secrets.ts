/**
 * Every piece of text reachable from `value` that an application could print or serialize:
 * an error's message, stack, own fields and whole `cause` chain; an object's fields at any
 * depth (cycles cut). For "this secret appears nowhere" assertions.
 */
export function reachableText(value: unknown, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return value === undefined ? [] : [String(value)];
  seen.add(value);
  const out: string[] = [];
  if (value instanceof Error) out.push(value.name, value.message, value.stack ?? '', ...reachableText(value.cause, seen));
  for (const key of Object.keys(value)) out.push(key, ...reachableText((value as Record<string, unknown>)[key], seen));
  return out;
}
