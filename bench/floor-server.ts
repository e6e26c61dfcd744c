// The floor: a bare node:http server that makes the same upstream calls with the same SDK
// as the service (a conversation per new user, one response per message) and nothing else:
// no validation, no queue, no logging, no rate limit. Env: PORT, OPENAI_BASE_URL, OPENAI_API_KEY.
import { createServer } from 'node:http';
import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY ?? 'sk-bench', baseURL: process.env.OPENAI_BASE_URL, maxRetries: 0 });
const conversations = new Map<string, string>();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      try {
        const { user_id: userId, message } = JSON.parse(Buffer.concat(chunks).toString()) as { user_id: string; message: string };
        let threadId = conversations.get(userId);
        if (threadId === undefined) {
          threadId = (await client.conversations.create({})).id;
          conversations.set(userId, threadId);
        }
        const response = await client.responses.create({ model: 'gpt-5-mini', conversation: threadId, input: message });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ answer: response.output_text, user_id: userId, thread_id: threadId }));
      } catch {
        res.writeHead(500).end();
      }
    })();
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => process.exit(0));
