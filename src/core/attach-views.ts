/**
 * Where `createViews` (steadystream/render) attaches to a client. A registered symbol, so a
 * second copy of the package (a CJS and an ESM build side by side) still finds it.
 * @internal
 */
export const ATTACH_VIEWS: unique symbol = Symbol.for('steadystream.attachViews') as never;
