// Bun.serve's `error` option for both planes: whatever escapes a plane's app and guard (a bug, a
// throw inside a stream's start) is answered with a JSON 500 in the generic shape, never Bun's
// HTML page with the stack, and logged with its stack for the operator.
import { type Logger, logError } from "../log.ts";

export function serverErrorHandler(log: Logger): (error: Error) => Response {
  return (error) => {
    logError(log, `unhandled error answered as 500: ${error?.stack ?? String(error)}`);
    return Response.json(
      { error: { type: "internal", message: "internal error", code: "internal", status: 500 } },
      { status: 500 },
    );
  };
}
