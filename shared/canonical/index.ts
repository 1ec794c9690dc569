export * from "./content.ts";
export * from "./request.ts";
export * from "./response.ts";
export * from "./signatures.ts";
export * from "./stream-events.ts";
export * from "./warnings.ts";
