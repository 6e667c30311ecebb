/**
 * Server text (an error message, a rejection) bounded for an error or a log record. It is cut at
 * a whitespace, never inside a word: a secret the server echoes (a token, an approval key) must
 * reach the redactor whole, since a cut piece of it cannot be scrubbed by value. A single word
 * longer than the bound is described by its length.
 */
export function boundedText(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max + 1);
  const at = head.search(/\s\S*$/);
  return at < 0 ? `(a ${text.length}-character message)` : `${head.slice(0, at).trimEnd()}…`;
}
