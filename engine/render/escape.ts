/**
 * The one escaping function for everything the renderer writes into HTML itself: text and attribute
 * values (always written in double quotes), hrefs included. Handlebars escapes what the templates
 * write; this escapes the same characters, so both halves of the page follow one rule. A URL from user
 * input is also checked for its scheme (safeHref), since escaping alone does not stop `javascript:`.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#x60;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

/** `name="value"` with the value escaped. */
export function attribute(name: string, value: string): string {
  return `${name}="${escapeHtml(value)}"`;
}

/** Only web links (http, https) and in-page anchors are written as links; anything else is not a link. */
export function safeHref(url: string): string | null {
  return /^(?:https?:\/\/|#)/i.test(url) ? url : null;
}
