import type { RunEvent } from "../engine/executor.ts";

/** A run or step event, stamped with when it happened: what the live stream sends. */
export type StampedRunEvent = RunEvent & { at: string };

/** The engine's events fanned out to any number of listeners (the API's live streams, metrics). */
export class RunEventBus {
  readonly #listeners = new Set<(event: StampedRunEvent) => void>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: StampedRunEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  readonly emit = (event: RunEvent): void => {
    const stamped = { ...event, at: new Date().toISOString() } as StampedRunEvent;
    for (const listener of this.#listeners) {
      try {
        listener(stamped);
      } catch {
        // A listener that throws (a closed stream) never stops the engine or the other listeners.
      }
    }
  };
}
