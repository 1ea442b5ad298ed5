import { Type } from "@sinclair/typebox";
import { obj } from "../schemas.ts";
import { irisOp } from "./define.ts";

/** Reachability and API compatibility. */
export const apiOperations = [
  irisOp({
    name: "ping",
    title: "Ping the server",
    description: "Check that IRIS answers and accepts the API key.",
    method: "GET",
    path: "/api/ping",
    cid: "optional",
    output: Type.Unknown(),
  }),
  irisOp({
    name: "getApiVersions",
    title: "Get the API versions",
    description: "The IRIS release and the API versions it serves.",
    method: "GET",
    path: "/api/versions",
    cid: "optional",
    output: obj({ iris_current: Type.String(), api_min: Type.String(), api_current: Type.String() }),
  }),
];
