import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  type RowSelectionState,
  type SortingState,
  useReactTable,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState } from "react";
import type { Alert } from "../api/types.ts";
import { AlertStatus, SeverityBadge } from "../components/bits.tsx";
import { when } from "../format.ts";
import { Link } from "../router.tsx";

const ROW_HEIGHT = 36;

function columns(selectable: boolean): ColumnDef<Alert>[] {
  const all: ColumnDef<Alert>[] = [
    {
      id: "select",
      enableSorting: false,
      header: ({ table }) => (
        <input
          type="checkbox"
          aria-label="Select every loaded alert"
          checked={table.getIsAllRowsSelected()}
          ref={(el) => {
            if (el) el.indeterminate = table.getIsSomeRowsSelected();
          }}
          onChange={table.getToggleAllRowsSelectedHandler()}
        />
      ),
      cell: ({ row }) => (
        <input
          type="checkbox"
          aria-label={`Select alert ${row.original.title}`}
          checked={row.getIsSelected()}
          onChange={row.getToggleSelectedHandler()}
        />
      ),
    },
    {
      id: "severity",
      header: "Severity",
      accessorFn: (a) => a.severity_id,
      cell: ({ row }) => <SeverityBadge id={row.original.severity_id} />,
      sortDescFirst: true,
    },
    { id: "time", header: "Time", accessorFn: (a) => a.time, cell: ({ row }) => when(row.original.time) },
    { id: "source", header: "Source", accessorFn: (a) => a.source },
    {
      id: "title",
      header: "Title",
      accessorFn: (a) => a.title,
      cell: ({ row }) => (
        <Link to={`/alerts/${encodeURIComponent(row.original.id)}`} className="alert-title">
          {row.original.title}
        </Link>
      ),
    },
    {
      id: "status",
      header: "Status",
      accessorFn: (a) => a.status_id,
      cell: ({ row }) => <AlertStatus id={row.original.status_id} />,
    },
    { id: "assignee", header: "Assignee", accessorFn: (a) => a.assignee ?? "" },
    {
      id: "observables",
      header: "Observables",
      enableSorting: false,
      accessorFn: (a) => a.observables.map((o) => o.value).join(" "),
      cell: ({ row }) => (
        <span className="observables">
          {row.original.observables.map((o) => (
            <span key={`${o.name}=${o.value}`} className="chip" title={`${o.name} (${o.type})`}>
              {o.value}
            </span>
          ))}
        </span>
      ),
    },
  ];
  return selectable ? all : all.slice(1);
}

export interface AlertTableProps {
  alerts: Alert[];
  selectable: boolean;
  selection: RowSelectionState;
  onSelectionChange: (selection: RowSelectionState) => void;
  /** Called when the last loaded rows scroll into view (load the next page). */
  onEndReached?: () => void;
  height?: number | string;
}

/**
 * The alerts as a table whose rows are virtualized (only those on screen are in the page), sortable
 * by any column over the loaded rows. Every value is rendered as text.
 */
export function AlertTable(props: AlertTableProps) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useReactTable({
    data: props.alerts,
    columns: columns(props.selectable),
    state: { sorting, rowSelection: props.selection },
    getRowId: (a) => a.id,
    enableRowSelection: props.selectable,
    onSortingChange: setSorting,
    onRowSelectionChange: (updater) =>
      props.onSelectionChange(typeof updater === "function" ? updater(props.selection) : updater),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  const rows = table.getRowModel().rows;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1200, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const last = items.at(-1)?.index ?? -1;
  const { onEndReached } = props;
  useEffect(() => {
    if (rows.length > 0 && last >= rows.length - 25) onEndReached?.();
  }, [last, rows.length, onEndReached]);

  const template = props.selectable ? "alert-grid selectable" : "alert-grid";
  return (
    <div className="table-scroll" ref={scroller} style={{ height: props.height ?? "calc(100vh - 270px)" }}>
      <table className="grid-table" aria-label="Alerts" aria-rowcount={rows.length + 1}>
        <thead className="thead">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} className={`${template} tr`}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                return (
                  <th
                    key={header.id}
                    className="th"
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                  >
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        className="sort"
                        onClick={header.column.getToggleSortingHandler()}
                      >
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true">
                          {sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}
                        </span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody className="tbody" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <tr
                key={row.id}
                aria-rowindex={item.index + 2}
                data-alert-id={row.original.id}
                className={`${template} tr${row.getIsSelected() ? " selected" : ""}`}
                style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={`td col-${cell.column.id}`}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
