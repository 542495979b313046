/**
 * The one escaping function for everything the renderer writes into HTML itself: text and attribute
 * values (always written in double quotes), hrefs included. It is the escaping Handlebars applies to
 * what the templates write, so both halves of the page follow one rule. A URL from user
 * input is also checked for its scheme (safeHref), since escaping alone does not stop `javascript:`.
 */
import Handlebars from 'handlebars';

/** Handlebars' own escaping (& < > " ' ` =), less the `=`, which HTML does not need (templates.ts does the same). */
export function escapeHtml(text: string): string {
  return Handlebars.Utils.escapeExpression(text).replaceAll('&#x3D;', '=');
}

/** `name="value"` with the value escaped. */
export function attribute(name: string, value: string): string {
  return `${name}="${escapeHtml(value)}"`;
}

/** Only web links (http, https) and in-page anchors are written as links; anything else is not a link. */
export function safeHref(url: string): string | null {
  return /^(?:https?:\/\/|#)/i.test(url) ? url : null;
}
