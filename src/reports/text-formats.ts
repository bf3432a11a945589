/** Escaping for the text formats the reports are written in. Pure. */

/** Text as one Markdown table cell: pipes and angle brackets (which would start HTML) escaped, line breaks as spaces, never empty. */
export function markdownCell(text: string): string {
  const flat = text.replace(/([\\|<>])/g, '\\$1').replace(/\r?\n|\r/g, ' ').trim();
  return flat === '' ? ' ' : flat;
}

/** A GitHub-flavoured Markdown table. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** Text as inline Markdown outside tables: the characters that would start markup escaped. */
export function markdownText(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1').replace(/\r?\n|\r/g, ' ');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe as HTML element content and as a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string);
}
