// OpenAI's Files API (and Azure's, on the resource's v1 surface): POST /files (multipart: file,
// purpose), GET /files, GET /files/{id}, GET /files/{id}/content, DELETE /files/{id}, per tenant.
// Batch input must be JSONL; batches write their output and error files here (purpose
// batch_output).
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import type { StoredFile } from "../../common/stored-files.ts";
import type { FormatRoute } from "../wire-format.ts";
import { openAiErrorResponse } from "./errors.ts";
import { type FilesFlavor, idAfter, pageOf, tenantOrRefusal } from "./files-flavor.ts";

const PURPOSES = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

/** The file object OpenAI answers with. */
export function openAiFileObject(file: StoredFile) {
  return {
    id: file.id,
    object: "file",
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: null,
    filename: file.filename,
    purpose: file.purpose,
    status: "processed",
    status_details: null,
  };
}

export const newOpenAiFileId = () => randomId("file-", 22);

const notFound = (id: string) =>
  openAiErrorResponse(404, `No such File object: ${id}`, { param: "id", code: null });

export function openAiFilesRoutes(
  state: SimulatorState,
  base: string,
  flavor: FilesFlavor,
): FormatRoute[] {
  const record = (request: Request) => state.calls.record(flavor.name, "", request, "", null);
  return [
    {
      method: "POST",
      path: `${base}/files`,
      replayable: false,
      async handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        let form: Awaited<ReturnType<Request["formData"]>>;
        try {
          form = await request.formData();
        } catch {
          return openAiErrorResponse(400, "The request must be multipart/form-data with a file.");
        }
        const file = form.get("file");
        const purpose = form.get("purpose");
        if (!(file instanceof Blob))
          return openAiErrorResponse(400, "Missing required parameter: 'file'.", {
            param: "file",
            code: "missing_required_parameter",
          });
        if (typeof purpose !== "string" || !PURPOSES.includes(purpose))
          return openAiErrorResponse(
            400,
            `Invalid value for 'purpose': expected one of ${PURPOSES.join(", ")}.`,
            { param: "purpose", code: "invalid_value" },
          );
        const filename = file instanceof File && file.name ? file.name : "upload";
        if (purpose === "batch" && !filename.endsWith(".jsonl"))
          return openAiErrorResponse(400, "Invalid file format for Batch API. Must be .jsonl", {
            param: "file",
          });
        const stored = await state.files.add(
          {
            id: newOpenAiFileId(),
            tenant: caller.tenant,
            filename,
            purpose,
            mimeType: file.type || "application/octet-stream",
            createdAt: Math.floor(Date.now() / 1000),
          },
          file,
        );
        return jsonResponse(openAiFileObject(stored));
      },
    },
    {
      method: "GET",
      path: `${base}/files`,
      handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const url = new URL(request.url);
        const purpose = url.searchParams.get("purpose");
        const files = state.files
          .list(caller.tenant)
          .filter((file) => file.id.startsWith("file-") && (!purpose || file.purpose === purpose));
        const page = pageOf(files, url, 10_000);
        return jsonResponse({ object: "list", ...page, data: page.data.map(openAiFileObject) });
      },
    },
    {
      method: "GET",
      path: `${base}/files/:id`,
      handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const id = idAfter(request, "files");
        const file = state.files.get(caller.tenant, id);
        return file ? jsonResponse(openAiFileObject(file)) : notFound(id);
      },
    },
    {
      method: "GET",
      path: `${base}/files/:id/content`,
      handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const id = idAfter(request, "files");
        const file = state.files.get(caller.tenant, id);
        if (!file) return notFound(id);
        return new Response(Bun.file(file.path), {
          headers: { "content-type": "application/octet-stream" },
        });
      },
    },
    {
      method: "DELETE",
      path: `${base}/files/:id`,
      async handle(request) {
        record(request);
        const caller = tenantOrRefusal(request, flavor);
        if ("refusal" in caller) return caller.refusal;
        const id = idAfter(request, "files");
        if (!(await state.files.delete(caller.tenant, id))) return notFound(id);
        return jsonResponse({ id, object: "file", deleted: true });
      },
    },
  ];
}
