/**
 * Where `createViews` (steadystream/render) attaches to a client. Here, not in render/, so the
 * client can name it without carrying render code. A registered symbol, so a second copy of the
 * package (a CJS and an ESM build side by side) still finds it.
 */
export const ATTACH_VIEWS: unique symbol = Symbol.for('steadystream.attachViews') as never;
