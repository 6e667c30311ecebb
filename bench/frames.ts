/** The text of the bench's data frames, shared by the server process and the in-process bench. */

/** `SYM00` … `SYM99`: the topic names of the dispatch bench. */
export function topicName(i: number): string {
  return `SYM${String(i).padStart(2, '0')}`;
}

/** Message `i` of a stream over `topics` topics: its topic, per-topic seq and data body. */
export function tickFields(i: number, topics: number): { topic: string; seq: number; body: string } {
  const topic = topicName(i % topics);
  const seq = Math.floor(i / topics) + 1;
  const price = (100 + ((i * 7919) % 9973) / 100).toFixed(2);
  const size = 100 + ((i * 31) % 900);
  const chg = (((i * 13) % 400) / 100 - 2).toFixed(2);
  const body = `{"price":${price},"size":${size},"ts":${1_718_000_000_000 + i},"chg":${chg}}`;
  return { topic, seq, body };
}

/** jsonProtocol data frame `i` (~104 bytes). */
export function jsonFrameText(i: number, topics: number): string {
  const t = tickFields(i, topics);
  return `{"op":"data","topic":"${t.topic}","seq":${t.seq},"data":${t.body}}`;
}

/** graphql-transport-ws `next` frame `i`, over the operation ids in subscribe order (~146 bytes). */
export function gqlFrameText(i: number, ids: readonly string[], topicOfId: readonly string[]): string {
  const topics = ids.length;
  const t = tickFields(i, topics);
  const k = i % topics;
  const data = `{"tick":{"topic":"${topicOfId[k]}","seq":${t.seq},"data":${t.body}}}`;
  return `{"id":${JSON.stringify(ids[k])},"type":"next","payload":{"data":${data}}}`;
}
