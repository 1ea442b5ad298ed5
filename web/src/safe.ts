/**
 * Vendor data is attacker-controlled: a link from it is followed only when it is plain http(s).
 * Returns the URL to put in `href`, or undefined (then it is shown as text only).
 */
export function safeHref(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}
