import type { CellFlag, CompatibilityMatrix, MatrixCell, MatrixColumn, MatrixService } from './compatibility-matrix.js';
import { day } from './compatibility-matrix.js';
import { escapeHtml, markdownTable, markdownText } from './text-formats.js';

/** The compatibility matrix as Markdown and as one self-contained HTML page. Pure. */

const FLAG_LABELS: Readonly<Record<CellFlag, string>> = {
  'deprecated-in-use': 'deprecated',
  'past-sunset-in-use': 'past sunset',
  'archived-in-use': 'archived',
  'declared-not-seen': 'never seen',
  'seen-not-declared': 'undeclared',
  'unknown-scheme': 'unknown scheme',
};

const LEGEND = [
  '**accepts / emits**: declared in the service’s manifest.',
  '**req**: requests seen in the window (of them, with a deprecated identifier); **last**: the latest report that counted one; **via**: the service whose shim saw the caller; **received**: what the service’s shim saw its callers send.',
  '⚠ **deprecated**: used while deprecated · **past sunset**: used after the sunset · **archived**: used after archiving · **never seen**: declared, not used in the window · **undeclared**: used, not in the manifest · **unknown scheme**: the registry has no such scheme.',
];

/** What a column's header says besides the scheme's name: its state, or null while active. */
function columnState(column: MatrixColumn): string | null {
  switch (column.state) {
    case 'active':
      return null;
    case 'deprecated':
      return `deprecated, sunset ${day(column.sunset)}${column.pastSunset ? ', passed' : ''}`;
    case 'archived':
      return `archived ${day(column.archivedAt)}`;
    case 'unknown':
      return 'unknown';
  }
}

function columnTitle(column: MatrixColumn): string {
  const state = columnState(column);
  return state === null ? column.scheme : `${column.scheme} (${state})`;
}

function declared(cell: MatrixCell): string | null {
  const parts = [cell.accepts ? 'accepts' : null, cell.emits ? 'emits' : null].filter((part) => part !== null);
  return parts.length === 0 ? null : parts.join(', ');
}

function observed(cell: MatrixCell): string | null {
  const parts: string[] = [];
  if (cell.requests > 0) {
    const deprecated = cell.deprecatedRequests > 0 ? ` (${cell.deprecatedRequests} deprecated)` : '';
    const via = cell.via.length > 0 ? ` via ${cell.via.join(', ')}` : '';
    parts.push(`${cell.requests} req${deprecated}, last ${day(cell.lastSeen)}${via}`);
  }
  if (cell.received > 0) parts.push(`received ${cell.received} req from callers, last ${day(cell.lastReceived)}`);
  return parts.length === 0 ? null : parts.join(' · ');
}

function cellText(cell: MatrixCell): string {
  const parts = [declared(cell), observed(cell), ...cell.flags.map((flag) => `⚠ ${FLAG_LABELS[flag]}`)].filter((part) => part !== null);
  return parts.length === 0 ? '—' : parts.join(' · ');
}

const SERVICE_HEADERS = ['service', 'version', 'owner', 'manifest', 'use seen', 'reports usage', 'limitations'];

function serviceRow(s: MatrixService): string[] {
  const yes = (flag: boolean): string => (flag ? 'yes' : 'no');
  return [s.service, s.version ?? '—', s.owner ?? '—', yes(s.manifest), yes(s.observed), yes(s.reporting), s.limitations.join('; ') || '—'];
}

function preamble(matrix: CompatibilityMatrix): string {
  const manifests = matrix.services.filter((service) => service.manifest).length;
  const window = matrix.window === null ? 'no usage read' : `observed use from ${matrix.window.from} to ${matrix.window.to}`;
  return `Sunsets judged as of ${day(matrix.at)}; ${window}; declared support from ${manifests} manifest(s).`;
}

export function matrixMarkdown(matrix: CompatibilityMatrix): string {
  const out: string[] = ['# Compatibility matrix', '', preamble(matrix), ''];
  for (const namespace of matrix.namespaces) {
    out.push(`## ${markdownText(namespace.namespace)}`, '');
    if (namespace.rows.length === 0) {
      out.push('No service declares or was seen using this namespace.', '');
    } else {
      out.push(markdownTable(['service', ...namespace.columns.map(columnTitle)], namespace.rows.map((row) => [row.service, ...row.cells.map(cellText)])), '');
    }
    if (namespace.limitations.length > 0) {
      out.push('Known limitations:', '', ...namespace.limitations.map(({ service, note }) => `- **${markdownText(service)}**: ${markdownText(note)}`), '');
    }
  }
  out.push('## Services', '');
  if (matrix.services.length === 0) {
    out.push('No manifest given and no usage reported.', '');
  } else {
    out.push(markdownTable(SERVICE_HEADERS, matrix.services.map(serviceRow)), '');
  }
  out.push('## Warnings', '');
  if (matrix.warnings.length === 0) out.push('None.', '');
  else out.push(...matrix.warnings.map((w) => `- ⚠ \`${w.code}\` ${markdownText(w.message)}`), '');
  out.push('---', '', ...LEGEND.map((line) => `${line}  `));
  return `${out.join('\n').trimEnd()}\n`;
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1b1f24;line-height:1.4}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #d0d7de;padding:0.35rem 0.6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.empty{color:#8c959f}.flag{display:inline-block;margin:0.1rem 0.2rem 0 0;padding:0 0.35rem;border-radius:0.3rem;background:#fff1c2;color:#6b4a00;font-size:0.85em}
.flag.past-sunset-in-use,.flag.archived-in-use{background:#ffd8d3;color:#82071e}.state{font-weight:normal;color:#57606a;font-size:0.85em}
.muted{color:#57606a}ul.warnings li{margin:0.2rem 0}`;

function htmlCell(cell: MatrixCell): string {
  const parts: string[] = [];
  const what = declared(cell);
  const seen = observed(cell);
  if (what !== null) parts.push(`<div>${escapeHtml(what)}</div>`);
  if (seen !== null) parts.push(`<div class="muted">${escapeHtml(seen)}</div>`);
  for (const flag of cell.flags) parts.push(`<span class="flag ${flag}" title="${escapeHtml(flag)}">⚠ ${escapeHtml(FLAG_LABELS[flag])}</span>`);
  return parts.length === 0 ? '<td class="empty">—</td>' : `<td>${parts.join('')}</td>`;
}

function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  return `<table><thead>${head}</thead><tbody>${rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** One HTML page with its own style and nothing fetched: every text from the registry, manifests or reports is escaped. */
export function matrixHtml(matrix: CompatibilityMatrix): string {
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Compatibility matrix</title>',
    `<style>${STYLE}</style></head>`,
    '<body>',
    '<h1>Compatibility matrix</h1>',
    `<p class="muted">${escapeHtml(preamble(matrix))}</p>`,
  ];
  for (const namespace of matrix.namespaces) {
    out.push(`<h2>${escapeHtml(namespace.namespace)}</h2>`);
    if (namespace.rows.length === 0) {
      out.push('<p class="muted">No service declares or was seen using this namespace.</p>');
    } else {
      const header = (column: MatrixColumn): string => {
        const state = columnState(column);
        return `<th>${escapeHtml(column.scheme)}${state === null ? '' : ` <span class="state">(${escapeHtml(state)})</span>`}</th>`;
      };
      const head = `<tr><th>service</th>${namespace.columns.map(header).join('')}</tr>`;
      const body = namespace.rows.map((row) => `<tr><th scope="row">${escapeHtml(row.service)}</th>${row.cells.map(htmlCell).join('')}</tr>`).join('\n');
      out.push(`<table><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`);
    }
    if (namespace.limitations.length > 0) {
      out.push('<p>Known limitations:</p><ul>', ...namespace.limitations.map(({ service, note }) => `<li><strong>${escapeHtml(service)}</strong>: ${escapeHtml(note)}</li>`), '</ul>');
    }
  }
  out.push('<h2>Services</h2>');
  if (matrix.services.length === 0) out.push('<p class="muted">No manifest given and no usage reported.</p>');
  else {
    out.push(htmlTable(SERVICE_HEADERS, matrix.services.map(serviceRow)));
  }
  out.push('<h2>Warnings</h2>');
  if (matrix.warnings.length === 0) out.push('<p>None.</p>');
  else out.push('<ul class="warnings">', ...matrix.warnings.map((w) => `<li><span class="flag ${escapeHtml(w.code)}">⚠ ${escapeHtml(w.code)}</span> ${escapeHtml(w.message)}</li>`), '</ul>');
  out.push('</body>', '</html>');
  return `${out.join('\n')}\n`;
}
