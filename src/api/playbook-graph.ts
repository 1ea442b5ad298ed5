import type { PlaybookFile } from "../engine/playbook-schema.ts";

export interface GraphNode {
  id: string;
  type: string;
  title?: string;
  /** The foreach step whose body holds this step. */
  parent?: string;
  start?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** `success`, `failure`, `otherwise`, a condition's `when`, or `body` (a foreach to its first step). */
  label: string;
}

type StepLike = Record<string, unknown> & { type: string; title?: string };

/** A playbook's steps as nodes and labelled edges, for drawing it (ids inside a foreach are `loop/inner`). */
export function playbookGraph(definition: PlaybookFile): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const walk = (steps: Record<string, unknown>, start: string, prefix: string, parent?: string) => {
    const id = (step: string) => `${prefix}${step}`;
    for (const [key, raw] of Object.entries(steps)) {
      const step = raw as StepLike;
      nodes.push({
        id: id(key),
        type: step.type,
        title: step.title,
        parent,
        ...(key === start ? { start: true } : {}),
      });
      if (typeof step.on_success === "string")
        edges.push({ from: id(key), to: id(step.on_success), label: "success" });
      if (typeof step.on_failure === "string")
        edges.push({ from: id(key), to: id(step.on_failure), label: "failure" });
      if (step.type === "condition") {
        for (const branch of (step.branches as Array<{ when: string; next: string }>) ?? [])
          edges.push({ from: id(key), to: id(branch.next), label: branch.when });
        if (typeof step.otherwise === "string")
          edges.push({ from: id(key), to: id(step.otherwise), label: "otherwise" });
      }
      if (step.type === "foreach" && step.steps && typeof step.start === "string") {
        const inner = `${id(key)}/`;
        edges.push({ from: id(key), to: `${inner}${step.start}`, label: "body" });
        walk(step.steps as Record<string, unknown>, step.start, inner, id(key));
      }
    }
  };
  walk(definition.steps as Record<string, unknown>, definition.start, "");
  return { nodes, edges };
}
