/** Running packetdrill scripts against synack: the parser, the runner, and a runner for many files. */
export * from './ast.js';
export { parseScript, packetSpecText, scriptOptionsText, type ParseOptions } from './parse.js';
export { preprocess, parseDefine, type Defines } from './preprocess.js';
export { runScript, runScriptText, scriptDefines, wrapperIpVersion, type RunOptions, type ScriptResult, type Verdict } from './runner.js';
export type { Mode, Relaxation } from './packets.js';
export { runShell } from './shell.js';
export { applySysctl, defaultHostSettings, freebsdWindowScale } from './sysctl.js';
export { PERSONALITIES, PERSONALITY_NAMES, isPersonalityName, type Personality, type PersonalityName } from './personality.js';
