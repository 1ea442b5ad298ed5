import { isIP } from "node:net";
import {
  type BundleAttribute,
  type BundleClass,
  type BundleObject,
  loadOcsfBundle,
  type OcsfBundle,
} from "./bundle.ts";

/** One finding about an event: where (`$.a.b[0]`), a stable code, and a sentence for people. */
export interface OcsfProblem {
  path: string;
  code: string;
  message: string;
}

export interface OcsfValidation {
  /** true when there are no errors; warnings never make an event invalid */
  valid: boolean;
  errors: OcsfProblem[];
  warnings: OcsfProblem[];
}

export interface OcsfValidatorOptions {
  /** unknown attributes, undeclared-profile attributes and pattern mismatches become errors */
  strict?: boolean;
  /** also warn about missing "recommended" attributes */
  recommended?: boolean;
  /** a bundle already loaded; the shipped OCSF 1.8.0 bundle otherwise */
  bundle?: OcsfBundle;
}

export interface OcsfValidator {
  /** the schema version of the bundle, e.g. "1.8.0" */
  readonly version: string;
  validate(event: unknown): OcsfValidation;
}

type Primitive = "string" | "integer" | "float" | "boolean" | "json";

/** A dictionary type with its chain (`port_t` → `integer_t`) folded into one record. */
interface ResolvedType {
  name: string;
  caption: string;
  primitive: Primitive;
  regex?: RegExp;
  maxLen?: number;
  range?: [number, number];
  observable?: number;
  timestamp: boolean;
  ip: boolean;
  subnet: boolean;
}

const ROOTS: Record<string, Primitive> = {
  string_t: "string",
  integer_t: "integer",
  long_t: "integer",
  float_t: "float",
  boolean_t: "boolean",
  json_t: "json",
};

/** Checked on their own (type_uid, category_uid) or used to pick the class (class_uid): no enum error, only the caption check. */
const CLASS_KEYS = new Set(["class_uid", "category_uid", "type_uid"]);

/** Epoch-millisecond timestamps of real events sit between these (1973 and 5138). */
const MS_MIN = 1e11;
const MS_MAX = 1e14;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;

interface Run {
  profiles: Set<string>;
  errors: OcsfProblem[];
  warnings: OcsfProblem[];
}

interface Step {
  key: string;
  index?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const member = (path: string, key: string) =>
  IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

const describe = (value: unknown): string => {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
};

function isCidr(value: string): boolean {
  const slash = value.indexOf("/");
  if (slash < 0) return false;
  const family = isIP(value.slice(0, slash));
  const bits = value.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** -1, 0 or 1 as `a` is older than, equal to or newer than `b` (both parsed by VERSION). */
function compareVersions(a: RegExpExecArray, b: RegExpExecArray): number {
  for (let i = 1; i <= 3; i++) {
    const d = Number(a[i]) - Number(b[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (a[4] === b[4]) return 0;
  if (a[4] === undefined) return 1;
  if (b[4] === undefined) return -1;
  return a[4] < b[4] ? -1 : 1;
}

/** Builds a validator over one loaded bundle; reuse it for every event. */
export function createOcsfValidator(options: OcsfValidatorOptions = {}): OcsfValidator {
  const bundle = options.bundle ?? loadOcsfBundle();
  const strict = options.strict === true;
  const recommended = options.recommended === true;
  const version = bundle.schema.version;
  const bundleVersion = VERSION.exec(version);
  const resolvedTypes = new Map<string, ResolvedType | undefined>();

  function resolveType(name: string): ResolvedType | undefined {
    if (resolvedTypes.has(name)) return resolvedTypes.get(name);
    let resolved: ResolvedType | undefined;
    const chain: string[] = [];
    for (let current: string | undefined = name; current && !chain.includes(current); ) {
      chain.push(current);
      current = bundle.types[current]?.base;
    }
    const root = ROOTS[chain[chain.length - 1]!];
    if (root && bundle.types[name]) {
      resolved = {
        name,
        caption: bundle.types[name].caption,
        primitive: root,
        timestamp: chain.includes("timestamp_t"),
        ip: chain.includes("ip_t"),
        subnet: chain.includes("subnet_t"),
      };
      // The most specific definition along the chain wins.
      for (const link of chain) {
        const t = bundle.types[link]!;
        if (t.regex !== undefined && resolved.regex === undefined) resolved.regex = new RegExp(t.regex);
        if (t.max_len !== undefined && resolved.maxLen === undefined) resolved.maxLen = t.max_len;
        if (t.range !== undefined && resolved.range === undefined) resolved.range = t.range;
        if (t.observable !== undefined && resolved.observable === undefined)
          resolved.observable = t.observable;
      }
    }
    resolvedTypes.set(name, resolved);
    return resolved;
  }

  const error = (run: Run, path: string, code: string, message: string) =>
    run.errors.push({ path, code, message });
  const warning = (run: Run, path: string, code: string, message: string) =>
    run.warnings.push({ path, code, message });
  /** Problems that strict mode turns into errors. */
  const doubtful = (run: Run, path: string, code: string, message: string) =>
    (strict ? run.errors : run.warnings).push({ path, code, message });

  const inDeclaredProfile = (attr: BundleAttribute, run: Run) =>
    attr.p === undefined || attr.p.some((p) => run.profiles.has(p));

  function checkObject(
    def: BundleObject,
    value: Record<string, unknown>,
    path: string,
    run: Run,
    isClass: boolean,
  ) {
    if (def.deprecated && !isClass)
      warning(run, path, "object_deprecated", `${def.caption} is deprecated: ${def.deprecated}`);
    for (const name in def.attrs) {
      const attr = def.attrs[name]!;
      if (value[name] !== undefined) continue;
      if (!inDeclaredProfile(attr, run)) continue;
      if (attr.r === "required") {
        error(
          run,
          member(path, name),
          "attribute_required_missing",
          `required attribute "${name}" of ${def.caption} is missing`,
        );
      } else if (recommended && attr.r === "recommended") {
        warning(
          run,
          member(path, name),
          "attribute_recommended_missing",
          `recommended attribute "${name}" of ${def.caption} is missing`,
        );
      }
    }
    for (const key of Object.keys(value)) {
      const child = value[key];
      if (child === undefined) continue;
      const at = member(path, key);
      const attr = Object.hasOwn(def.attrs, key) ? def.attrs[key] : undefined;
      if (!attr) {
        const known = Object.hasOwn(bundle.dictionary, key)
          ? "an OCSF dictionary attribute, but not one of"
          : "not an OCSF attribute, nor one of";
        doubtful(run, at, "attribute_unknown", `"${key}" is ${known} ${def.caption}`);
        continue;
      }
      if (!inDeclaredProfile(attr, run)) {
        doubtful(
          run,
          at,
          "attribute_profile_not_declared",
          `"${key}" belongs to profile ${attr.p!.join(" or ")}, which metadata.profiles does not declare`,
        );
      }
      if (attr.d) warning(run, at, "attribute_deprecated", `"${key}" is deprecated: ${attr.d}`);
      checkAttribute(attr, key, child, at, path, value, run, isClass && CLASS_KEYS.has(key));
    }
    const constraints = def.constraints;
    if (constraints?.at_least_one) {
      const names = constraints.at_least_one;
      if (!names.some((n) => value[n] !== undefined && value[n] !== null)) {
        error(run, path, "constraint_failed", `${def.caption} needs at least one of ${names.join(", ")}`);
      }
    }
    if (constraints?.just_one) {
      const names = constraints.just_one;
      const count = names.filter((n) => value[n] !== undefined && value[n] !== null).length;
      if (count !== 1) {
        error(
          run,
          path,
          "constraint_failed",
          `${def.caption} needs exactly one of ${names.join(", ")} (has ${count})`,
        );
      }
    }
  }

  /** json_t takes any JSON value, arrays included. */
  const isJsonType = (attr: BundleAttribute) =>
    attr.t !== "object_t" && resolveType(attr.t)?.primitive === "json";

  function checkAttribute(
    attr: BundleAttribute,
    key: string,
    value: unknown,
    at: string,
    parentPath: string,
    holder: Record<string, unknown>,
    run: Run,
    siblingOnly: boolean,
  ) {
    const expected = attr.t === "object_t" ? `object ${attr.o}` : (resolveType(attr.t)?.caption ?? attr.t);
    if (attr.a) {
      if (!Array.isArray(value)) {
        error(run, at, "attribute_wrong_type", `expected an array of ${expected}, got ${describe(value)}`);
        return;
      }
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const itemPath = `${at}[${i}]`;
        if (item === null || item === undefined) {
          error(run, itemPath, "attribute_wrong_type", `expected ${expected}, got null inside the array`);
          continue;
        }
        if (Array.isArray(item)) {
          error(run, itemPath, "attribute_wrong_type", `expected ${expected}, got an array inside the array`);
          continue;
        }
        checkSingle(attr, key, item, itemPath, parentPath, holder, run, siblingOnly, i);
      }
      return;
    }
    if (value === null || (Array.isArray(value) && !isJsonType(attr))) {
      error(run, at, "attribute_wrong_type", `expected ${expected}, got ${describe(value)}`);
      return;
    }
    checkSingle(attr, key, value, at, parentPath, holder, run, siblingOnly, undefined);
  }

  function checkSingle(
    attr: BundleAttribute,
    key: string,
    value: unknown,
    at: string,
    parentPath: string,
    holder: Record<string, unknown>,
    run: Run,
    siblingOnly: boolean,
    index: number | undefined,
  ) {
    if (attr.t === "object_t") {
      if (!isObject(value)) {
        error(run, at, "attribute_wrong_type", `expected object ${attr.o}, got ${describe(value)}`);
        return;
      }
      // `object` is OCSF's free-form object (unmapped, xattributes): any content.
      if (attr.o === "object") return;
      const def = attr.o === undefined ? undefined : bundle.objects[attr.o];
      if (def) checkObject(def, value, at, run, false);
      return;
    }
    const type = resolveType(attr.t);
    if (!type) {
      error(run, at, "attribute_type_unknown", `the schema gives "${key}" the unknown type ${attr.t}`);
      return;
    }
    if (!checkScalar(type, value, at, run)) return;
    if (attr.e) checkEnum(attr, key, value, at, parentPath, holder, run, index, siblingOnly);
  }

  /** Type, format and range of one scalar; false when the type is wrong. */
  function checkScalar(type: ResolvedType, value: unknown, at: string, run: Run): boolean {
    switch (type.primitive) {
      case "string": {
        if (typeof value !== "string") {
          error(run, at, "attribute_wrong_type", `expected ${type.caption} (string), got ${describe(value)}`);
          return false;
        }
        if (type.ip) {
          if (isIP(value) === 0)
            error(run, at, "attribute_format_invalid", `${JSON.stringify(value)} is not an IP address`);
        } else if (type.subnet) {
          if (!isCidr(value))
            error(run, at, "attribute_format_invalid", `${JSON.stringify(value)} is not a CIDR subnet`);
        } else if (type.regex && !type.regex.test(value)) {
          doubtful(
            run,
            at,
            "attribute_pattern_mismatch",
            `${JSON.stringify(value)} does not match the pattern of ${type.caption}`,
          );
        }
        if (type.maxLen !== undefined && value.length > type.maxLen) {
          error(
            run,
            at,
            "attribute_value_too_long",
            `${type.caption} is at most ${type.maxLen} characters, got ${value.length}`,
          );
        }
        return true;
      }
      case "integer": {
        if (typeof value !== "number" || !Number.isInteger(value)) {
          error(
            run,
            at,
            "attribute_wrong_type",
            `expected ${type.caption} (integer), got ${describe(value)}`,
          );
          return false;
        }
        if (type.range && (value < type.range[0] || value > type.range[1])) {
          error(
            run,
            at,
            "attribute_value_out_of_range",
            `${type.caption} must be within ${type.range[0]}..${type.range[1]}, got ${value}`,
          );
        }
        if (type.timestamp && value !== 0) {
          const size = Math.abs(value);
          if (size < MS_MIN)
            warning(
              run,
              at,
              "timestamp_suspicious",
              `${value} looks like seconds; OCSF timestamps are epoch milliseconds`,
            );
          else if (size >= MS_MAX)
            warning(
              run,
              at,
              "timestamp_suspicious",
              `${value} looks like micro- or nanoseconds; OCSF timestamps are epoch milliseconds`,
            );
        }
        return true;
      }
      case "float":
        if (typeof value !== "number" || !Number.isFinite(value)) {
          error(run, at, "attribute_wrong_type", `expected ${type.caption} (number), got ${describe(value)}`);
          return false;
        }
        return true;
      case "boolean":
        if (typeof value !== "boolean") {
          error(
            run,
            at,
            "attribute_wrong_type",
            `expected ${type.caption} (boolean), got ${describe(value)}`,
          );
          return false;
        }
        return true;
      case "json":
        return true;
    }
  }

  function checkEnum(
    attr: BundleAttribute,
    key: string,
    value: unknown,
    at: string,
    parentPath: string,
    holder: Record<string, unknown>,
    run: Run,
    index: number | undefined,
    siblingOnly: boolean,
  ) {
    const enumValues = attr.e!;
    const id = String(value);
    if (!Object.hasOwn(enumValues, id)) {
      if (siblingOnly) return;
      const allowed = Object.keys(enumValues);
      const list = allowed.length > 12 ? `${allowed.slice(0, 12).join(", ")}, …` : allowed.join(", ");
      error(
        run,
        at,
        "attribute_enum_value_unknown",
        `${JSON.stringify(value)} is not a value of "${key}" (${list})`,
      );
      return;
    }
    if (attr.ed?.[id])
      warning(run, at, "attribute_enum_value_deprecated", `${key} ${id} is deprecated: ${attr.ed[id]}`);
    // 99 "Other" carries the source's own caption in the sibling, by the OCSF rules.
    if (!attr.s || id === "99") return;
    const sibling = holder[attr.s];
    const caption = index === undefined ? sibling : Array.isArray(sibling) ? sibling[index] : undefined;
    if (caption === undefined || caption === enumValues[id]) return;
    const siblingPath =
      index === undefined ? member(parentPath, attr.s) : `${member(parentPath, attr.s)}[${index}]`;
    warning(
      run,
      siblingPath,
      "attribute_enum_sibling_incorrect",
      `${JSON.stringify(caption)} is not the caption of ${key} ${id} (${JSON.stringify(enumValues[id])})`,
    );
  }

  /** The attribute an observable name points at, and the steps to find its values in an event. */
  function resolvePath(
    cls: BundleClass,
    name: string,
  ): { attr?: BundleAttribute; steps: Step[] } | undefined {
    const steps: Step[] = [];
    let def: BundleObject | undefined = cls;
    let attr: BundleAttribute | undefined;
    for (const segment of name.split(".")) {
      const match = SEGMENT.exec(segment);
      if (!match) return undefined;
      const step: Step = { key: match[1]! };
      if (match[2] !== undefined) step.index = Number(match[2]);
      steps.push(step);
      if (def === undefined) {
        // Inside a free-form object every name resolves.
        if (attr === undefined) continue;
        return undefined;
      }
      attr = Object.hasOwn(def.attrs, step.key) ? def.attrs[step.key] : undefined;
      if (!attr || (step.index !== undefined && !attr.a)) return undefined;
      if (attr.t === "object_t") {
        def = attr.o === "object" ? undefined : bundle.objects[attr.o!];
        if (def === undefined) attr = undefined;
      } else {
        def = undefined;
      }
    }
    return { attr, steps };
  }

  function valuesAt(event: Record<string, unknown>, steps: Step[]): unknown[] {
    let current: unknown[] = [event];
    for (const step of steps) {
      const next: unknown[] = [];
      for (const holder of current) {
        if (!isObject(holder)) continue;
        const value = holder[step.key];
        if (value === undefined || value === null) continue;
        if (Array.isArray(value)) {
          if (step.index === undefined) next.push(...value);
          else if (value[step.index] !== undefined) next.push(value[step.index]);
        } else if (step.index === undefined) {
          next.push(value);
        }
      }
      current = next;
    }
    return current;
  }

  function checkObservables(cls: BundleClass, event: Record<string, unknown>, run: Run) {
    const observables = event.observables;
    if (!Array.isArray(observables)) return;
    observables.forEach((observable, i) => {
      if (!isObject(observable) || typeof observable.name !== "string") return;
      const at = `$.observables[${i}]`;
      const resolved = resolvePath(cls, observable.name);
      if (!resolved) {
        error(
          run,
          `${at}.name`,
          "observable_name_invalid_reference",
          `"${observable.name}" is not an attribute path of ${cls.caption}`,
        );
        return;
      }
      const found = valuesAt(event, resolved.steps);
      if (found.length === 0) {
        warning(
          run,
          `${at}.name`,
          "observable_not_in_event",
          `the event has no value at "${observable.name}"`,
        );
      } else if (
        typeof observable.value === "string" &&
        resolved.attr?.t !== "object_t" &&
        !found.some((v) => v !== null && typeof v !== "object" && String(v) === observable.value)
      ) {
        warning(
          run,
          `${at}.value`,
          "observable_value_mismatch",
          `the event's "${observable.name}" is not ${JSON.stringify(observable.value)}`,
        );
      }
      const attr = resolved.attr;
      if (!attr || typeof observable.type_id !== "number") return;
      const expected =
        attr.ob ??
        (attr.t === "object_t" ? bundle.objects[attr.o!]?.observable : resolveType(attr.t)?.observable);
      if (expected !== undefined && observable.type_id !== expected) {
        warning(
          run,
          `${at}.type_id`,
          "observable_type_id_mismatch",
          `"${observable.name}" is observable type ${expected}, not ${observable.type_id}`,
        );
      }
    });
  }

  function checkVersion(metadata: Record<string, unknown>, run: Run) {
    if (typeof metadata.version !== "string" || !bundleVersion) return;
    const at = "$.metadata.version";
    const parsed = VERSION.exec(metadata.version);
    if (!parsed) {
      error(run, at, "version_invalid", `${JSON.stringify(metadata.version)} is not a semantic version`);
      return;
    }
    const order = compareVersions(parsed, bundleVersion);
    if (order > 0) {
      error(
        run,
        at,
        "version_incompatible_later",
        `the event claims OCSF ${metadata.version}, newer than the schema (${version})`,
      );
    } else if (order < 0) {
      warning(
        run,
        at,
        "version_earlier",
        `the event claims OCSF ${metadata.version}; checked against ${version}`,
      );
    }
  }

  function validate(event: unknown): OcsfValidation {
    const run: Run = { profiles: new Set(), errors: [], warnings: [] };
    const done = () => ({ valid: run.errors.length === 0, errors: run.errors, warnings: run.warnings });
    if (!isObject(event)) {
      error(run, "$", "event_not_object", `an event is a JSON object, got ${describe(event)}`);
      return done();
    }
    const classUid = event.class_uid;
    if (classUid === undefined) {
      error(
        run,
        "$.class_uid",
        "attribute_required_missing",
        "class_uid is missing, so the class is unknown",
      );
      return done();
    }
    if (typeof classUid !== "number" || !Number.isInteger(classUid)) {
      error(
        run,
        "$.class_uid",
        "attribute_wrong_type",
        `expected an integer class_uid, got ${describe(classUid)}`,
      );
      return done();
    }
    const cls = bundle.classes[String(classUid)];
    if (!cls) {
      error(run, "$.class_uid", "class_uid_unknown", `class_uid ${classUid} is no class of OCSF ${version}`);
      return done();
    }
    if (cls.deprecated)
      warning(run, "$.class_uid", "class_deprecated", `${cls.caption} is deprecated: ${cls.deprecated}`);

    const metadata = isObject(event.metadata) ? event.metadata : undefined;
    if (metadata && Array.isArray(metadata.profiles)) {
      metadata.profiles.forEach((profile, i) => {
        if (typeof profile !== "string") return;
        if (!Object.hasOwn(bundle.profiles, profile)) {
          error(
            run,
            `$.metadata.profiles[${i}]`,
            "profile_unknown",
            `"${profile}" is no OCSF ${version} profile`,
          );
        } else {
          run.profiles.add(profile);
          if (!cls.profiles?.includes(profile)) {
            warning(
              run,
              `$.metadata.profiles[${i}]`,
              "profile_not_in_class",
              `profile "${profile}" does not apply to ${cls.caption}`,
            );
          }
        }
      });
    }

    checkObject(cls, event, "$", run, true);

    // Wrong types of these were reported by checkObject; only integers are compared here.
    const { activity_id: activityId, type_uid: typeUid, category_uid: categoryUid } = event;
    if (Number.isInteger(typeUid) && Number.isInteger(activityId)) {
      const expected = classUid * 100 + (activityId as number);
      if (typeUid !== expected) {
        error(
          run,
          "$.type_uid",
          "type_uid_incorrect",
          `type_uid must be class_uid * 100 + activity_id = ${expected}, got ${typeUid}`,
        );
      }
    }
    if (Number.isInteger(categoryUid) && categoryUid !== cls.category_uid) {
      error(
        run,
        "$.category_uid",
        "category_uid_mismatch",
        `${cls.caption} is in category ${cls.category_uid}, not ${categoryUid}`,
      );
    }
    if (metadata) checkVersion(metadata, run);
    checkObservables(cls, event, run);
    return done();
  }

  return { version, validate };
}
