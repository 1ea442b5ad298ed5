import { Graph, layout } from "@dagrejs/dagre";
import type { PlaybookGraph } from "../api/types.ts";

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 54;
const GROUP_PADDING = 24;

/** A positioned box: a step, or the group holding a foreach's body. Positions are relative to `parent`. */
export interface LaidNode {
  id: string;
  kind: "step" | "group";
  /** The step's type (call, condition, foreach, playbook, …); "group" for a group. */
  stepType: string;
  label: string;
  start: boolean;
  parent?: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidEdge {
  id: string;
  from: string;
  to: string;
  label: string;
  /** success, failure, otherwise, body, or branch (a condition's `when`). */
  kind: "success" | "failure" | "otherwise" | "body" | "branch";
}

export const groupId = (foreach: string) => `group:${foreach}`;

function edgeKind(label: string): LaidEdge["kind"] {
  return label === "success" || label === "failure" || label === "otherwise" || label === "body"
    ? label
    : "branch";
}

/**
 * Lays out a playbook's graph top to bottom with dagre: every step a box, every foreach body a
 * group box around its steps (nested foreach bodies nest), edges keep their labels.
 */
export function layoutGraph(graph: PlaybookGraph): { nodes: LaidNode[]; edges: LaidEdge[] } {
  const g = new Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 60, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(graph.nodes.map((n) => n.id));
  const groups = new Set(graph.nodes.filter((n) => n.parent && known.has(n.parent)).map((n) => n.parent!));
  for (const foreach of groups) g.setNode(groupId(foreach), { paddingTop: GROUP_PADDING });
  for (const node of graph.nodes) {
    g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    if (node.parent && groups.has(node.parent)) g.setParent(node.id, groupId(node.parent));
  }
  // A foreach inside another's body: its group sits inside the outer group.
  for (const foreach of groups) {
    const parent = graph.nodes.find((n) => n.id === foreach)?.parent;
    if (parent && groups.has(parent)) g.setParent(groupId(foreach), groupId(parent));
  }
  const edges: LaidEdge[] = [];
  graph.edges.forEach((edge, index) => {
    if (!known.has(edge.from) || !known.has(edge.to)) return;
    const id = `e${index}:${edge.from}->${edge.to}`;
    g.setEdge(
      edge.from,
      edge.to,
      { label: edge.label, width: Math.min(edge.label.length * 7, 160), height: 16 },
      id,
    );
    edges.push({ id, from: edge.from, to: edge.to, label: edge.label, kind: edgeKind(edge.label) });
  });
  layout(g);

  // dagre gives centres in one coordinate space; React Flow wants top-left corners, relative to the parent.
  const absolute = new Map<string, { x: number; y: number; width: number; height: number }>();
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    absolute.set(id, { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height });
  }
  const nodes: LaidNode[] = [];
  const place = (id: string, parent: string | undefined) => {
    const box = absolute.get(id)!;
    const origin = parent ? absolute.get(parent)! : { x: 0, y: 0 };
    return { x: box.x - origin.x, y: box.y - origin.y, width: box.width, height: box.height };
  };
  // Parents before children, as React Flow needs.
  const depth = (foreach: string): number => {
    const parent = graph.nodes.find((n) => n.id === foreach)?.parent;
    return parent && groups.has(parent) ? depth(parent) + 1 : 0;
  };
  for (const foreach of [...groups].sort((a, b) => depth(a) - depth(b))) {
    const outer = graph.nodes.find((n) => n.id === foreach)?.parent;
    const parent = outer && groups.has(outer) ? groupId(outer) : undefined;
    nodes.push({
      id: groupId(foreach),
      kind: "group",
      stepType: "group",
      label: `for each (${foreach.split("/").at(-1)})`,
      start: false,
      parent,
      ...place(groupId(foreach), parent),
    });
  }
  for (const node of graph.nodes) {
    const parent = node.parent && groups.has(node.parent) ? groupId(node.parent) : undefined;
    nodes.push({
      id: node.id,
      kind: "step",
      stepType: node.type,
      label: node.title ?? node.id.split("/").at(-1)!,
      start: node.start === true,
      parent,
      ...place(node.id, parent),
    });
  }
  return { nodes, edges };
}
