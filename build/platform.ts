import type { Plugin } from 'esbuild';

/** esbuild plugin for browser builds: every `platform/*.node.js` import becomes its `.browser.ts` twin. */
export const browserPlatform: Plugin = {
  name: 'steadystream-browser-platform',
  setup(build) {
    build.onResolve({ filter: /\/platform\/[\w-]+\.node\.js$/ }, (args) => ({
      path: new URL(args.path.replace(/\.node\.js$/, '.browser.ts'), `file://${args.resolveDir}/`).pathname,
    }));
  },
};
