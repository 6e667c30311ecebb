// steadystream/render: views and the render cache (with lru-cache), attached to a client by createViews.
export { createViews } from '../render/views.js';
export type { ViewsAttachable } from '../render/views.js';
export type { Views, MakeViews } from '../render/views-slot.js';
export { View } from '../render/view.js';
export type { ViewOptions, RenderState, RenderInfo, DataSource } from '../render/view-options.js';
export type { PrecisionMap, PrecisionRule } from '../render/precision.js';
