import { connectDatabase } from './database/database.setup';
import { startShipping } from './shipping/shipping.launcher';

export interface SampleDependencies {
  env: { DATABASE_URL: string; SHIPPING_URL: string };
  stop(): Promise<void>;
}

/**
 * What the orders service needs around it: PostgreSQL (`DATABASE_URL`, else embedded) and the
 * shipping service (`SHIPPING_URL`, else started here in its own process). Run once, by the
 * cluster primary or by the single process of start:dev; stopped in reverse order.
 */
export async function startDependencies(): Promise<SampleDependencies> {
  const database = await connectDatabase();
  try {
    const given = process.env.SHIPPING_URL;
    const shipping = given ? undefined : await startShipping();
    const shippingUrl = given ?? shipping!.url;
    console.log(given ? `[shipping] using SHIPPING_URL ${given}` : `[shipping] started the shipping service at ${shippingUrl} (pid ${shipping!.pid})`);
    return {
      env: { ...database.env, SHIPPING_URL: shippingUrl },
      stop: async () => {
        await shipping?.stop();
        await database.stop();
      },
    };
  } catch (error) {
    await database.stop();
    throw error;
  }
}
