import { itemObject, normalizeInput, toItems } from './conversation-items';
import { type Exchange, nowSeconds, pageOf, randomId, type Route } from './http';
import { type FakeState } from './state';
import type { FakeConversation } from './types';

export function conversationRoutes(state: FakeState): Route[] {
  const conversation = (handle: (c: FakeConversation, ex: Exchange) => void) => (ex: Exchange) => {
    const found = state.liveConversation(ex.params.id);
    if (found) handle(found, ex);
    else ex.error(404, `Conversation with id '${ex.params.id}' not found.`);
  };
  return [
    { method: 'POST', pattern: '/v1/conversations', handle: (ex) => createConversation(state, ex) },
    { method: 'GET', pattern: '/v1/conversations/:id', handle: conversation((c, ex) => ex.json(200, conversationObject(c))) },
    { method: 'DELETE', pattern: '/v1/conversations/:id', handle: conversation(deleteConversation) },
    { method: 'GET', pattern: '/v1/conversations/:id/items', handle: conversation(listItems) },
    { method: 'DELETE', pattern: '/v1/conversations/:id/items/:itemId', handle: conversation(deleteItem) },
  ];
}

function createConversation(state: FakeState, ex: Exchange): void {
  const createdAt = nowSeconds();
  const conversation: FakeConversation = {
    id: randomId('conv', 24),
    created_at: createdAt,
    metadata: ex.body.metadata ?? {},
    items: toItems(normalizeInput(ex.body.items ?? []), createdAt),
  };
  state.conversations.set(conversation.id, conversation);
  ex.json(200, conversationObject(conversation));
}

function deleteConversation(conversation: FakeConversation, ex: Exchange): void {
  conversation.deleted = true;
  ex.json(200, { id: conversation.id, object: 'conversation.deleted', deleted: true });
}

function listItems(conversation: FakeConversation, ex: Exchange): void {
  const page = pageOf(conversation.items, ex.record.query);
  ex.json(200, { object: 'list', ...page, data: page.data.map(itemObject) });
}

/** Like the real API, answers the conversation, not the deleted item. */
function deleteItem(conversation: FakeConversation, ex: Exchange): void {
  const index = conversation.items.findIndex((item) => item.id === ex.params.itemId);
  if (index < 0) return ex.error(404, `Item with id '${ex.params.itemId}' not found.`);
  conversation.items.splice(index, 1);
  ex.json(200, conversationObject(conversation));
}

function conversationObject(c: FakeConversation) {
  return { id: c.id, object: 'conversation', created_at: c.created_at, metadata: c.metadata };
}
