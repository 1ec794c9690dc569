// Which methods a path answers to, from an app's route table: tells a wrong method (405, with
// `Allow`) from an unknown path (404).

export interface RouteEntry {
  method: string;
  path: string;
}

/** A lookup over the routes; compiled on first use (routes are all declared by then). */
export function allowedMethodsOf(routes: () => readonly RouteEntry[]) {
  let compiled: Array<{ method: string; pattern: RegExp }> | null = null;
  return (pathname: string): string[] => {
    compiled ??= routes().map((route) => ({
      method: route.method.toUpperCase(),
      pattern: routePattern(route.path),
    }));
    const methods = new Set<string>();
    for (const route of compiled) {
      if (route.pattern.test(pathname)) methods.add(route.method);
    }
    return [...methods];
  };
}

/** `/manage/v1/projects/:id` → a RegExp for one path; `*` matches the rest. */
function routePattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) return "[^/]+";
      if (segment === "*") return ".*";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}
