// Process logs: one line per event, prefixed with the component. Never on the request path.
export type Logger = (message: string) => void;

export function createLogger(component: string): Logger {
  return (message) => console.log(`${new Date().toISOString()} ${component}: ${message}`);
}
