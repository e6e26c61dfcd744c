import { randomId } from './http';
import type { ConversationItem } from './types';

/** A message as a request carries it, before it becomes a conversation item. */
export interface InputMessage {
  role: string;
  text: string;
}

/** Accepts a string or an array of input messages ({ role, content: string | parts }). */
export function normalizeInput(input: unknown): InputMessage[] {
  if (typeof input === 'string') return [{ role: 'user', text: input }];
  if (!Array.isArray(input)) return [];
  return input
    .filter((m) => m && typeof m === 'object' && (m.type === undefined || m.type === 'message'))
    .map((m) => ({ role: typeof m.role === 'string' ? m.role : 'user', text: contentText(m.content) }));
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('');
}

/** Items with fresh ids; roles the fake does not model (system, developer) are left out. */
export function toItems(messages: InputMessage[], createdAt: number): ConversationItem[] {
  return messages
    .filter((m): m is InputMessage & Pick<ConversationItem, 'role'> => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ id: randomId('msg', 24), role: m.role, text: m.text, created_at: createdAt, status: 'completed' }));
}

export function itemObject(item: ConversationItem) {
  const content = item.role === 'user' ? { type: 'input_text', text: item.text } : outputText(item.text);
  return { type: 'message', id: item.id, role: item.role, status: item.status, content: [content] };
}

export function outputText(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function outputMessage(id: string, status: string, content: object[]) {
  return { type: 'message', id, status, role: 'assistant', content };
}
