// Compiled by the browser lane under lib ES2022 + DOM, without @types/node, against the packed package.
import { StreamClient, jsonProtocol, type Subscription } from 'steadystream';
import { createViews, type View } from 'steadystream/render';

const client = new StreamClient({ url: 'wss://example.test/stream', protocol: jsonProtocol(), WebSocket: WebSocket });
const sub: Subscription = client.subscribe<{ p: number }>('ticker', (d) => void d.p);
sub[Symbol.dispose]();
const done: PromiseLike<void> = client[Symbol.asyncDispose]();
void done;
// The default (the page's WebSocket) needs no option at all.
void new StreamClient({ url: 'wss://example.test/stream' });
// The render part attaches to a root-entry client without a cast (one ATTACH_VIEWS type across entries).
const tile: View = createViews(client).view('tile', { topic: 'ticker', select: (d: { p: number }) => ({ p: d.p }), render: (s) => `${s.p}`, onRender: () => {} });
void tile;
