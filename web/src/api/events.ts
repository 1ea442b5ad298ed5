import { useEffect, useRef } from "react";
import { API } from "./client.ts";

/**
 * Listens to one of the service's Server-Sent Event streams (the session cookie goes along) and
 * calls `onEvent` with each event's type and parsed data. The browser reconnects by itself.
 */
export function useEventStream(
  path: string | undefined,
  types: readonly string[],
  onEvent: (type: string, data: unknown) => void,
): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const typeKey = types.join(",");
  useEffect(() => {
    if (!path || typeof EventSource === "undefined") return;
    const source = new EventSource(`${API}${path}`, { withCredentials: true });
    const listeners = typeKey.split(",").map((type) => {
      const listener = (event: MessageEvent) => {
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        handler.current(type, data);
      };
      source.addEventListener(type, listener);
      return [type, listener] as const;
    });
    return () => {
      for (const [type, listener] of listeners) source.removeEventListener(type, listener);
      source.close();
    };
  }, [path, typeKey]);
}
