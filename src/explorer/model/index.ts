/**
 * The explorer's model, DOM-free: sessions (a demo scenario played back, the live sandbox, a
 * capture, a recorded round-trip demo), the URL state, and the bounds a URL may ask for.
 */
export * from './types.js';
export { ScenarioSession, type ScenarioError } from './scenario.js';
export { linkProfile, SandboxSession, type SandboxStatus } from './sandbox.js';
export { CaptureSession, type CaptureError } from './capture.js';
export { RECORDED_NOTE, RecordedSession, type RecordedDemo, type RecordedError } from './recorded.js';
export { StaticSession } from './static.js';
export { decodeAction, decodePageState, encodeAction, encodePageState, type UrlError } from './url.js';
export { checkLinkSettings, DEFAULT_LINK_SETTINGS, LIMITS, LINK_RANGES } from './limits.js';
