// The JSON API of `sensorlake serve` (docs/web.md): one fetch helper that turns a 4xx/5xx
// answer into an Error carrying the server's message. T is the route's type from
// api-types.ts, the checked mirror of the server's JSON.
import type { ApiError } from "./api-types";

export async function api<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = await res.text();
  if (!res.ok) {
    let msg = body;
    try { msg = (JSON.parse(body) as Partial<ApiError>).error ?? body; } catch { /* not JSON */ }
    throw new Error(`${res.status}: ${msg}`);
  }
  return JSON.parse(body) as T;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c);
  return el;
}

export function fmtNum(n: number): string {
  return n.toLocaleString("en-US");
}

export function errorBox(e: unknown): HTMLElement {
  return h("div", { class: "error" }, String(e instanceof Error ? e.message : e));
}
