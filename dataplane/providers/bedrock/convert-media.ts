// Images and documents for Converse: Bedrock takes inline bytes (base64 in JSON) with a format
// name, never a URL or a file id; `data:` URLs are inline bytes in disguise and are unpacked.
import type { CacheControl, MediaSource } from "#shared/canonical/content.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { CachePointBlock, DocumentBlock, ImageBlock } from "./converse-types.ts";

const IMAGE_FORMATS: Record<string, ImageBlock["image"]["format"]> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

const DOCUMENT_FORMATS: Record<string, string> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

export function cachePoint(cacheControl: CacheControl | undefined): CachePointBlock[] {
  if (!cacheControl) return [];
  return [
    {
      cachePoint: cacheControl.ttl
        ? { type: "default", ttl: cacheControl.ttl }
        : { type: "default" },
    },
  ];
}

function inlineBytes(source: MediaSource): { mediaType: string; data: string } | undefined {
  if (source.kind === "base64") return { mediaType: source.mediaType, data: source.data };
  if (source.kind === "url") {
    const match = DATA_URL.exec(source.url);
    if (match?.[1] && match[2] !== undefined) return { mediaType: match[1], data: match[2] };
  }
  return undefined;
}

function sourceWarning(subject: string, source: MediaSource): ConversionWarning {
  const what = source.kind === "file" ? "file references" : "URLs";
  return {
    type: "unsupported-content",
    subject,
    message: `Bedrock Converse takes ${subject.split(".").pop()} bytes inline, not ${what}; dropped`,
  };
}

export function imageBlock(
  source: MediaSource,
  subject: string,
): { block: ImageBlock } | { warning: ConversionWarning } {
  const bytes = inlineBytes(source);
  if (!bytes) return { warning: sourceWarning(subject, source) };
  const format = IMAGE_FORMATS[bytes.mediaType.toLowerCase()];
  if (!format) {
    return {
      warning: {
        type: "unsupported-content",
        subject,
        message: `Bedrock takes png, jpeg, gif or webp images, not ${bytes.mediaType}; dropped`,
      },
    };
  }
  return { block: { image: { format, source: { bytes: bytes.data } } } };
}

/**
 * Bedrock wants a name per document, unique in the request, of letters, digits, single spaces,
 * hyphens, parentheses and square brackets.
 */
export function documentBlock(
  source: MediaSource,
  title: string | undefined,
  usedNames: Set<string>,
): { block: DocumentBlock } | { warning: ConversionWarning } {
  const bytes = inlineBytes(source);
  if (!bytes) return { warning: sourceWarning("document", source) };
  const format = DOCUMENT_FORMATS[bytes.mediaType.toLowerCase()];
  if (!format) {
    return {
      warning: {
        type: "unsupported-content",
        subject: "document",
        message: `Bedrock does not take ${bytes.mediaType} documents; dropped`,
      },
    };
  }
  const base =
    (title ?? "")
      .replace(/[^A-Za-z0-9\s\-()[\]]/g, " ")
      .replace(/\s+/g, " ")
      .trim() || "document";
  let name = base;
  for (let suffix = 2; usedNames.has(name); suffix++) name = `${base} (${suffix})`;
  usedNames.add(name);
  return { block: { document: { format, name, source: { bytes: bytes.data } } } };
}
