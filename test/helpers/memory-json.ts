import type { MemoryPeer } from '../../src/testing/memory.js';

export interface JsonPeerBehaviour {
  /** Answer to an auth frame. @default 'ok' */
  auth?: (token: string) => 'ok' | 'expired' | 'invalid' | 'ignore';
  /** Answer subscribes. @default true */
  ack?: boolean;
}

/** Makes a memory peer speak the server side of jsonProtocol (enough for unit tests). */
export function speakJson(peer: MemoryPeer, behaviour: JsonPeerBehaviour = {}): void {
  peer.onFrame = (frame) => {
    const m = JSON.parse(String(frame)) as { op: string; token?: string; topic?: string; t?: unknown };
    if (m.op === 'auth') {
      const verdict = behaviour.auth?.(m.token ?? '') ?? 'ok';
      if (verdict === 'ok') peer.send(JSON.stringify({ op: 'auth_ok' }));
      else if (verdict !== 'ignore') peer.send(JSON.stringify({ op: 'auth_error', code: verdict }));
    } else if (m.op === 'subscribe' && (behaviour.ack ?? true)) {
      peer.send(JSON.stringify({ op: 'subscribed', topic: m.topic }));
    } else if (m.op === 'unsubscribe') {
      peer.send(JSON.stringify({ op: 'unsubscribed', topic: m.topic }));
    } else if (m.op === 'ping') {
      peer.send(JSON.stringify({ op: 'pong', t: m.t }));
    }
  };
}
