import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
} from "@xyflow/react";
import { useMemo } from "react";
import type { PlaybookGraph } from "../api/types.ts";
import { layoutGraph } from "./layout.ts";

/** A short mark for each step kind, shown before the step's title. */
const KIND_ICON: Record<string, string> = {
  call: "⇄",
  condition: "◇",
  script: "ƒ",
  transform: "⟲",
  foreach: "↻",
  playbook: "▣",
  wait: "⏱",
  approval: "✋",
  end: "■",
};

/** Below this zoom step titles cannot be read: a graph that would need less opens at its start instead. */
const READABLE_ZOOM = 0.6;
/** Room left between the graph and its frame's top. */
const EDGE_PX = 24;

type StepData = { label: string; stepType: string; start: boolean; status?: string };

function StepNode({ data, id }: NodeProps<Node<StepData>>) {
  return (
    <div
      className={`flow-step kind-${data.stepType}${data.status ? ` status-${data.status}` : ""}`}
      data-step={id}
      data-status={data.status ?? "not-run"}
      title={`${id} (${data.stepType})${data.status ? `: ${data.status}` : ""}`}
    >
      <Handle type="target" position={Position.Top} />
      <span className="flow-icon" aria-hidden="true">
        {KIND_ICON[data.stepType] ?? "•"}
      </span>
      <span className="flow-label">
        {data.label}
        <small>
          {data.stepType}
          {data.start ? " · start" : ""}
          {data.status ? ` · ${data.status}` : ""}
        </small>
      </span>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

function GroupNode({ data }: NodeProps<Node<{ label: string }>>) {
  return <div className="flow-group-label">{data.label}</div>;
}

const nodeTypes = { step: StepNode, group: GroupNode };

/**
 * A playbook drawn as a graph: steps with their kind, labelled edges (success, failure, a
 * condition's branches), foreach bodies as groups; with statuses, each step coloured by its own.
 */
export function FlowGraph(props: {
  graph: PlaybookGraph;
  statuses?: ReadonlyMap<string, string>;
  selected?: string;
  onSelect?: (stepId: string) => void;
  height?: number;
}) {
  const laid = useMemo(() => layoutGraph(props.graph), [props.graph]);
  const nodes: Node[] = laid.nodes.map((n) => ({
    id: n.id,
    type: n.kind,
    position: { x: n.x, y: n.y },
    parentId: n.parent,
    extent: n.parent ? "parent" : undefined,
    draggable: false,
    selectable: n.kind === "step",
    selected: n.id === props.selected,
    className: n.kind === "group" ? "flow-group" : undefined,
    style: { width: n.width, height: n.height },
    data: { label: n.label, stepType: n.stepType, start: n.start, status: props.statuses?.get(n.id) },
  }));
  const edges: Edge[] = laid.edges.map((e) => ({
    id: e.id,
    source: e.from,
    target: e.to,
    // A condition's `when` can be long: the edge shows its start, the whole is in the YAML.
    label: e.label.length > 36 ? `${e.label.slice(0, 35)}…` : e.label,
    className: `edge-${e.kind}`,
    markerEnd: { type: MarkerType.ArrowClosed },
    animated: props.statuses?.get(e.from) === "running",
  }));
  const height = props.height ?? Math.min(720, Math.max(260, ...laid.nodes.map((n) => n.y + n.height + 40)));
  return (
    <div className="flow" style={{ height }} role="img" aria-label="Playbook graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onInit={(flow) => {
          // The whole graph when it fits at a readable zoom; a taller one opens at its start, to pan down.
          void flow.fitView({ minZoom: READABLE_ZOOM, maxZoom: 1 }).then(() => {
            const { x, zoom } = flow.getViewport();
            const outer = laid.nodes.filter((n) => !n.parent);
            const top = Math.min(...outer.map((n) => n.y));
            const bottom = Math.max(...outer.map((n) => n.y + n.height));
            if ((bottom - top) * zoom + 2 * EDGE_PX > height)
              void flow.setViewport({ x, y: EDGE_PX - top * zoom, zoom });
          });
        }}
        nodesConnectable={false}
        nodesDraggable={false}
        onNodeClick={(_event, node) => {
          if (node.type === "step") props.onSelect?.(node.id);
        }}
        minZoom={0.2}
      >
        <Background gap={16} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
