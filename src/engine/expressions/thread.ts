// The expression thread: evaluates one request at a time (see evaluator.ts) and answers each in
// order, so the parent always knows which evaluation is running and can stop it by force.
import { parentPort } from "node:worker_threads";
import { type EvaluationRequest, SoftEvaluator } from "./evaluator.ts";

const evaluator = await SoftEvaluator.create();
const queue: EvaluationRequest[] = [];
let draining = false;

async function drain(): Promise<void> {
  draining = true;
  for (let request = queue.shift(); request !== undefined; request = queue.shift()) {
    parentPort!.postMessage(await evaluator.handle(request));
  }
  draining = false;
}

parentPort!.on("message", (request: EvaluationRequest) => {
  queue.push(request);
  if (!draining) void drain();
});
parentPort!.postMessage({ ready: true });
