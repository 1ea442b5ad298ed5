import { readFileSync } from "node:fs";

/** One attribute of a compiled class or object, with the bundle's abbreviated keys. */
export interface BundleAttribute {
  /** type name: a `types` key, or `object_t` */
  t: string;
  /** object name when `t` is `object_t` */
  o?: string;
  /** 1 when the attribute is an array */
  a?: 1;
  r?: "required" | "recommended" | "optional";
  /** profiles the attribute belongs to; it counts only when one of them is declared */
  p?: string[];
  /** enum: value → caption */
  e?: Record<string, string>;
  /** sibling attribute that holds the enum caption */
  s?: string;
  /** deprecation note */
  d?: string;
  /** deprecated enum values: value → note */
  ed?: Record<string, string>;
  /** observable type id this attribute has in this class or object */
  ob?: number;
}

export interface BundleConstraints {
  at_least_one?: string[];
  just_one?: string[];
}

export interface BundleObject {
  name: string;
  caption: string;
  attrs: Record<string, BundleAttribute>;
  constraints?: BundleConstraints;
  profiles?: string[];
  deprecated?: string;
  observable?: number;
  extension?: string;
}

export interface BundleClass extends BundleObject {
  uid: number;
  category: string;
  category_uid: number;
}

export interface BundleType {
  caption: string;
  base?: string;
  regex?: string;
  max_len?: number;
  range?: [number, number];
  values?: unknown[];
  observable?: number;
}

/** The compiled OCSF schema Rampart carries in `schema/` (see schema/NOTICE.md). */
export interface OcsfBundle {
  bundle_format: number;
  schema: { name: string; version: string; source: string; commit: string; license: string };
  types: Record<string, BundleType>;
  dictionary: Record<string, { t: string; o?: string; a?: 1 }>;
  categories: Record<string, { name: string; caption: string }>;
  profiles: Record<string, string>;
  classes: Record<string, BundleClass>;
  objects: Record<string, BundleObject>;
}

export const DEFAULT_BUNDLE_URL = new URL("./schema/ocsf-1.8.0.bundle.json", import.meta.url);

/** Reads and sanity-checks a compiled bundle (the shipped OCSF 1.8.0 one by default). */
export function loadOcsfBundle(file: string | URL = DEFAULT_BUNDLE_URL): OcsfBundle {
  const bundle = JSON.parse(readFileSync(file, "utf8")) as OcsfBundle;
  if (bundle?.bundle_format !== 1 || !bundle.classes || !bundle.objects || !bundle.types) {
    throw new Error(`${String(file)} is not an OCSF schema bundle (format 1)`);
  }
  return bundle;
}
