/** How deeply nested JSON input may be: far beyond any real alert or playbook input. */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests arrays or objects more than `max` deep (walked with a stack, never recursion). */
export function nestedDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}
