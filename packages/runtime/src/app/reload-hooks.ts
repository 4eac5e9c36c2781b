/**
 * Node module-resolution hook for live reload (registered by module-loader.ts, runs in Node's loader thread).
 * A module imported with `?sipflow-reload=N&sipflow-root=<app dir>` passes the same query on to every file it
 * imports from inside that app dir, so a reload gets a fresh copy of the app's own files, while packages
 * (xstate, zod, @sipflow/runtime) stay the single shared instance the server uses.
 */
interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  const result = await next(specifier, context);
  const parent = context.parentURL;
  if (!parent || !parent.includes('sipflow-reload=') || !result.url.startsWith('file:')) return result;
  const parentUrl = new URL(parent);
  const version = parentUrl.searchParams.get('sipflow-reload');
  const root = parentUrl.searchParams.get('sipflow-root');
  if (!version || !root) return result;
  const url = new URL(result.url);
  if (!url.pathname.startsWith(root) || url.pathname.includes('/node_modules/') || url.searchParams.has('sipflow-reload')) return result;
  url.searchParams.set('sipflow-reload', version);
  url.searchParams.set('sipflow-root', root);
  return { ...result, url: url.href };
}
