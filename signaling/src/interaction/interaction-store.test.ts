import { InMemoryInteractionStore } from './interaction-store.ts';
import { interactionStoreContract } from './interaction-store.contract.ts';

interactionStoreContract('InMemoryInteractionStore', async () => new InMemoryInteractionStore());
