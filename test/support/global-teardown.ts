/** Stops the store server global setup started. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __storeServer?: { stop: () => Promise<void> } }).__storeServer?.stop();
}
