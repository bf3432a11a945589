export { type BindingCheck, BINDING_BATCH, type MissingBinding, checkBindings, currentBindings } from './binding-check.js';
export {
  CELL_FLAGS,
  type CellFlag,
  type CompatibilityMatrix,
  type MatrixCell,
  type MatrixColumn,
  type MatrixInput,
  type MatrixNamespace,
  type MatrixRow,
  type MatrixService,
  type MatrixWarning,
  buildCompatibilityMatrix,
} from './compatibility-matrix.js';
export {
  type Duplicate,
  type EntityWithoutActive,
  type InvalidIdentifier,
  type MeasureResult,
  type NamespaceQuality,
  QUALITY_WEIGHTS,
  type QualityInput,
  type QualityMeasure,
  type UnsuccessfulRun,
  assessQuality,
} from './data-quality.js';
export { type AllDayEvent, type CalendarOptions, escapeText, foldLine, toICalendar } from './icalendar.js';
export { readManifests } from './manifest-files.js';
export {
  type CalendarEvent,
  type CalendarEventKind,
  type CalendarInput,
  type CalendarNamespace,
  type IdentifierChange,
  type MigrationCalendar,
  buildMigrationCalendar,
  identifierChanges,
} from './migration-calendar.js';
export { type NamespaceSchemes, type SchemeTimeline, readNamespaceRows, readSchemeTimelines, schemeTimelines, selectNamespaces } from './registry-facts.js';
export { type CalendarIcsOptions, calendarIcs, calendarMarkdown } from './render-calendar.js';
export { matrixHtml, matrixMarkdown } from './render-matrix.js';
export { DEFAULT_LISTED_ITEMS, qualityMarkdown } from './render-quality.js';
export { MANIFEST_VERSION, type NamespaceSupport, type ServiceManifest, parseServiceManifest } from './service-manifest.js';
export { type CalendarReportOptions, type ReportSources, type MatrixReportOptions, type QualityReportOptions, gatherCalendar, gatherMatrix, gatherQuality } from './gather.js';
