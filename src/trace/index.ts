/**
 * synack/trace: structured events from a simulated network into ladder diagrams (text, Mermaid,
 * SVG) and JSON; traces from a pcap; the demo scenarios and the lab they run on.
 */
export {
  endpointText,
  flagNames,
  isSegment,
  isState,
  type CwndEvent,
  type DropEvent,
  type NoteEvent,
  type SegmentEvent,
  type StateEvent,
  type TcpOptionsJson,
  type TimerEvent,
  type Trace,
  type TraceEvent,
  type TraceHost,
} from './model.js';
export { TraceCollector, type CollectorOptions } from './collector.js';
export type { LabelOptions } from './label.js';
export { renderText, type TextOptions } from './text.js';
export { renderMermaid } from './mermaid.js';
export { renderSvg } from './svg.js';
export { renderJson } from './json.js';
export { CaptureTracer, tracesFromCapture, type CaptureTracerOptions, type CaptureTraces } from './capture.js';
export { DEMO_TCP, Lab, EthernetLab, type ScenarioLab, type CraftedSegment, type LabOptions, type Lang, type Text } from './lab.js';
export { findScenario, PART_GAP_MS, SCENARIOS, type Scenario, type ScenarioOptions, type ScenarioResult } from './scenarios.js';
export { TlsRecordTracker, tlsRecordDescriber } from './tls-records.js';
export { connectionName, countersView, listenerView, stackViews, tcbView, type ListenerView, type TcbView } from './tcb-view.js';
export { inspectPacket, type PacketField, type PacketInspection } from './inspect.js';
export { RelativeNumbers, RetransmissionMarker } from './analyze.js';
// The attacker's spoofed SYN (the syn-flood scenario's, the explorer's flood).
export { spoofedSyn } from '../workloads/flood.js';
