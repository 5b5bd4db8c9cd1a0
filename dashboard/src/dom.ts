// Building DOM nodes without markup: every string becomes a text node or an
// attribute value, so nothing a key's name holds can ever be parsed as HTML.
// (No innerHTML anywhere in the dashboard.)

type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | boolean | undefined>;

const SVG_NS = 'http://www.w3.org/2000/svg';

function applyAttributes(node: Element, attributes: Attributes): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : value);
  }
}

function append(node: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** An HTML element with attributes and children (strings are text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  applyAttributes(node, attributes);
  append(node, children);
  return node;
}

/** An SVG element, created in the SVG namespace. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  applyAttributes(node, attributes);
  append(node, children);
  return node;
}

/** The element with this id, of the expected type; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`index.html has no ${type.name} #${id}`);
  return node;
}

/** Set a message (or clear it with ''): shown only when there is one. */
export function setMessage(node: HTMLElement, text: string): void {
  node.textContent = text;
  node.hidden = text === '';
}
