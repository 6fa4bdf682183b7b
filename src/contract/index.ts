/**
 * The public API's contract: every request and response shape as a TypeBox schema, and the
 * types derived from them. The server validates and serialises with these schemas; a client
 * (browser or Node) can import this module alone: it depends on nothing but TypeBox.
 */
export * from './admin.js';
export * from './errors.js';
export * from './health.js';
export * from './paths.js';
export * from './sidebar.js';
export * from './stream.js';
