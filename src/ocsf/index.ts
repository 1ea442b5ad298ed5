export * from "./bundle.ts";
export * from "./detection-finding.ts";
export * from "./enums.ts";
export * from "./event-stream.ts";
export * from "./parse.ts";
export * from "./validator.ts";
export * from "./values.ts";
