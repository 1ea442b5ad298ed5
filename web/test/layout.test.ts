import { describe, expect, test } from "vitest";
import type { PlaybookGraph } from "../src/api/types.ts";
import { groupId, layoutGraph } from "../src/graph/layout.ts";
import { nodeIdOfKey, nodeStatuses } from "../src/graph/status.ts";

// The shape GET /playbooks/{name} gives: a condition, a foreach with two inner steps, an end.
const GRAPH: PlaybookGraph = {
  nodes: [
    { id: "read", type: "call", title: "Read the incident", start: true },
    { id: "known", type: "condition" },
    { id: "each", type: "foreach" },
    { id: "each/lookup", type: "call", parent: "each", start: true },
    { id: "each/note", type: "transform", parent: "each" },
    { id: "done", type: "end" },
  ],
  edges: [
    { from: "read", to: "known", label: "success" },
    { from: "read", to: "done", label: "failure" },
    { from: "known", to: "each", label: "steps.read.output.ip != null" },
    { from: "known", to: "done", label: "otherwise" },
    { from: "each", to: "each/lookup", label: "body" },
    { from: "each/lookup", to: "each/note", label: "success" },
    { from: "each", to: "done", label: "success" },
  ],
};

describe("the graph layout of a playbook", () => {
  const { nodes, edges } = layoutGraph(GRAPH);
  const byId = new Map(nodes.map((n) => [n.id, n]));

  test("every step is a node, a foreach body is a group holding its steps, parents come first", () => {
    expect(nodes.filter((n) => n.kind === "step").map((n) => n.id)).toEqual(GRAPH.nodes.map((n) => n.id));
    const group = byId.get(groupId("each"))!;
    expect(group.kind).toBe("group");
    expect(byId.get("each/lookup")!.parent).toBe(groupId("each"));
    expect(byId.get("each/note")!.parent).toBe(groupId("each"));
    expect(byId.get("read")!.parent).toBeUndefined();
    expect(nodes.findIndex((n) => n.id === group.id)).toBeLessThan(
      nodes.findIndex((n) => n.id === "each/lookup"),
    );
    expect(byId.get("read")!.label).toBe("Read the incident");
    expect(byId.get("known")!.label).toBe("known");
    expect(byId.get("read")!.start).toBe(true);
  });

  test("inner steps lie inside their group's box (positions relative to it)", () => {
    const group = byId.get(groupId("each"))!;
    for (const id of ["each/lookup", "each/note"]) {
      const n = byId.get(id)!;
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(group.width + 0.5);
      expect(n.y + n.height).toBeLessThanOrEqual(group.height + 0.5);
    }
  });

  test("top to bottom: each edge's target is below its source, labels and kinds kept", () => {
    const abs = (id: string): number => {
      const n = byId.get(id)!;
      return n.y + (n.parent ? abs(n.parent) : 0);
    };
    expect(abs("known")).toBeGreaterThan(abs("read"));
    expect(abs("each/note")).toBeGreaterThan(abs("each/lookup"));
    expect(abs("done")).toBeGreaterThan(abs("each"));
    expect(edges.map((e) => [e.label, e.kind])).toEqual([
      ["success", "success"],
      ["failure", "failure"],
      ["steps.read.output.ip != null", "branch"],
      ["otherwise", "otherwise"],
      ["body", "body"],
      ["success", "success"],
      ["success", "success"],
    ]);
  });

  test("an edge to a step the graph does not hold is left out rather than drawn to nowhere", () => {
    const laid = layoutGraph({
      nodes: GRAPH.nodes,
      edges: [...GRAPH.edges, { from: "read", to: "gone", label: "x" }],
    });
    expect(laid.edges).toHaveLength(GRAPH.edges.length);
  });
});

describe("step statuses on the graph", () => {
  const known = new Set(GRAPH.nodes.map((n) => n.id).concat("sub"));
  test("attempt keys map to node ids: foreach items, retried foreach, sub-playbook steps", () => {
    expect(nodeIdOfKey("read", known)).toBe("read");
    expect(nodeIdOfKey("each[3].lookup", known)).toBe("each/lookup");
    expect(nodeIdOfKey("each@2[0].note", known)).toBe("each/note");
    expect(nodeIdOfKey("sub/inner", known)).toBe("sub");
    expect(nodeIdOfKey("nothing", known)).toBeUndefined();
  });

  test("a node takes its latest attempt, and the most telling status over foreach items", () => {
    const step = (key: string, status: string, attempt = 1) => ({
      key,
      step_id: key,
      type: "call",
      attempt,
      status,
      input: null,
      output: null,
      error: null,
      http_status: null,
      warnings: null,
      started_at: "2026-01-01T00:00:00Z",
      finished_at: null,
    });
    const statuses = nodeStatuses(
      [
        step("read", "failed", 1),
        step("read", "succeeded", 2),
        step("each[0].lookup", "succeeded"),
        step("each[1].lookup", "failed"),
        step("each[2].lookup", "running"),
        step("each[0].note", "waiting"),
      ],
      known,
    );
    expect(Object.fromEntries(statuses)).toEqual({
      read: "succeeded",
      "each/lookup": "failed",
      "each/note": "waiting",
    });
  });
});
