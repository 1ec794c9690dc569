// Anthropic's Files API (beta): POST /v1/files (multipart `file`), GET /v1/files, GET
// /v1/files/{id}, GET /v1/files/{id}/content, DELETE /v1/files/{id}, per tenant. A message may
// reference an uploaded file by `file_id` (file-references.ts). Unlike the real API, which lets
// only files made by its tools be downloaded, the simulator serves every file's content, so a
// gateway's download path can be exercised.
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import type { StoredFile } from "../../common/stored-files.ts";
import type { FormatRoute } from "../wire-format.ts";
import { anthropicErrorResponse } from "./errors.ts";
import { anthropicCaller, anthropicPage, segmentAfter } from "./files-api.ts";
import { isAnthropicRequest } from "./models.ts";

export function anthropicFileObject(file: StoredFile) {
  return {
    id: file.id,
    type: "file",
    filename: file.filename,
    mime_type: file.mimeType,
    size_bytes: file.bytes,
    created_at: new Date(file.createdAt * 1000).toISOString(),
    downloadable: true,
  };
}

const notFound = (id: string) => anthropicErrorResponse(404, `File not found: ${id}`);

export function anthropicFilesRoutes(state: SimulatorState): FormatRoute[] {
  const open = (request: Request) => {
    state.calls.record("anthropic", "", request, "", null);
    return anthropicCaller(request);
  };
  const ownFiles = (tenant: string) =>
    state.files.list(tenant).filter((file) => file.id.startsWith("file_"));
  return [
    {
      method: "POST",
      path: "/v1/files",
      // OpenAI serves the same paths: an anthropic-version header marks Anthropic\'s calls.
      recognizes: isAnthropicRequest,
      replayable: false,
      async handle(request) {
        const caller = open(request);
        if ("refusal" in caller) return caller.refusal;
        let form: Awaited<ReturnType<Request["formData"]>>;
        try {
          form = await request.formData();
        } catch {
          return anthropicErrorResponse(
            400,
            "The request must be multipart/form-data with a file.",
          );
        }
        const file = form.get("file");
        if (!(file instanceof Blob)) return anthropicErrorResponse(400, "file: Field required");
        const stored = await state.files.add(
          {
            id: randomId("file_011C", 20),
            tenant: caller.tenant,
            filename: file instanceof File && file.name ? file.name : "upload",
            purpose: null,
            mimeType: file.type || "application/octet-stream",
            createdAt: Math.floor(Date.now() / 1000),
          },
          file,
        );
        return jsonResponse(anthropicFileObject(stored));
      },
    },
    {
      method: "GET",
      path: "/v1/files",
      // OpenAI serves the same paths: an anthropic-version header marks Anthropic\'s calls.
      recognizes: isAnthropicRequest,
      handle(request) {
        const caller = open(request);
        if ("refusal" in caller) return caller.refusal;
        const page = anthropicPage(ownFiles(caller.tenant), new URL(request.url));
        return jsonResponse({ ...page, data: page.data.map(anthropicFileObject) });
      },
    },
    {
      method: "GET",
      path: "/v1/files/:id",
      // OpenAI serves the same paths: an anthropic-version header marks Anthropic\'s calls.
      recognizes: isAnthropicRequest,
      handle(request) {
        const caller = open(request);
        if ("refusal" in caller) return caller.refusal;
        const id = segmentAfter(request, "files");
        const file = state.files.get(caller.tenant, id);
        return file ? jsonResponse(anthropicFileObject(file)) : notFound(id);
      },
    },
    {
      method: "GET",
      path: "/v1/files/:id/content",
      // OpenAI serves the same paths: an anthropic-version header marks Anthropic\'s calls.
      recognizes: isAnthropicRequest,
      handle(request) {
        const caller = open(request);
        if ("refusal" in caller) return caller.refusal;
        const id = segmentAfter(request, "files");
        const file = state.files.get(caller.tenant, id);
        if (!file) return notFound(id);
        return new Response(Bun.file(file.path), { headers: { "content-type": file.mimeType } });
      },
    },
    {
      method: "DELETE",
      path: "/v1/files/:id",
      // OpenAI serves the same paths: an anthropic-version header marks Anthropic\'s calls.
      recognizes: isAnthropicRequest,
      async handle(request) {
        const caller = open(request);
        if ("refusal" in caller) return caller.refusal;
        const id = segmentAfter(request, "files");
        if (!(await state.files.delete(caller.tenant, id))) return notFound(id);
        return jsonResponse({ id, type: "file_deleted" });
      },
    },
  ];
}
