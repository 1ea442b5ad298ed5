import { Type } from "@sinclair/typebox";
import { type Connector, defineConnector } from "../sdk/index.ts";
import { AuthBlock, connectionAuth } from "./connection-auth.ts";
import { requestOperation } from "./request-operation.ts";

/** The generic HTTP connector: any HTTP API reached through a saved connection, with the SDK's policies. */
export const httpConnector: Connector = defineConnector({
  name: "http",
  title: "HTTP",
  description:
    "Any HTTP API: a saved base URL, TLS, default headers, auth and rate limit, and one operation (request) with JSON, form, multipart or raw bodies, expected statuses and pagination.",
  connection: Type.Object(
    {
      url: Type.String({
        format: "uri",
        pattern: "^https?://",
        description: "Base URL every request path is relative to, e.g. https://api.example.com/v2",
      }),
      headers: Type.Optional(
        Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String(), {
          description: "Headers sent with every request (not secret: put credentials in auth)",
        }),
      ),
      allowed_origins: Type.Optional(
        Type.Array(
          Type.String({
            format: "uri",
            pattern: "^https?://[^/?#]+/?$",
            description: "scheme://host[:port]",
          }),
          {
            description:
              "Origins besides the URL's own that absolute request URLs and next links may go to, with this connection's credentials",
          },
        ),
      ),
      auth: Type.Optional(AuthBlock),
    },
    { additionalProperties: false },
  ),
  baseUrl: (config) => String(config.url),
  auth: connectionAuth,
  allowedOrigins: (config) => (config.allowed_origins as string[] | undefined) ?? [],
  operations: [requestOperation],
});
