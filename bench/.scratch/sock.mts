import { startServer } from '../util.ts';
import { dispatchKinds, runOnce } from '../dispatch.ts';
import * as lib from '../../dist/index.js';
const server = await startServer();
const n = Number(process.env.N ?? 400000);
await server.prebuild(100, n);
const { kinds } = dispatchKinds({ ...lib, source: 'dist' } as any);
const pick = (process.env.K ?? 'raw-ws,steadystream').split(',');
const ks = kinds.filter((k) => pick.includes(k.id));
for (let r = 0; r < 4; r++) for (const k of ks) { const res = await runOnce(k, server, n, 100, 60000); if (r > 0) console.log(k.id, 'cpu ns/msg', Math.round(res.cpuUsPerMsg * 1000), 'kmsg/s', Math.round(res.msgsPerSec / 1000)); }
await server.close();
process.exit(0);
