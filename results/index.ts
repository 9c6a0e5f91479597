// The result contract (DESIGN.md layout: results/): what fixtures/ and reporters/ both import.
export * from './result.ts';
export * from './messages.ts';
export * from './thresholds.ts';
export { blankVerdict, type BlankVerdict, type ImageStats } from './screenshot-facts.ts';
