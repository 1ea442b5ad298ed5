import { RE2JS } from "re2js";

// Compiled patterns by source and flags: JSONata builds a regex engine per evaluation of a literal.
const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 1_000;

/** The RE2 form of a JSONata regex literal; throws (RE2JSSyntaxException) for what RE2 cannot run in linear time. */
export function compileLinear(regex: RegExp): RE2JS {
  const key = `${regex.flags}/${regex.source}`;
  let compiled = cache.get(key);
  if (compiled === undefined) {
    compiled = RE2JS.compile(RE2JS.translateRegExp(regex));
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, compiled);
  }
  return compiled;
}

/**
 * The regex engine JSONata is given (its `RegexEngine` option): the `exec`/`lastIndex` surface of a
 * global RegExp over RE2, whose matching time is linear in the input, so no pattern can backtrack
 * for minutes (`/(a+)+$/` on a long line of a's).
 */
export class LinearRegExp {
  lastIndex = 0;
  readonly #pattern: RE2JS;

  constructor(regex: RegExp) {
    this.#pattern = compileLinear(regex);
  }

  exec(input: string): (RegExpExecArray & { index: number }) | null {
    if (this.lastIndex > input.length) {
      this.lastIndex = 0;
      return null;
    }
    const matcher = this.#pattern.matcher(input);
    if (!matcher.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: Array<string | undefined> = [];
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined);
    const result = Object.assign(groups, { index: matcher.start(), input }) as unknown as RegExpExecArray;
    this.lastIndex = matcher.end();
    return result;
  }
}
