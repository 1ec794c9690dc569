// The OpenAI Chat Completions surface: its request shape in, its response, stream and error
// shapes out.

import { openAiErrorBody } from "../../wire/openai/error-body.ts";
import type { ClientSurface } from "../surface.ts";
import { parseOpenAiChatRequest } from "./parse-request.ts";
import { renderOpenAiResponse } from "./render-response.ts";
import { renderOpenAiStream } from "./render-stream.ts";

export const openAiSurface: ClientSurface = {
  shape: "openai",
  parseRequest: parseOpenAiChatRequest,
  renderResponse: renderOpenAiResponse,
  renderStream: renderOpenAiStream,
  renderError: openAiErrorBody,
};
