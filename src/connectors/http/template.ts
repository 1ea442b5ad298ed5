import type { Config } from "../sdk/index.ts";
import { ValidationError } from "../sdk/index.ts";

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The `{name}` placeholders of a template, in order of appearance. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/**
 * A template with each `{field}` replaced by that connection config value as written (not
 * URL-encoded; a value followed by "/" loses its own trailing slashes, so `{url}/api` works with
 * `https://host/`); a field without a value is a ValidationError naming it.
 */
export function renderTemplate(template: string, config: Config, what: string): string {
  return template.replace(PLACEHOLDER, (match: string, key: string, offset: number) => {
    const value = config[key];
    if (value === undefined || value === null || value === "")
      throw new ValidationError(`config.${key} is required (${what} uses it)`, { field: key });
    const text = String(value);
    return template[offset + match.length] === "/" ? text.replace(/\/+$/, "") : text;
  });
}

/** Like renderTemplate, but undefined (nothing to send) when a field it uses has no value. */
export function renderOptional(template: string, config: Config): string | undefined {
  const missing = placeholders(template).some((key) => {
    const value = config[key];
    return value === undefined || value === null || value === "";
  });
  return missing ? undefined : renderTemplate(template, config, "");
}
