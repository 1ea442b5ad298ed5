import type { Compilable, CompiledQuery } from "kysely";

/** The placeholder for the `index`-th value of a template, typed as the column it stands in for. */
export function marker<T = unknown>(index: number): T {
  return index as T;
}

/**
 * A query compiled once by the active dialect's compiler and then run many times with fresh
 * values. Building and compiling the syntax tree of a 500-row INSERT costs more main-thread time
 * than SQLite's own insert of the rows; the SQL of a given shape never changes, only its values.
 */
export class QueryTemplate {
  readonly #compiled: CompiledQuery;
  /** For each parameter, the index of the value it binds; undefined when that is the identity. */
  readonly #order: number[] | undefined;
  /** How many values each use binds. */
  readonly size: number;

  /**
   * `query` is built with the markers 0 … size−1 in place of its values (each used once), so the
   * compiled parameters tell where each value goes whatever order the dialect puts them in.
   */
  constructor(query: Compilable, size: number) {
    const compiled = query.compile();
    const order = compiled.parameters.map(Number);
    const seen = new Set(order);
    if (order.length !== size || seen.size !== size || order.some((i) => !(i >= 0 && i < size))) {
      throw new Error(`a query template must bind each of its ${size} markers once as a parameter`);
    }
    this.#compiled = compiled;
    this.#order = order.every((v, i) => v === i) ? undefined : order;
    this.size = size;
  }

  /** The compiled query with `values` (in marker order) as its parameters. */
  bind(values: readonly unknown[]): CompiledQuery {
    if (values.length !== this.size) throw new Error(`expected ${this.size} values, got ${values.length}`);
    const order = this.#order;
    const parameters = order ? order.map((i) => values[i]) : values;
    return {
      query: this.#compiled.query,
      queryId: this.#compiled.queryId,
      sql: this.#compiled.sql,
      parameters,
    };
  }
}

/**
 * The templates of one store's fixed-shape queries, each built the first time it is asked for.
 * A store's hot path (a run's step records, its claim) is a handful of shapes run thousands of
 * times a second; building their syntax trees each time cost more than SQLite did running them.
 */
export class QueryTemplates<K extends string | number = string> {
  readonly #templates = new Map<K, QueryTemplate>();
  readonly #kept: number;

  /** `kept`: how many are held before they are dropped and built again (for keys without bound, such as a row count). */
  constructor(kept = Number.POSITIVE_INFINITY) {
    this.#kept = kept;
  }

  /** The template named `key`, built by `build` with markers 0 … size−1 the first time. */
  get(key: K, size: number, build: () => Compilable): QueryTemplate {
    let template = this.#templates.get(key);
    if (!template) {
      if (this.#templates.size >= this.#kept) this.#templates.clear();
      template = new QueryTemplate(build(), size);
      this.#templates.set(key, template);
    }
    return template;
  }
}
