// The Anthropic Messages surface: its request shape in, its response, stream and error shapes
// out.

import { anthropicErrorBody } from "../../wire/anthropic/error-body.ts";
import type { ClientSurface } from "../surface.ts";
import { parseAnthropicRequest } from "./parse-request.ts";
import { renderAnthropicResponse } from "./render-response.ts";
import { renderAnthropicStream } from "./render-stream.ts";

export const anthropicSurface: ClientSurface = {
  shape: "anthropic",
  parseRequest: parseAnthropicRequest,
  renderResponse: renderAnthropicResponse,
  renderStream: renderAnthropicStream,
  renderError: anthropicErrorBody,
};
