/**
 * Every message between the extension host and the training worker, declared once.
 *
 * Each message is a namespace holding its literal method name and its typed `RequestType`,
 * `NotificationType` or `ProgressType`; both sides import this module, so a method name, a
 * parameter or a result type is written in exactly one place. The worker also answers the
 * language-server protocol's own initialize / shutdown / exit (vscode-languageserver does that).
 *
 * Only plain JSON crosses the wire: images travel as base64-encoded raw pixel buffers with their
 * shape and element type (`PixelBuffer`), never as files.
 *
 * This module must stay free of `vscode` and of tfjs: it is imported by the host, the worker and
 * (later) the webview.
 *
 * The declarations live in ./worker/, one file per area; this module re-exports them all, so every
 * importer uses this one path.
 */
export * from './worker/shapes';
export * from './worker/status';
export * from './worker/runs';
export * from './worker/inspect';
export * from './worker/notifications';
export * from './worker/pixels';
export * from './worker/runsUi';
