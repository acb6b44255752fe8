import { isBuiltin } from 'node:module';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';

/** Undoes what patchLoadedModules did. */
export type Unpatch = () => void;

/**
 * The register phase, for jest. jest loads modules through its own registry, which the
 * instrumentations' require hooks never see, so `nestjs-tracing/register` alone patches nothing
 * in a test file. This applies each instrumentation's own patch functions to the modules the
 * test's registry loads — what the require hook does in a real process — and returns the undo.
 */
export function patchLoadedModules(instrumentations: InstrumentationBase[], load: (id: string) => unknown): Unpatch {
  const undo: Array<() => void> = [];
  for (const instrumentation of instrumentations) {
    for (const definition of instrumentation.getModuleDefinitions()) {
      const version = isBuiltin(definition.name)
        ? undefined
        : (tryLoad(load, `${definition.name}/package.json`) as { version?: string } | undefined)?.version;
      const main = definition.patch ? tryLoad(load, definition.name) : undefined;
      if (main !== undefined) {
        const patched: unknown = definition.patch!(main, version);
        undo.push(() => definition.unpatch?.(patched, version));
      }
      for (const file of definition.files) {
        const loaded = tryLoad(load, file.name);
        if (loaded === undefined) continue;
        const patched: unknown = file.patch(loaded, version);
        undo.push(() => file.unpatch(patched, version));
      }
    }
  }
  return () => undo.reverse().forEach((step) => step());
}

/** Optional parts (pg-native) are absent; the require hook would never see them either. */
function tryLoad(load: (id: string) => unknown, id: string): unknown {
  try {
    return load(id);
  } catch {
    return undefined;
  }
}
