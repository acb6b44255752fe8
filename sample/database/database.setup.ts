import { startEmbeddedPostgres } from './embedded-postgres';
import { ensureSchema } from './schema';

export interface SampleDatabase {
  url: string;
  env: { DATABASE_URL: string };
  stop(): Promise<void>;
}

/**
 * `DATABASE_URL` when set; otherwise an embedded PostgreSQL in a temporary directory, so a new user
 * needs nothing but Node. Either way the schema is ready when this resolves.
 */
export async function connectDatabase(log: (line: string) => void = console.log): Promise<SampleDatabase> {
  const given = process.env.DATABASE_URL;
  const embedded = given ? undefined : await startEmbeddedPostgres();
  const url = given ?? embedded!.url;
  try {
    await ensureSchema(url);
  } catch (error) {
    await embedded?.stop();
    throw new Error(`database ${redactUrl(url)} is not usable: ${(error as Error).message}`, { cause: error });
  }
  log(
    embedded
      ? `[database] no DATABASE_URL: started embedded PostgreSQL at ${redactUrl(url)} (temporary data, removed on exit)`
      : `[database] using DATABASE_URL ${redactUrl(url)}`,
  );
  return { url, env: { DATABASE_URL: url }, stop: async () => embedded?.stop() };
}

/** Hides the password of a connection URL for the log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
